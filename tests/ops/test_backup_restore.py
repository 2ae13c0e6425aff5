"""Disaster recovery: an online backup taken while a paper session trades, restored
into a fresh directory, resumes with no lost or duplicate order, and ends with the
backtest's result to the cent (the paper account is restored with the session)."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from rustybt import run_backtest
from rustybt.data.bars import BarPanel
from rustybt.engine.result import BacktestResult
from rustybt.errors import ConfigError, DataError
from rustybt.live.checker import check_paper_books
from rustybt.live.state import StateStore
from rustybt.ops.backup import (
    LAST_BACKUP_KEY,
    MANIFEST,
    backup_state,
    restore_backup,
    verify_backup,
)
from tests.ops.sessions import CAPITAL, DAY, CalendarRebalancer, read_only, run_session
from tests.ops.sessions import paper_runner as _runner


def _trade_and_back_up(
    panel: BarPanel, live_dir: Path, backup_dir: Path, *, at_bar_boundary: bool
) -> tuple[BacktestResult, int]:
    """Run a paper session in a thread and back it up from this one after 20 bars.

    ``at_bar_boundary``: the trader waits between two bars until the backup is done (as
    it does in production between bars, which is nearly all the time); otherwise the
    backup lands wherever the trader is, possibly in the middle of a bar."""
    # About 40 daily bars a second: the backup lands in the middle of the session.
    runner, broker = _runner(panel, live_dir, f"{40 * DAY}x")
    reached, done = threading.Event(), threading.Event()
    if at_bar_boundary:

        def pause(status: object) -> None:
            if runner.metrics.bars == 20:
                reached.set()
                done.wait(timeout=30)

        runner.on_status = pause
    results: list[BacktestResult] = []
    trader = threading.Thread(target=lambda: results.append(run_session(runner, broker)))
    trader.start()
    deadline = time.monotonic() + 30
    while runner.metrics.bars < 20 and time.monotonic() < deadline:
        time.sleep(0.005)
    reached.wait(timeout=30 if at_bar_boundary else 0)
    manifest = backup_state(live_dir, backup_dir)
    bars_at_backup = runner.metrics.bars
    done.set()
    trader.join(timeout=60)
    assert not trader.is_alive()
    assert results
    assert bars_at_backup < len(panel.index)  # the backup really was taken mid-session
    assert {"state.db", "paper.db", "audit.jsonl"} <= set(manifest.files)
    orders_at_backup = read_only(backup_dir / "state.db", "SELECT COUNT(*) FROM orders")
    assert isinstance(orders_at_backup, int)
    assert 0 < orders_at_backup < len(results[0].orders)
    return results[0], orders_at_backup


def _restore_and_resume(panel: BarPanel, backup_dir: Path, restored: Path) -> BacktestResult:
    """The machine is lost: restore the backup into a fresh directory and resume."""
    restore_backup(backup_dir, restored)
    runner, broker = _runner(panel, restored, "max")
    resumed = run_session(runner, broker)
    check = check_paper_books(restored, capital=CAPITAL)
    assert check.ok, (check.lost, check.duplicates, check.unresolved, check.books)
    assert check.venue_orders == len(resumed.orders)  # one venue order per intent
    return resumed


def test_backup_between_bars_restored_resumes_to_the_backtest_to_the_cent(
    demo_window: BarPanel, tmp_path: Path
) -> None:
    live_dir, backup_dir = tmp_path / "live", tmp_path / "backup"
    lost, _ = _trade_and_back_up(demo_window, live_dir, backup_dir, at_bar_boundary=True)
    resumed = _restore_and_resume(demo_window, backup_dir, tmp_path / "restored")
    backtest = run_backtest(CalendarRebalancer(), demo_window, capital=CAPITAL)
    assert lost.final_equity == backtest.final_equity  # the session that was lost
    assert resumed.final_equity == backtest.final_equity  # to the cent (exact Decimal)
    assert len(resumed.orders) == len(backtest.orders)
    assert list(resumed.transactions["quantity"]) == list(backtest.transactions["quantity"])
    assert list(resumed.transactions["price"]) == list(backtest.transactions["price"])
    # The source session learnt where its last backup went (preflight reads it).
    record = StateStore(live_dir).get_json(LAST_BACKUP_KEY)
    assert isinstance(record, dict)
    assert record["path"] == str(backup_dir.resolve())


def test_backup_anywhere_in_a_bar_restored_loses_and_duplicates_no_order(
    demo_window: BarPanel, tmp_path: Path
) -> None:
    """A backup is a crash at its instant: the state and the paper account are copied
    as one pair, so a restart from it resolves every order, books every fill, and
    ends with the ledger equal to the account's books to the cent."""
    backup_dir = tmp_path / "backup"
    _, orders_at_backup = _trade_and_back_up(
        demo_window, tmp_path / "live", backup_dir, at_bar_boundary=False
    )
    resumed = _restore_and_resume(demo_window, backup_dir, tmp_path / "restored")
    assert len(resumed.orders) > orders_at_backup  # it traded on after the restore


