"""A paper session on the demo window, for the deployment tests."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from rustybt.data.bars import BarPanel
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.data_portal import BarData
from rustybt.engine.result import BacktestResult
from rustybt.live.feeds import ReplayFeed
from rustybt.live.paper import PaperBroker
from rustybt.live.runner import LiveRunner
from tests.live.strategies import Rebalancer

CAPITAL = 100_000
DAY = 86_400


class CalendarRebalancer(Rebalancer):
    """`Rebalancer` on the calendar instead of a bar count kept in memory: a restarted
    process decides each bar as the first one did, so the result can be compared with
    the backtest to the cent."""

    def handle_data(self, context: TradingContext, data: BarData) -> None:
        self.bars = int(data.current_dt.dayofyear)
        if self.bars % self.every:
            return
        skip = (self.bars // self.every) % len(context.picks)
        for i, asset in enumerate(context.picks):
            context.order_target_percent(asset, 0.0 if i == skip else 0.9 / (self.n - 1))


def paper_runner(panel: BarPanel, state: Path, speed: str) -> tuple[LiveRunner, PaperBroker]:
    state.mkdir(parents=True, exist_ok=True)
    broker = PaperBroker(capital=CAPITAL, path=state / "paper.db")
    runner = LiveRunner(
        CalendarRebalancer(),
        broker=broker,
        feed=ReplayFeed(panel, speed=speed),
        state=state,
        capital=CAPITAL,
        audit_log=state / "audit.jsonl",
    )
    return runner, broker


def read_only(db: Path, sql: str) -> object:
    """One value from a backup's database without changing a byte of it."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return connection.execute(sql).fetchone()[0]
    finally:
        connection.close()


def run_session(runner: LiveRunner, broker: PaperBroker) -> BacktestResult:
    try:
        return runner.run()
    finally:
        broker.close()
        runner.store.close()
