"""kill -9 at exact points of the order protocol and at random, in subprocesses: after
the restart no order is lost or duplicated and the ledger equals the venue's books
to the cent. A naive resend-with-a-new-id router must be caught by the same checker."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from rustybt.live.checker import check_paper_books
from rustybt.live.state import StateStore

ROOT = Path(__file__).resolve().parents[2]
CAPITAL = Decimal(100_000)


def _worker(state: Path, *args: str, crash_at: str | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("RUSTYBT_CRASH_AT", None)
    if crash_at is not None:
        env["RUSTYBT_CRASH_AT"] = crash_at
    return subprocess.Popen(
        [sys.executable, "-m", "tests.live.crash_worker", str(state), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run(state: Path, *args: str, crash_at: str | None = None) -> int:
    process = _worker(state, *args, crash_at=crash_at)
    _, err = process.communicate(timeout=120)
    if process.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(err[-3000:])
    return process.returncode


def _max_seq(state: Path) -> int:
    """The highest order sequence persisted so far (0 before the state exists)."""
    if not (state / "state.db").exists():
        return 0
    store = StateStore(state)
    try:
        return store.max_seq()
    finally:
        store.close()


def _states(state: Path) -> dict[str, int]:
    store = StateStore(state)
    try:
        counts: dict[str, int] = {}
        for record in store.orders():
            counts[record.state] = counts.get(record.state, 0) + 1
        return counts
    finally:
        store.close()


@pytest.mark.parametrize(
    ("point", "left_behind"),
    [
        ("after_persist_before_send:7", "intent"),
        ("after_send_before_ack:7", "intent"),
        ("after_fill_before_persist:3", None),
    ],
)
def test_kill_at_exact_point_then_restart(
    tmp_path: Path, point: str, left_behind: str | None
) -> None:
    assert _run(tmp_path, crash_at=point) == -signal.SIGKILL
    if left_behind is not None:  # the crash really left an unresolved intent behind
        assert _states(tmp_path).get(left_behind, 0) == 1
    assert _run(tmp_path) == 0
    check = check_paper_books(tmp_path, capital=CAPITAL)
    assert check.ok, check
    assert check.venue_orders > 10
    assert check.fills > 10
    assert _states(tmp_path).get("intent", 0) == 0


@pytest.mark.parametrize(
    "point", ["modify_after_persist_before_send:4", "modify_after_send_before_ack:4"]
)
def test_kill_during_a_modification_then_restart(tmp_path: Path, point: str) -> None:
    """The replacement's intent is stored, then the process dies before (or right
    after) sending it: the restart resolves it by query, never by sending it again."""
    assert _run(tmp_path, "--modify", crash_at=point) == -signal.SIGKILL
    assert _states(tmp_path).get("intent", 0) == 1
    assert _run(tmp_path, "--modify") == 0
    check = check_paper_books(tmp_path, capital=CAPITAL)
    assert check.ok, check
    assert _states(tmp_path).get("intent", 0) == 0
    store = StateStore(tmp_path)
    try:
        replacements = [r for r in store.orders() if r.replaces is not None]
    finally:
        store.close()
    assert len(replacements) > 4  # it really modified orders, before and after the restart
    assert check.fills > 0


def test_kill_at_random_moments_then_restart(tmp_path: Path) -> None:
    rng = random.Random(8)
    kills = 0
    for _ in range(3):
        # Kill after a random number of further orders were persisted, not after a
        # fixed sleep: on a fast idle machine the whole run can end before any sleep.
        target = _max_seq(tmp_path) + rng.randint(1, 6)
        process = _worker(tmp_path)
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            if _max_seq(tmp_path) >= target:
                time.sleep(rng.uniform(0.0, 0.05))  # land anywhere in the order protocol
                process.send_signal(signal.SIGKILL)
                kills += 1
                break
            time.sleep(0.005)
        process.communicate(timeout=60)
    assert _run(tmp_path) == 0
    check = check_paper_books(tmp_path, capital=CAPITAL)
    assert check.ok, check
    assert kills >= 1


def test_naive_resend_is_caught_by_the_checker(tmp_path: Path) -> None:
    """Negative control: crash after the venue got the order, restart with a router that
    resends it under a new id. The checker must see the duplicate."""
    assert _run(tmp_path, "--naive", crash_at="after_send_before_ack:7") == -signal.SIGKILL
    assert _run(tmp_path, "--naive") == 0
    check = check_paper_books(tmp_path, capital=CAPITAL)
    assert not check.ok
    assert check.duplicates, check
