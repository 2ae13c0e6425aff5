"""THE test of the live layer: paper trading a replayed dataset at full speed gives the
backtest's result to the cent (same fills, orders, perf, positions, final equity)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from rustybt import run_backtest
from rustybt.data.bars import BarPanel
from rustybt.engine.execution import FixedBasisPoints, PerShare
from rustybt.engine.result import BacktestResult
from rustybt.engine.strategy import Strategy
from rustybt.live.feeds import ReplayFeed
from rustybt.live.paper import PaperBroker
from rustybt.live.runner import LiveRunner
from tests.live.strategies import Rebalancer, mean_reversion


def _paper(strategy: Strategy, panel: BarPanel, state: Path, **costs: object) -> BacktestResult:
    broker = PaperBroker(capital=100_000, path=state / "paper.db")
    runner = LiveRunner(
        strategy,
        broker=broker,
        feed=ReplayFeed(panel, speed="max"),
        state=state,
        capital=100_000,
        **costs,  # type: ignore[arg-type]  # cost keyword arguments of LiveRunner
    )
    try:
        return runner.run()
    finally:
        broker.close()


def assert_same_result(live: BacktestResult, backtest: BacktestResult) -> None:
    pd.testing.assert_frame_equal(live.transactions, backtest.transactions)
    pd.testing.assert_frame_equal(live.orders, backtest.orders)
    pd.testing.assert_frame_equal(live.perf, backtest.perf)
    pd.testing.assert_frame_equal(live.positions, backtest.positions)
    assert live.metadata["ledger"] == backtest.metadata["ledger"]
    assert live.final_equity == backtest.final_equity


@pytest.mark.parametrize(
    "costs",
    [
        {},
        {"commission": PerShare(cost=0.01, min_trade_cost=1.0), "slippage": FixedBasisPoints(5)},
        {"fill_at": "close", "volume_limit": 0.001},
    ],
    ids=["no-costs", "costs", "close-volume-cap"],
)
def test_paper_replay_equals_backtest_market_orders(
    demo_window: BarPanel, tmp_path: Path, costs: dict[str, object]
) -> None:
    backtest = run_backtest(Rebalancer(), demo_window, capital=100_000, **costs)  # type: ignore[arg-type]
    live = _paper(Rebalancer(), demo_window, tmp_path, **costs)
    assert len(backtest.transactions) > 20  # it really traded
    assert_same_result(live, backtest)


def test_paper_replay_equals_backtest_limit_stop_day_orders(
    demo_window: BarPanel, tmp_path: Path
) -> None:
    """Limit entries, DAY expiry, cancels and re-pricing, market stops."""
    panel = demo_window
    backtest = run_backtest(mean_reversion(), panel, capital=100_000)
    live = _paper(mean_reversion(), panel, tmp_path)
    statuses = set(backtest.orders["status"])
    assert {"filled", "cancelled"} <= statuses or {"filled", "expired"} <= statuses
    assert_same_result(live, backtest)
