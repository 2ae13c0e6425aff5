"""The soak with warm standbys: the leader and ``standbys`` more trader processes share
the state directory (``rustybt soak --standby``: one; ``--standbys N``: N).

The leader trades; the standby has imported the stack, built the engine and waits
for the leader lock (`rustybt.live.leader`). Faults hit the *leader* (its pid is in the
state directory's lock file): a SIGKILL, a SIGTERM, or a broker
restart; some starts carry ``RUSTYBT_CRASH_AT``. Whenever a trader exits, another is
started ``restart_delay`` later as the new standby (systemd: two units, each with
``Restart=always``). MTTR is still measured from the kill to the first decision by
ANY process, and never-decided bars are still misses (`checker`).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rustybt.live.leader import LeaderLock

if TYPE_CHECKING:
    from rustybt.soak.supervisor import Supervisor

__all__ = ["run_with_standby"]


@dataclass
class _Trader:
    process: subprocess.Popen[bytes]
    crash_at: str | None
    cause: str | None = None  # why the supervisor signalled it (None: it exited itself)
    started: float = field(default_factory=time.monotonic)

    @property
    def settled(self) -> bool:
        """Running and started long enough ago to be warm (or leading)."""
        return (
            self.process.poll() is None
            and self.cause is None
            and time.monotonic() - self.started >= _WARM_AFTER
        )


_WARM_AFTER = 3.0  # seconds a trader needs to import, build and restore (loaded machine)


def _leader_pid(supervisor: Supervisor) -> int | None:
    return LeaderLock.leader_pid(supervisor.dir / "state")


def _reap(supervisor: Supervisor, traders: dict[int, _Trader]) -> int:
    """Record the exits of finished traders; how many exited."""
    exited = 0
    for pid, trader in list(traders.items()):
        rc = trader.process.poll()
        if rc is None:
            continue
        cause = trader.cause or ("crash_point" if trader.crash_at else "exit")
        supervisor._event("exit", pid=pid, rc=rc, cause=cause)
        del traders[pid]
        exited += 1
    return exited


def _start(supervisor: Supervisor, traders: dict[int, _Trader]) -> None:
    crash_at = supervisor.crash_point_for_start()
    settled = sum(1 for t in traders.values() if t.settled)  # a leader and a warm standby
    process = supervisor._start_trader(crash_at, spare=settled >= 2)
    traders[process.pid] = _Trader(process, crash_at)


def _unspare(traders: dict[int, _Trader]) -> None:
    """Fewer than two settled traders left (a cascade of faults): the ones still starting
    may have to lead next, so they get the supervisor's priority back now."""
    alive = [pid for pid, t in traders.items() if t.process.poll() is None and t.cause is None]
    if sum(1 for t in traders.values() if t.settled) < 2:
        mine = os.getpriority(os.PRIO_PROCESS, 0)
        for pid in alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                if os.getpriority(os.PRIO_PROCESS, pid) > mine:
                    os.setpriority(os.PRIO_PROCESS, pid, mine)


def _fault(supervisor: Supervisor, traders: dict[int, _Trader], rng: random.Random) -> bool:
    """Inject one fault; False when there is no leader to hit yet (try again soon)."""
    kind = rng.choices(("kill", "term", "venue"), weights=(6, 2, 2))[0]
    if not supervisor._killed:
        kind = "kill"  # the first fault is always a SIGKILL (see Supervisor._watch)
    if kind == "venue":
        supervisor.restart_venue()
        return True
    leader = traders.get(_leader_pid(supervisor) or -1)
    if leader is None or leader.process.poll() is not None or leader.cause is not None:
        return False
    leader.process.send_signal(signal.SIGKILL if kind == "kill" else signal.SIGTERM)
    supervisor._event("fault", kind=kind, pid=leader.process.pid)  # when it was sent
    leader.cause = kind
    supervisor._killed = supervisor._killed or kind == "kill"
    return True


def run_with_standby(supervisor: Supervisor, bound: float) -> None:
    """Keep a leader and a standby running until ``done`` (or the time bound)."""
    plan, rng = supervisor.plan, supervisor.rng
    traders: dict[int, _Trader] = {}
    restart_at: list[float] = []  # when each replacement is due (RestartSec)
    try:
        _start(supervisor, traders)
        # The standby starts once the first leader leads: two processes importing at
        # once on a small machine would only delay the session's first bars.
        first = time.time() + 30
        while (
            _leader_pid(supervisor) is None
            and time.time() < first
            and _reap(supervisor, traders) == 0
        ):
            time.sleep(0.01)
        while len(traders) < 1 + plan.standbys:
            _start(supervisor, traders)
        next_fault = time.time() + rng.uniform(*plan.kill_every)
        done = supervisor.dir / "done"
        while not done.exists():
            now = time.time()
            if now > bound:
                for trader in traders.values():
                    trader.process.kill()
                    trader.cause = "time_bound"
                break
            exited = _reap(supervisor, traders)
            if exited:
                restart_at += [now + plan.restart_delay] * exited
                _unspare(traders)
            while restart_at and restart_at[0] <= now:
                restart_at.pop(0)
                _start(supervisor, traders)
            if now >= next_fault and _fault(supervisor, traders, rng):
                next_fault = time.time() + rng.uniform(*plan.kill_every)
            time.sleep(0.005)
        for trader in traders.values():  # the session is done: retire the standby
            if trader.process.poll() is None and trader.cause is None:
                trader.cause = "retire"
                trader.process.send_signal(signal.SIGTERM)
        deadline = time.time() + 30
        while traders and time.time() < deadline:
            _reap(supervisor, traders)
            time.sleep(0.01)
    finally:  # interrupted (Ctrl-C, SIGTERM): leave no trader running
        for trader in traders.values():
            if trader.process.poll() is None:
                trader.process.kill()
                trader.process.wait(timeout=30)
                supervisor._event("exit", pid=trader.process.pid, rc=-9, cause="interrupted")
