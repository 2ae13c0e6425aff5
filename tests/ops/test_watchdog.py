"""The systemd unit's watchdog is fed: a real `LiveRunner` under a NOTIFY_SOCKET sends
READY=1 once reconciled, then WATCHDOG=1 often enough for the unit's WatchdogSec,
both while bars arrive and while it waits for one."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from rustybt.data.bars import BarPanel
from tests.ops.sessions import DAY, paper_runner, run_session
from tests.ops.test_deploy_files import unit_settings

UNIT = Path(__file__).resolve().parents[2] / "deploy" / "systemd" / "rustybt-live.service"


def test_runner_feeds_the_watchdog_well_within_watchdog_sec(
    demo_window: BarPanel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = str(tmp_path / "notify.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(address)
    listener.settimeout(0.2)
    monkeypatch.setenv("NOTIFY_SOCKET", address)
    received: list[tuple[float, str]] = []
    done = threading.Event()

    def listen() -> None:
        while not done.is_set():
            try:
                received.append((time.monotonic(), listener.recv(256).decode()))
            except TimeoutError:
                continue

    thread = threading.Thread(target=listen)
    thread.start()
    # Six daily bars, one every 0.7 s of wall time: both the bar path and the idle
    # path (waiting up to 0.5 s for a bar) must ping.
    panel = demo_window.select(start="2016-01-04", end="2016-01-11")
    runner, broker = paper_runner(panel, tmp_path / "state", f"{DAY / 0.7}x")
    started = time.monotonic()
    try:
        run_session(runner, broker)
    finally:
        done.set()
        thread.join()
        listener.close()
    ended = time.monotonic()
    messages = [m for _, m in received]
    assert messages[0] == "READY=1"
    pings = [at for at, m in received if m == "WATCHDOG=1"]
    assert len(pings) >= 3, messages
    watchdog_sec = float(unit_settings(UNIT)["Service"]["WatchdogSec"][0])
    gaps = [b - a for a, b in zip([received[0][0], *pings], [*pings, ended], strict=True)]
    assert ended - started > 3.0  # the session really spent seconds waiting for bars
    # The runner pings at least every second; scheduling noise on a loaded machine is
    # allowed for, and the unit's WatchdogSec must leave a wide margin over it.
    assert max(gaps) < 2.5, gaps
    assert watchdog_sec >= 10 * 2.5
