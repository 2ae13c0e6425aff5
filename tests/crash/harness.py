"""The kill harness: run one operation in a child process and SIGKILL it.

Children are forked from a `multiprocessing` fork server that has rustybt,
pandas and pyarrow imported already, so a kill costs the operation's own time,
not an interpreter start. A child is killed either by a named crash point
(``RUSTYBT_CRASH_AT``, see `rustybt.crashpoint`) or by the parent after a random
delay drawn over the operation's measured duration.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import random
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.context import ForkServerContext

from rustybt.crashpoint import CRASH_ENV

__all__ = ["Outcome", "Tally", "context", "run_child"]

_PRELOAD = [
    "rustybt",
    "rustybt.engine.result",
    "rustybt.data.catalog",
    "rustybt.audit",
    "tests.crash.scenarios",
    "tests.crash.warm",
]
_context: ForkServerContext | None = None


def context() -> ForkServerContext:
    """The shared fork-server context (started on first use)."""
    global _context
    if _context is None:
        _context = mp.get_context("forkserver")
        _context.set_forkserver_preload(_PRELOAD)
    return _context


def _child(crash_at: str | None, target: Callable[..., None], args: tuple[object, ...]) -> None:
    if crash_at is not None:
        os.environ[CRASH_ENV] = crash_at
    else:
        os.environ.pop(CRASH_ENV, None)
    target(*args)


@dataclass(frozen=True)
class Outcome:
    """How a child ended: ``completed`` (the operation returned) or was killed."""

    completed: bool
    killed: bool
    seconds: float


def run_child(
    target: Callable[..., None],
    args: tuple[object, ...],
    *,
    crash_at: str | None = None,
    kill_after: float | None = None,
    timeout: float = 60.0,
) -> Outcome:
    """Run ``target(*args)`` in a child; kill it at ``crash_at`` or after ``kill_after`` s."""
    process = context().Process(target=_child, args=(crash_at, target, args), daemon=True)
    began = time.perf_counter()
    process.start()
    if kill_after is not None:
        process.join(kill_after)
        if process.exitcode is None:
            assert process.pid is not None
            with contextlib.suppress(ProcessLookupError):  # it ended just now by itself
                os.kill(process.pid, signal.SIGKILL)
    process.join(timeout)
    if process.exitcode is None:  # a hung child is a failure, but never left behind
        process.kill()
        process.join()
        raise AssertionError(f"child {target.__name__} did not finish in {timeout} s")
    seconds = time.perf_counter() - began
    if process.exitcode not in (0, -signal.SIGKILL):
        raise AssertionError(f"child {target.__name__} failed with exit code {process.exitcode}")
    return Outcome(
        completed=process.exitcode == 0,
        killed=process.exitcode == -signal.SIGKILL,
        seconds=seconds,
    )


@dataclass
class Tally:
    """Counts over many kills of one scenario, with the first few problems found."""

    scenario: str
    runs: int = 0
    killed: int = 0
    completed: int = 0
    bad: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, outcome: Outcome, problem: str | None, label: str) -> None:
        self.runs += 1
        self.killed += outcome.killed
        self.completed += outcome.completed
        if problem is not None:
            self.bad += 1
            if len(self.problems) < 8:
                self.problems.append(f"{label}: {problem}")

    def line(self) -> str:
        return (
            f"{self.scenario:<16} runs={self.runs:<4} killed={self.killed:<4} "
            f"completed={self.completed:<4} bad={self.bad}"
        )


def random_delays(count: int, seconds: float, seed: int) -> list[float]:
    """``count`` kill delays: half spread over the whole operation ([0, 1.1 x seconds]),
    half over its last fifth, where the commit steps are (the work before them,
    validating and writing, takes most of the time)."""
    rng = random.Random(seed)
    return [
        rng.uniform(0.0, seconds * 1.1)
        if i % 2 == 0
        else rng.uniform(seconds * 0.8, seconds * 1.05)
        for i in range(count)
    ]
