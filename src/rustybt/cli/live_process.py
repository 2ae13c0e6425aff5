"""One trading process of `rustybt paper` / `rustybt live`: the state directory's leader
lock, the pid file (for `rustybt stop`), SIGTERM/SIGINT as graceful stops, and the
status line."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from rustybt.engine.result import BacktestResult
from rustybt.errors import ConfigError
from rustybt.live.leader import LeaderLock, StoodBy
from rustybt.live.runner import LiveRunner, LiveStatus

__all__ = ["PID_FILE", "StatusLine", "claim_leadership", "drive"]

PID_FILE = "runner.pid"


class StatusLine:
    """The one-line live status on stderr, redrawn at most every 0.2 s."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self._last = 0.0

    def __call__(self, status: LiveStatus) -> None:
        now = time.monotonic()
        if self.quiet or now - self._last < 0.2:
            return
        self._last = now
        halted = f"  HALTED: {status.halted}" if status.halted else ""
        line = (
            f"\r{status.bar_time:%Y-%m-%d %H:%M}  equity {status.equity:,.2f}  "
            f"open orders {status.open_orders}  latency {status.latency_s * 1000:.1f} ms{halted}"
        )
        print(line[:160], end="", file=sys.stderr, flush=True)


def _install_stop_handlers(runner: LiveRunner) -> None:
    def handler(signum: int, frame: object) -> None:
        runner.stop(f"signal {signal.Signals(signum).name}")

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def claim_leadership(state: Path, standby: bool) -> LeaderLock:
    """The state directory's leader lock. A plain start takes it now or refuses: two
    leaders on one state directory would trade the same account twice. ``--standby``
    takes it if it is free (nobody leads: this process does) and otherwise leaves it to
    the runner, which waits for it as a warm standby."""
    lock = LeaderLock(state)
    if lock.try_acquire() or standby:
        return lock
    pid = LeaderLock.leader_pid(state)
    raise ConfigError(
        f"the session in {state} is already led by pid {pid}; a second leader is refused",
        hint=f"add --standby to wait as its warm standby, or stop it first: "
        f"rustybt stop --state {state}",
        context={"state": str(state), "leader_pid": pid},
    )


def _holds(pid_file: Path) -> bool:
    """Whether the pid file still names this process (a stopping leader drops the lock
    before it exits, so its standby may have written the file already)."""
    try:
        return pid_file.read_text().strip() == str(os.getpid())
    except OSError:
        return False


def drive(runner: LiveRunner, state: Path, quiet: bool) -> BacktestResult | None:
    """Run with a pid file (for `rustybt stop`) and SIGTERM/SIGINT as graceful stops.

    Only the leader writes the pid file (a standby writes it when it takes over). A
    standby stopped before it led returns None: it traded nothing."""
    pid_file = state / PID_FILE
    wrote = False

    def lead() -> None:
        nonlocal wrote
        pid_file.write_text(str(os.getpid()))
        if wrote:
            return
        wrote = True
        if runner.leader is not None and runner.leader.epoch is not None:
            print(f"leading         epoch {runner.leader.epoch}, pid {os.getpid()}", flush=True)

    runner.on_lead = lead
    standby = runner.leader is not None and not runner.leader.held
    if standby:
        leader = LeaderLock.leader_pid(state)
        print(f"warm standby    waiting for the leader (pid {leader}) of {state}", flush=True)
    _install_stop_handlers(runner)
    try:
        result = runner.run()
    except StoodBy:
        print("standby stopped before it led; it traded nothing")
        return None
    finally:
        if wrote and _holds(pid_file):  # a standby that took over wrote its own pid
            pid_file.unlink(missing_ok=True)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        if not quiet:
            print(file=sys.stderr)
    if runner.health is not None:
        print(f"health server   http://127.0.0.1:{runner.health.port}/health")
    return result
