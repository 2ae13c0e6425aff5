"""A killed-and-restarted session decides exactly as one that never stopped: the same
fills, orders and books to the cent, because the strategy's own state (here a bar
counter that sets the rebalancing rhythm) is restored with the ledger."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from rustybt.data.synthetic import demo_panel
from rustybt.engine.result import BacktestResult
from rustybt.live.feeds import ReplayFeed
from rustybt.live.paper import PaperBroker
from rustybt.live.runner import LiveRunner
from rustybt.live.state import StateStore
from tests.live.strategies import Rebalancer

ROOT = Path(__file__).resolve().parents[2]
CAPITAL = 100_000


def _session(state: Path) -> BacktestResult:
    """The crash worker's session (`tests.live.crash_worker`), in this process."""
    state.mkdir(parents=True, exist_ok=True)
    panel = demo_panel()
    window = panel.select(start="2016-01-01", end="2016-04-30", assets=panel.assets[:5])
    broker = PaperBroker(capital=CAPITAL, path=state / "paper.db")
    try:
        return LiveRunner(
            Rebalancer(n=5, every=2),
            broker=broker,
            feed=ReplayFeed(window, speed="max"),
            state=state,
            capital=CAPITAL,
        ).run()
    finally:
        broker.close()


def _killed_at(state: Path, point: str) -> None:
    state.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RUSTYBT_CRASH_AT": point}
    process = subprocess.run(
        [sys.executable, "-m", "tests.live.crash_worker", str(state)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert process.returncode == -signal.SIGKILL, process.stderr[-2000:]


@pytest.mark.parametrize("kill_after_bar", [1, 23, 58])
def test_killed_and_restarted_equals_uninterrupted(tmp_path: Path, kill_after_bar: int) -> None:
    whole = _session(tmp_path / "whole")
    _killed_at(tmp_path / "cut", f"after_bar:{kill_after_bar}")
    store = StateStore(tmp_path / "cut")
    try:
        assert store.get("last_bar") == str(kill_after_bar - 1)  # really cut mid-session
        assert store.snapshot("strategy") is not None
    finally:
        store.close()
    restarted = _session(tmp_path / "cut")
    assert len(whole.transactions) > 20
    columns = ["timestamp", "symbol", "quantity", "price", "commission", "order_id", "bar"]
    pd.testing.assert_frame_equal(
        restarted.transactions[columns].reset_index(drop=True),
        whole.transactions[columns].reset_index(drop=True),
    )
    assert restarted.metadata["ledger"] == whole.metadata["ledger"]
    assert restarted.final_equity == whole.final_equity
    pd.testing.assert_frame_equal(restarted.positions, whole.positions)
