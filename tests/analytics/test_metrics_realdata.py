"""Metrics on the real data in ../shared/data (skipped when it is absent)."""

from __future__ import annotations

from pathlib import Path

import empyrical as ep
import pandas as pd
import pytest

from rustybt.analytics import metrics as m

pytestmark = pytest.mark.realdata


def test_sp500_daily_since_1928(shared_data: Path) -> None:
    prices = pd.read_csv(
        shared_data / "GSPC_daily_1927_2023.csv", index_col="Date", parse_dates=True
    )
    returns = prices["Close"].pct_change().iloc[1:]
    pm = m.performance_metrics(returns)
    assert pm.periods_per_year == 252.0
    assert pm.sharpe_ratio == pytest.approx(ep.sharpe_ratio(returns), rel=1e-9)
    assert pm.max_drawdown == pytest.approx(ep.max_drawdown(returns), rel=1e-9)
    assert pm.cagr == pytest.approx(ep.cagr(returns), rel=1e-9)
    # 1929-1932: the index lost about 86% from its September 1929 high.
    assert -0.87 < pm.max_drawdown < -0.85
    assert pm.max_drawdown_peak == pd.Timestamp("1929-09-16")
    assert pm.max_drawdown_valley == pd.Timestamp("1932-06-01")
    # Black Monday, 1987-10-19: -20.5%, the worst day.
    assert pm.worst_day == pytest.approx(-0.2047, abs=1e-4)
    table = m.monthly_returns_table(returns)
    assert table.loc[1987, "Oct"] == pytest.approx(-0.2176, abs=1e-3)


def test_btc_minutes_are_24_7(shared_data: Path) -> None:
    bars = pd.read_csv(
        shared_data / "BTCUSDT_1m_binance_spot_2020-02-01_2020-04-30.csv.gz",
        usecols=["open_time", "close"],
    )
    close = pd.Series(
        bars["close"].to_numpy(), index=pd.to_datetime(bars["open_time"], unit="ms", utc=True)
    )
    returns = close.pct_change().iloc[1:]
    pm = m.performance_metrics(returns)
    assert pm.periods_per_year == 365.0 * 1440
    assert pm.worst_day == pytest.approx(m.worst_return(returns, "day"))
    # Black Thursday, 2020-03-12, is the worst UTC day of the quarter.
    daily = m.period_returns(returns, "day")
    assert str(daily.idxmin()) == "2020-03-12"


def test_spy_minutes_with_extended_hours_are_not_24_7(shared_data: Path) -> None:
    bars = pd.read_csv(
        shared_data / "nt-spy-minute-2011-03.csv", sep=";", header=None, usecols=[0, 4]
    )
    index = pd.to_datetime(bars[0], format="%Y%m%d %H%M%S").dt.tz_localize("UTC")
    returns = pd.Series(bars[4].to_numpy(), index=index).pct_change().iloc[1:]
    periods = m.performance_metrics(returns).periods_per_year
    assert periods < 365.0 * 1440
    assert periods % 252 == 0  # 252 sessions x median bars per date
