"""Run the kill harness: ``python -m tests.crash.soak --kills 200 [--scenario result]``.

Each scenario is killed once at every named crash point, then ``--kills`` times at
random offsets over the operation's measured duration; prints the counts and
exits 1 when any run left a bad state. ``make crash-soak KILLS=...`` calls it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from tests.crash.harness import Tally, random_delays, run_child
from tests.crash.scenarios import SCENARIOS

__all__ = ["main", "soak"]


def soak(name: str, kills: int, work: Path, *, seed: int = 16, points: bool = True) -> Tally:
    """Named-point kills (when ``points``), then ``kills`` random-offset kills."""
    scenario = SCENARIOS[name]
    folder = work / name
    tally = Tally(name)
    if points:
        for point in scenario.points:
            target, args = scenario.prepare(folder)
            outcome = run_child(target, args, crash_at=point)
            tally.add(outcome, scenario.check(folder, outcome.completed, args), point)
    target, args = scenario.prepare(folder)
    duration = run_child(target, args).seconds  # the operation's length, uninterrupted
    for number, delay in enumerate(random_delays(kills, duration, seed)):
        target, args = scenario.prepare(folder)
        outcome = run_child(target, args, kill_after=delay)
        label = f"random kill {number} at {delay * 1000:.0f} ms"
        tally.add(outcome, scenario.check(folder, outcome.completed, args), label)
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kills", type=int, default=100, help="random kills per scenario")
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS))
    parser.add_argument("--seed", type=int, default=16)
    options = parser.parse_args(argv)
    bad = 0
    with tempfile.TemporaryDirectory(prefix="rustybt-crash-") as work:
        for name in options.scenario or sorted(SCENARIOS):
            tally = soak(name, options.kills, Path(work), seed=options.seed)
            print(tally.line(), flush=True)
            for problem in tally.problems:
                print(f"    {problem}", flush=True)
            bad += tally.bad
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
