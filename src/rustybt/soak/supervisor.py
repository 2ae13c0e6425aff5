"""The soak supervisor: runs the broker and trader processes, kills and restarts them.

It behaves as systemd's ``Restart=always`` (with ``RestartSec`` = ``restart_delay``):
whatever ended the trader (SIGKILL, a crash point, SIGTERM, a clean exit before
the last bar), it is started again until it writes ``done``. Faults, on a seeded
schedule every ``kill_every`` seconds (5 to 15 by default): SIGKILL at a random moment, SIGTERM (a
graceful stop), a broker restart (SIGKILL; connection refused until it is back);
and some trader starts carry ``RUSTYBT_CRASH_AT`` (an exact crash point). After the
last bar, faults stop and the trader is started once more to settle the orders
still filling (reconciliation books their fills). Everything is bounded in time.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from rustybt.errors import RustyBTError
from rustybt.live.crashpoints import CRASH_POINTS
from rustybt.soak.faults import FaultRates
from rustybt.soak.venue_server import rates_dict

__all__ = ["SoakPlan", "Supervisor"]

_EXACT_POINTS = tuple(p for p in CRASH_POINTS if p != "after_bar")


class SoakError(RustyBTError):
    """The soak harness itself could not run (a process did not start)."""

    exit_code = 1


@dataclass(frozen=True)
class SoakPlan:
    seconds: float
    seed: int
    naive: bool = False
    interval: float = 0.02  # seconds per bar (compressed clock)
    deadline: float = 0.25  # a bar decided later than this after it was due is a miss
    kill_every: tuple[float, float] = (5.0, 15.0)  # seconds between faults
    restart_delay: float = 0.1  # systemd RestartSec
    # A spare trader (started while a leader and another standby run) starts this much
    # nicer than the supervisor and takes the supervisor's priority back when it leads
    # (`trader`): importing and catching up right after a fault, it must not take the
    # CPU from the new leader. A trader that may have to lead soon starts at full speed.
    standby_nice: int = 10
    crash_point_share: float = 0.25  # trader starts that carry an exact crash point
    every: int = 5  # the strategy rebalances every n bars
    capital: str = "100000"
    rates: FaultRates = field(default_factory=FaultRates)
    standbys: int = 0  # warm standbys beside the leader (`soak.standby`; 0: single process)
    inline_broker: bool = False  # broker calls in the bar loop (the old design, to compare)
    # A takeover decides at once; its reconciliation lands a few bars later on the
    # broker worker, new orders refused meanwhile (`LiveRunner.reconcile_wait`).
    reconcile_wait: float = 0.0

    @property
    def bars(self) -> int:
        return max(int(self.seconds / self.interval), 50)


def _interrupted(_signum: int, _frame: object) -> None:
    raise SoakError("the soak was stopped (SIGTERM); its processes were stopped too")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Supervisor:
    """Run one soak into ``directory`` (see the module docstring)."""

    def __init__(self, plan: SoakPlan, directory: Path) -> None:
        self.plan, self.dir = plan, directory
        self.rng = random.Random(plan.seed)
        self.port = _free_port()
        self.epoch = time.time() + 2.0  # the first start's imports before bar 0 is due
        self.venue: subprocess.Popen[bytes] | None = None
        self.venue_starts = 0
        self._killed = False  # whether a random SIGKILL has been sent yet
        self.events = (directory / "events.jsonl").open("a", buffering=1)

    def _event(self, event: str, **fields: object) -> None:
        self.events.write(json.dumps({"t": time.time(), "event": event, **fields}) + "\n")

    # -- processes --------------------------------------------------------------------------
    def _start_venue(self, *, faults: bool = True) -> None:
        self.venue_starts += 1
        config = self.dir / f"venue-{self.venue_starts}.json"
        rates = rates_dict(self.plan.rates if faults else FaultRates(*(0.0,) * 8, reply_delay=0))
        config.write_text(
            json.dumps(
                {
                    "db": str(self.dir / "venue.db"),
                    "port": self.port,
                    "seed": self.plan.seed,
                    "epoch": self.epoch,
                    "interval": self.plan.interval,
                    "bars": self.plan.bars,
                    "capital": self.plan.capital,
                    "counts_file": str(self.dir / f"counts-{self.venue_starts}.json"),
                    "rates": rates,
                }
            )
        )
        self.venue = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rustybt.soak.venue_server",
                str(config),
                str(self.venue_starts),
            ],
            stderr=(self.dir / "venue.err").open("ab"),
        )
        limit = time.monotonic() + 10
        while time.monotonic() < limit:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        raise SoakError("the soak broker did not start listening within 10 s")

    def _stop_venue(self, sig: int = signal.SIGTERM) -> None:
        if self.venue is not None and self.venue.poll() is None:
            self.venue.send_signal(sig)
            self.venue.wait(timeout=10)

    def _start_trader(
        self, crash_at: str | None, *, spare: bool = False
    ) -> subprocess.Popen[bytes]:
        config = self.dir / "trader.json"
        config.write_text(
            json.dumps(
                {
                    "dir": str(self.dir),
                    "port": self.port,
                    "seed": self.plan.seed,
                    "epoch": self.epoch,
                    "interval": self.plan.interval,
                    "bars": self.plan.bars,
                    "capital": self.plan.capital,
                    "naive": self.plan.naive,
                    "every": self.plan.every,
                    "stale_after": self.plan.deadline,
                    "inline_broker": self.plan.inline_broker,
                    "reconcile_wait": self.plan.reconcile_wait,
                    "leader_nice": os.getpriority(os.PRIO_PROCESS, 0),
                }
            )
        )
        env = {k: v for k, v in os.environ.items() if k != "RUSTYBT_CRASH_AT"}
        if crash_at is not None:
            env["RUSTYBT_CRASH_AT"] = crash_at
        nicer = self.plan.standby_nice if spare else 0
        process = subprocess.Popen(
            [sys.executable, "-m", "rustybt.soak.trader", str(config)],
            env=env,
            stderr=(self.dir / "trader.err").open("ab"),
        )
        if nicer:  # at once: the child is still importing
            mine = os.getpriority(os.PRIO_PROCESS, 0)
            with contextlib.suppress(ProcessLookupError):  # it died already (a crash point)
                os.setpriority(os.PRIO_PROCESS, process.pid, min(mine + nicer, 19))
        self._event("start", pid=process.pid, crash_at=crash_at)
        return process

    # -- the run ---------------------------------------------------------------------------
    def run(self) -> float:
        """Run until the trader decides its last bar (or the time bound); the wall seconds."""
        plan, started = self.plan, time.time()
        bound = self.epoch + plan.seconds * 3 + 60  # catch-up after kills, then give up
        previous = signal.getsignal(signal.SIGTERM)
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _interrupted)
        self._start_venue()
        try:
            if plan.standbys:
                from rustybt.soak.standby import run_with_standby

                run_with_standby(self, bound)
            while not (self.dir / "done").exists() and time.time() < bound:
                self._one_life(bound)
                if not (self.dir / "done").exists():
                    time.sleep(plan.restart_delay)
            self._settle()
        finally:
            self._stop_venue()
            self.events.close()
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGTERM, previous)
        return time.time() - started

    def _one_life(self, bound: float) -> None:
        """One trader process from start to exit, with the faults scheduled meanwhile."""
        crash_at = self.crash_point_for_start()
        trader = self._start_trader(crash_at)
        try:
            self._watch(trader, crash_at, bound)
        finally:  # interrupted (Ctrl-C, SIGTERM): leave no trader running
            if trader.poll() is None:
                trader.kill()
                trader.wait(timeout=30)

    def crash_point_for_start(self) -> str | None:
        """The ``RUSTYBT_CRASH_AT`` a new trader carries (a share of starts), or None."""
        rng = self.rng
        if rng.random() < self.plan.crash_point_share:
            return f"{rng.choice(_EXACT_POINTS)}:{rng.randint(1, 4)}"
        return None

    def restart_venue(self) -> None:
        """Kill the broker (SIGKILL), leave it down a moment, start it again."""
        self._stop_venue(signal.SIGKILL)
        self._event("venue_restart")
        time.sleep(self.rng.uniform(0.1, 0.5))  # connection refused meanwhile
        self._start_venue()

    def _watch(self, trader: subprocess.Popen[bytes], crash_at: str | None, bound: float) -> None:
        plan, rng = self.plan, self.rng
        cause = "crash_point" if crash_at else "exit"
        next_fault = time.time() + rng.uniform(*plan.kill_every)
        while trader.poll() is None:
            now = time.time()
            if now > bound:
                trader.kill()
                cause = "time_bound"
                break
            if now >= next_fault:
                kind = rng.choices(("kill", "term", "venue"), weights=(6, 2, 2))[0]
                if not self._killed:
                    # The first fault is always a SIGKILL: a run without one would prove
                    # nothing about recovery, however short or slow the run is.
                    kind = "kill"
                if kind == "venue":
                    self.restart_venue()
                    next_fault = time.time() + rng.uniform(*plan.kill_every)
                    continue
                trader.send_signal(signal.SIGKILL if kind == "kill" else signal.SIGTERM)
                self._event("fault", kind=kind, pid=trader.pid)  # when it was sent
                self._killed = self._killed or kind == "kill"
                cause = kind
                break
            time.sleep(0.01)
        rc = trader.wait(timeout=30)
        self._event("exit", pid=trader.pid, rc=rc, cause=cause)

    def _settle(self) -> None:
        """After the last bar: faults off, let open orders fill, reconcile once more."""
        self._stop_venue()
        self._start_venue(faults=False)
        for _ in range(3):
            time.sleep(0.3)
            trader = self._start_trader(None)
            rc = trader.wait(timeout=60)
            self._event("exit", pid=trader.pid, rc=rc, cause="settle")
            if self._settled():
                return

    def _settled(self) -> bool:
        import sqlite3

        venue = sqlite3.connect(str(self.dir / "venue.db"))
        try:
            open_orders = venue.execute("SELECT COUNT(*) FROM orders WHERE status = 'open'")
            return int(open_orders.fetchone()[0]) == 0
        finally:
            venue.close()
