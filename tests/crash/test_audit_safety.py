"""Audit log: readers during rotation, SIGTERM/SIGINT/KeyboardInterrupt end events,
recovery of a killed compression."""

from __future__ import annotations

import gzip
import itertools
import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from rustybt import FunctionStrategy, run_backtest
from rustybt.audit import AuditLog
from rustybt.audit.query import log_files, read_records
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.data_portal import BarData
from rustybt.errors import StrategyError
from tests.crash.harness import context
from tests.crash.scenarios import _panel

READS = 60


def test_readers_see_a_consistent_log_while_it_rotates(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog.open(path, max_bytes=600, when=None, backup_count=4, flush_interval=0)
    stop = threading.Event()

    def write() -> None:
        seq = 0
        while not stop.is_set() and seq < 2_000_000:
            log.write_line("info", json.dumps({"event": "test.line", "seq": seq}))
            seq += 1

    writer = threading.Thread(target=write)
    writer.start()
    failures: list[str] = []
    try:
        time.sleep(0.05)
        for _ in range(READS):
            try:
                seqs = [int(str(r["seq"])) for _, r in read_records(log_files(path))]
            except Exception as error:  # noqa: BLE001  # counted: a reader must never fail
                failures.append(f"{type(error).__name__}: {error}")
                continue
            if seqs and seqs != list(range(seqs[0], seqs[0] + len(seqs))):
                gaps = [(a, b) for a, b in itertools.pairwise(seqs) if b != a + 1]
                failures.append(f"lines missing or repeated: {gaps[:3]}")
    finally:
        stop.set()
        writer.join()
        log.close()
    assert not failures, f"{len(failures)} of {READS} reads failed: {failures[:3]}"


def _events(path: Path) -> list[dict[str, object]]:
    return [record for _, record in read_records(log_files(path))]


def interrupted_run(audit: str, ready: str) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    panel = _panel(2, 400, 3)

    def handle_data(context: TradingContext, data: BarData) -> None:
        context.order(panel.assets[0], 1)
        if data.bar == 5:
            Path(ready).touch()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # waits for the signal, bounded
                time.sleep(0.01)

    run_backtest(FunctionStrategy(handle_data=handle_data), panel, capital=1e6, audit_log=audit)


@pytest.mark.parametrize(
    ("signum", "exit_code", "error"),
    # Ctrl-C while the strategy's own code runs is a strategy failure (issue 16: a
    # KeyboardInterrupt in user code ends the run as failed, with run.failed).
    [(signal.SIGTERM, -signal.SIGTERM, "Terminated"), (signal.SIGINT, 1, "StrategyError")],
)
def test_a_signal_flushes_the_buffer_and_ends_the_run(
    tmp_path: Path, signum: int, exit_code: int, error: str
) -> None:
    audit, ready = tmp_path / "audit.jsonl", tmp_path / "ready"
    child = context().Process(target=interrupted_run, args=(str(audit), str(ready)))
    child.start()
    deadline = time.monotonic() + 60
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert child.pid is not None
    os.kill(child.pid, signum)
    child.join(60)
    assert child.exitcode == exit_code
    events = _events(audit)
    names = [str(e["event"]) for e in events]
    assert names[0] == "run.started"
    assert names.count("order.submitted") >= 5
    assert names[-1] == "run.failed"
    assert events[-1]["error"]["error"] == error  # type: ignore[index]


def test_a_strategys_keyboard_interrupt_leaves_run_failed(tmp_path: Path) -> None:
    def handle_data(context: TradingContext, data: BarData) -> None:
        if data.bar == 2:
            raise KeyboardInterrupt

    audit = tmp_path / "audit.jsonl"
    with pytest.raises(StrategyError, match=r"interrupted \(KeyboardInterrupt\)") as raised:
        run_backtest(
            FunctionStrategy(handle_data=handle_data), _panel(1, 5, 1), capital=1e4, audit_log=audit
        )
    assert raised.value.result is not None  # what ran up to the interrupt is kept
    last = _events(audit)[-1]
    assert last["event"] == "run.failed"
    assert last["error"]["error"] == "StrategyError"  # type: ignore[index]
    assert "interrupted (KeyboardInterrupt)" in str(last["error"]["message"])  # type: ignore[index]


def test_opening_finishes_a_killed_compression(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_text('{"seq": 2}\n')
    half = tmp_path / "audit.jsonl.20240101T000000000000Z"
    half.write_text('{"seq": 0}\n')
    (tmp_path / (half.name + ".gz.partial")).write_bytes(b"\x1f\x8b cut")
    done = tmp_path / "audit.jsonl.20240101T000001000000Z"
    done.write_text('{"seq": 1}\n')
    with gzip.open(tmp_path / (done.name + ".gz"), "wt") as packed:
        packed.write('{"seq": 1}\n')
    AuditLog.open(path).close()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "audit.jsonl",
        "audit.jsonl.20240101T000000000000Z.gz",
        "audit.jsonl.20240101T000001000000Z.gz",
        "audit.jsonl.lock",
    ]
    assert [r["seq"] for r in _events(path)] == [0, 1, 2]


def test_a_damaged_gz_is_named(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_text("")
    (tmp_path / "audit.jsonl.20240101T000000000000Z.gz").write_bytes(b"\x1f\x8bnot gzip")
    from rustybt.errors import DataError

    with pytest.raises(DataError, match=r"20240101T000000000000Z\.gz is damaged"):
        _events(path)