@pytest.fixture
def backup(demo_window: BarPanel, tmp_path: Path) -> Path:
    state = tmp_path / "state"
    runner, broker = _runner(demo_window.select(end="2016-01-31"), state, "max")
    run_session(runner, broker)
    with (state / "audit.jsonl").open("a") as log:
        log.write('{"event": "half a line')  # a write in progress is not copied
    target = tmp_path / "backup"
    backup_state(state, target)
    return target


def test_backup_is_private_verified_and_cuts_a_partial_audit_line(backup: Path) -> None:
    manifest = verify_backup(backup)
    assert oct(backup.stat().st_mode & 0o777) == "0o700"
    assert all(oct((backup / n).stat().st_mode & 0o777) == "0o600" for n in manifest.files)
    assert (backup / "audit.jsonl").read_bytes().endswith(b"\n")
    lines = (backup / "audit.jsonl").read_text().splitlines()
    assert all(json.loads(line)["event"] for line in lines)
    session = read_only(backup / "state.db", "SELECT value FROM meta WHERE key = 'session_id'")
    assert manifest.session_id == session


def test_restore_refuses_a_damaged_backup(backup: Path, tmp_path: Path) -> None:
    data = bytearray((backup / "paper.db").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (backup / "paper.db").write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"damaged: paper\.db does not match its manifest"):
        restore_backup(backup, tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_restore_refuses_a_missing_file_and_a_missing_manifest(
    backup: Path, tmp_path: Path
) -> None:
    (backup / "audit.jsonl").unlink()
    with pytest.raises(DataError, match=r"audit\.jsonl is missing"):
        restore_backup(backup, tmp_path / "new")
    (backup / MANIFEST).unlink()
    with pytest.raises(DataError, match="not a rustybt backup"):
        restore_backup(backup, tmp_path / "new")


def test_restore_never_overwrites_a_state(backup: Path, tmp_path: Path) -> None:
    live = tmp_path / "state"  # the fixture's session directory
    with pytest.raises(ConfigError, match="already holds a live state"):
        restore_backup(backup, live)
    running = tmp_path / "running"
    running.mkdir()
    (running / "runner.pid").write_text(str(os.getpid()))  # a live process
    with pytest.raises(ConfigError, match=rf"session \(pid {os.getpid()}\) is running"):
        restore_backup(backup, running)


def test_backup_refuses_bad_targets(backup: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no live state"):
        backup_state(tmp_path / "nothing", tmp_path / "b2")
    with pytest.raises(ConfigError, match="not empty"):
        backup_state(tmp_path / "state", backup)
    with pytest.raises(ConfigError, match="inside the state directory"):
        backup_state(tmp_path / "state", tmp_path / "state" / "backups" / "b")
