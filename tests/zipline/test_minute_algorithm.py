"""A zipline-style intraday algorithm on real SPY minute bars (January 2011)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rustybt import run_algorithm
from rustybt.data.bars import BarPanel, Frequency
from rustybt.data.sources import ninjatrader_minute
from tests.zipline.algorithms import intraday_spy

pytestmark = pytest.mark.realdata


def test_intraday_algorithm_known_answer(shared_data: Path) -> None:
    frame = ninjatrader_minute(shared_data / "nt-spy-minute-2011-01.csv").read()
    panel = BarPanel.from_frame(frame, frequency=Frequency.MINUTE)
    kept = []
    perf = run_algorithm(
        start="2011-01-03",
        end="2011-01-31",
        initialize=intraday_spy.initialize,
        before_trading_start=intraday_spy.before_trading_start,
        analyze=lambda context, perf: kept.append(context),
        capital_base=10_000,
        data_frequency="minute",
        data=panel,
    )
    context = kept[0]
    minutes = pd.DataFrame({"close": panel.close[:, 0]}, index=panel.index)
    minutes = minutes.loc[: pd.Timestamp("2011-01-31 23:59", tz="UTC")]
    days = minutes.index.normalize()
    sessions = days.unique()
    assert list(perf.index) == list(sessions)
    # Decisions: the 30th bar of each session and the 30th bar from its end.
    buys = [t for kind, t in context.decisions if kind == "buy"]
    sells = [t for kind, t in context.decisions if kind == "sell"]
    # Sessions with fewer than 30 bars (this file has sparse days) have neither.
    full = [s for s in sessions if (days == s).sum() >= 30]
    assert len(full) >= 15
    assert buys == [minutes.index[days == s][29] for s in full]
    assert sells == [minutes.index[days == s][-30] for s in full]
    # order_target to 10 / to 0 at each decision, in time order (on a short session
    # the sell bar comes before the buy bar: the position is then held overnight).
    held, expected = 0, []
    for kind, decided in context.decisions:
        target = 10 if kind == "buy" else 0
        if target != held:
            expected.append((decided, target - held))
            held = target
    # Each order fills at the next minute bar's close (run_algorithm's zipline rule).
    fills = [t for day in perf.transactions for t in day]
    position = {t: i for i, t in enumerate(minutes.index)}
    assert [(f["amount"], f["price"]) for f in fills] == [
        (amount, minutes["close"].iloc[position[decided] + 1]) for decided, amount in expected
    ]
    cash = 10_000 - sum(f["amount"] * f["price"] for f in fills)
    final = cash + held * minutes["close"].iloc[-1]
    assert perf.portfolio_value.iloc[-1] == pytest.approx(final, abs=1e-9)
    # before_trading_start: the clock is the coming session; daily closes are the
    # previous sessions' last minute closes (NaN before the data).
    first_time, first_closes = context.daily_closes[0]
    assert first_time == minutes.index[0]
    assert first_closes.isnull().all()
    when, closes = context.daily_closes[3]
    assert isinstance(closes, pd.Series)
    previous = minutes["close"].groupby(days).last().loc[: sessions[2]].tail(3)
    assert np.allclose(closes.to_numpy(), previous.to_numpy())
    assert when.normalize() == sessions[3]
