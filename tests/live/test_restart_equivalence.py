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


@pytest.mark.parametrize("fills_seen", [3, 11])
def test_killed_before_deciding_a_bar_then_restarted_decides_that_bar(
    tmp_path: Path, fills_seen: int
) -> None:
    """Killed while booking the venue's fills, before the strategy ran: the bar was begun
    but nothing of its decision was kept, so the restart decides it (before, nobody did,
    and the strategy's rhythm shifted by a bar). Every order and fill equals an
    uninterrupted run's, and so do the books; only the fills the dead process had
    received are booked by the restart's reconciliation, a bar earlier than the
    uninterrupted run's next-bar sync would book them."""
    whole = _session(tmp_path / "whole")
    _killed_at(tmp_path / "cut", f"after_fill_before_persist:{fills_seen}")
    store = StateStore(tmp_path / "cut")
    try:
        begun = int(store.get("last_bar") or -1)
        assert begun > 0
        assert store.get("decided_bar") == str(begun - 1)  # begun, not decided
    finally:
        store.close()
    restarted = _session(tmp_path / "cut")
    orders = ["order_id", "symbol", "quantity", "price", "commission"]
    pd.testing.assert_frame_equal(
        restarted.transactions[orders].reset_index(drop=True),
        whole.transactions[orders].reset_index(drop=True),
    )
    moved = restarted.transactions["bar"].to_numpy() != whole.transactions["bar"].to_numpy()
    assert set(whole.transactions["bar"][moved]) == {begun}  # only the dead bar's fills
    assert set(restarted.transactions["bar"][moved]) == {begun - 1}
    assert restarted.metadata["ledger"] == whole.metadata["ledger"]
    assert restarted.final_equity == whole.final_equity
