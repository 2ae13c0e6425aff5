"""Every number in the report's JSON equals what the analytics functions return."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from rustybt import BacktestResult
from rustybt.analytics.attribution import brinson_from_result, capm_regression
from rustybt.analytics.metrics import (
    cumulative_returns,
    drawdown_series,
    monthly_returns_table,
    performance_metrics,
    period_returns,
    rolling_sharpe,
    rolling_volatility,
    worst_drawdowns,
)
from rustybt.analytics.risk import risk_report
from rustybt.analytics.trades import trade_summary
from rustybt.report.inputs import RISK_N_PATHS, RISK_SEED
from rustybt.report.sections.performance import METRIC_ROWS, rolling_window

Json = dict[str, Any]


def _table(report: Json, section: str, table: str) -> pd.DataFrame:
    raw = report["sections"][section]["tables"][table]
    return pd.DataFrame(raw["data"], index=raw["index"], columns=raw["columns"], dtype=object)


def _same(shown: object, expected: object) -> None:
    """JSON value vs analytics value: floats exact (NaN as null), dates as ISO."""
    if (
        expected is None
        or expected is pd.NaT
        or (isinstance(expected, float) and math.isnan(expected))
    ):
        assert shown is None
    elif isinstance(expected, float | np.floating) and math.isinf(float(expected)):
        assert shown == ("inf" if expected > 0 else "-inf")
    elif isinstance(expected, pd.Timestamp):
        assert pd.Timestamp(shown) == expected
    elif isinstance(expected, pd.Timedelta):
        assert shown == expected.total_seconds()
    elif isinstance(expected, float | np.floating | int | np.integer):
        assert shown == float(expected) or shown == int(expected)  # exact, not approximate
    else:
        assert shown == str(expected)


def test_metrics_table_equals_performance_metrics(
    demo_json: Json, demo_result: BacktestResult
) -> None:
    table = _table(demo_json, "metrics", "metrics")
    strategy = performance_metrics(demo_result.returns, demo_result.benchmark_returns).to_dict()
    bench = performance_metrics(demo_result.benchmark_returns.dropna()).to_dict()
    labels = dict((label, name) for name, label, _ in METRIC_ROWS)
    assert len(table) == len(METRIC_ROWS)
    for label, row in table.iterrows():
        name = labels[str(label)]
        _same(row["Strategy"], strategy[name])
        if name not in {"alpha", "beta", "information_ratio", "tracking_error"} | {
            "up_capture",
            "down_capture",
            "correlation",
        }:
            _same(row["Benchmark"], bench[name])


def test_drawdowns_calendar_and_equity_equal_the_functions(
    demo_json: Json, demo_result: BacktestResult
) -> None:
    returns = demo_result.returns
    worst = worst_drawdowns(returns, 5)
    table = _table(demo_json, "drawdown", "worst_drawdowns")
    np.testing.assert_array_equal(table["depth"].to_numpy(float), worst["drawdown"].to_numpy())
    assert [pd.Timestamp(v) for v in table["trough"]] == list(worst["valley"])
    grid = monthly_returns_table(returns)
    shown = _table(demo_json, "calendar", "monthly_returns").astype(float)
    np.testing.assert_array_equal(shown.to_numpy(), grid.to_numpy())
    yearly = demo_json["sections"]["calendar"]["charts"]["yearly"]["series"]["Strategy"]["y"]
    assert yearly == list(period_returns(returns, "year").to_numpy())
    for section, chart, expected in (
        ("equity", "equity", cumulative_returns(returns)),
        ("drawdown", "underwater", drawdown_series(returns)),
    ):
        shown = demo_json["sections"][section]["charts"][chart]["series"]["Strategy"]
        x = pd.DatetimeIndex(shown["x"])
        # 1007 sessions are thinned to 1000 points for display: each one is exact,
        # and the extremes are kept
        assert len(x) <= 1000
        assert shown["y"] == list(expected.loc[x].to_numpy())
        assert min(shown["y"]) == expected.min()
        assert max(shown["y"]) == expected.max()


def test_rolling_distribution_and_trades_equal_the_functions(
    demo_json: Json, demo_result: BacktestResult
) -> None:
    returns = demo_result.returns
    window = rolling_window(len(returns), 252.0)
    assert window == 126
    rolling = _table(demo_json, "rolling", "rolling")
    assert rolling.loc["Sharpe ratio", "last"] == rolling_sharpe(returns, window).iloc[-1]
    assert rolling.loc["Annual volatility", "max"] == rolling_volatility(returns, window).max()
    markers = demo_json["sections"]["distribution"]["charts"]["distribution"]["markers"]
    metrics = performance_metrics(returns)
    assert markers["VaR 95%"] == metrics.value_at_risk
    assert markers["CVaR 95%"] == metrics.conditional_value_at_risk
    summary = trade_summary(demo_result)
    shown = _table(demo_json, "trades", "trade_summary")
    for statistic in summary.index:
        for column in summary.columns:
            _same(shown.loc[statistic, column], summary.loc[statistic, column])


def test_risk_and_attribution_equal_the_functions(
    demo_json: Json, demo_result: BacktestResult
) -> None:
    risk = risk_report(demo_result, n_paths=RISK_N_PATHS, seed=RISK_SEED)
    var = _table(demo_json, "risk", "var")
    np.testing.assert_array_equal(var["var"].to_numpy(float), risk.var["var"].to_numpy())
    np.testing.assert_array_equal(var["cvar_currency"].to_numpy(float), risk.var["cvar_currency"])
    capm = capm_regression(demo_result.returns, demo_result.benchmark_returns).to_frame()
    shown = _table(demo_json, "attribution", "capm").astype(float)
    np.testing.assert_array_equal(shown.to_numpy(), capm.to_numpy())
    brinson = brinson_from_result(demo_result).linked()
    table = _table(demo_json, "attribution", "brinson").astype(float)
    np.testing.assert_array_equal(table.to_numpy(), brinson.to_numpy())
    notes = " ".join(demo_json["sections"]["attribution"]["notes"])
    assert "Sector benchmark: all 20 assets in the backtest's data, equal weights" in notes


def test_positions_section_known_answers(demo_json: Json, demo_result: BacktestResult) -> None:
    perf = demo_result.perf
    positions = demo_result.positions
    last = positions[positions["session"] == perf.index[-1]]
    weights = last.groupby("symbol")["market_value"].sum() / perf["portfolio_value"].iloc[-1]
    sectors = {a.symbol: a.sector for a in demo_result.bars.assets}  # type: ignore[union-attr]
    by_sector = weights.groupby(weights.index.map(sectors)).sum()
    table = _table(demo_json, "positions", "sector_exposure")
    for sector, weight in by_sector.items():
        assert table.loc[sector, "weight at the end"] == pytest.approx(weight, abs=1e-12)
    assert table["weight at the end"].sum() == pytest.approx(weights.sum(), abs=1e-12)
    # turnover: traded notional / portfolio value, summed over the run
    fills = demo_result.transactions
    notional = (fills["quantity"].astype(float) * fills["price"].astype(float)).abs()
    pv = perf["portfolio_value"].reindex(pd.DatetimeIndex(fills["timestamp"]).normalize())
    total = float((notional.to_numpy() / pv.to_numpy()).sum())
    turnover = _table(demo_json, "positions", "turnover")
    assert turnover.loc["Total over the run", "value"] == pytest.approx(total, rel=1e-12)
