"""Audit-log overhead: the same backtest with full audit logging off and on.

The strategy is `crossover.PortfolioCrossover` on ``benchmark_panel(100, 2520)``
(about 5,500 orders and 5,500 fills: 11,000 audit events in half a second, so
logging cost shows). Runs are interleaved (off, on, generic path, off, ...) and
the slowdown is the median of each run's time over its neighbouring "off" run's,
since a shared machine's load drifts and neighbours share it. The requirement:
at most 25% slower with audit logging on.

Usage: ``python benchmarks/audit_overhead.py [--assets 100] [--bars 2520] [--repeat 7]``
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from unittest.mock import patch

HERE = Path(__file__).resolve().parent
TARGET = 1.25


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assets", type=int, default=100)
    parser.add_argument("--bars", type=int, default=2_520)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    sys.path.insert(0, str(HERE))
    from crossover import PortfolioCrossover

    from rustybt import run_backtest
    from rustybt.data.synthetic import benchmark_panel
    from rustybt.log import AuditLog, AuditTrail

    panel = benchmark_panel(args.assets, args.bars)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)

        def off() -> None:
            run_backtest(PortfolioCrossover(), panel)

        def on() -> None:
            # What a user gets from run_backtest(..., audit_log=path): the log is
            # opened, written, flushed and closed inside the timing.
            run_backtest(PortfolioCrossover(), panel, audit_log=root / "audit.jsonl")

        def generic() -> None:
            # Every event through the generic structlog chain (no order fast path):
            # shows what the fast path saves.
            log = AuditLog.open(root / "generic.jsonl")
            with patch.object(AuditTrail, "FAST_PATH", False):
                run_backtest(PortfolioCrossover(), panel, audit_log=log)
            log.close()

        modes: dict[str, Callable[[], None]] = {
            "off": off,
            "on": on,
            "on, generic path": generic,
        }
        times: dict[str, list[float]] = {name: [] for name in modes}
        # Warm-up (imports, caches) that also counts one run's lines.
        run_backtest(PortfolioCrossover(), panel, audit_log=root / "count.jsonl")
        with open(root / "count.jsonl") as written:
            lines = sum(1 for _ in written)
        for _ in range(args.repeat):
            for name, run in modes.items():
                gc.collect()  # each run starts with the same garbage to collect: none
                started = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - started)

    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"backtest: PortfolioCrossover, {args.assets} assets x {args.bars} daily bars")
    print(f"audit lines per run: {lines:,}; {args.repeat} interleaved runs per mode")
    print(f"{'mode':<18} {'median s':>9} {'best s':>7} {'slowdown':>9}")
    for name, values in times.items():
        # Each run is compared with the "off" run next to it, then the median taken:
        # load from other processes drifts, and neighbours share it.
        ratios = [on / off for on, off in zip(values, times["off"], strict=True)]
        print(
            f"{name:<18} {statistics.median(values):9.3f} {min(values):7.3f} "
            f"{statistics.median(ratios) - 1:9.1%}"
        )
    pairs = [on / off for on, off in zip(times["on"], times["off"], strict=True)]
    slowdown = statistics.median(pairs)
    verdict = "meets" if slowdown <= TARGET else "misses"
    print(f"audit logging on {verdict} the target: at most {TARGET - 1:.0%} slower")


if __name__ == "__main__":
    main()
