"""How fast the synthetic generator builds the benchmark panels.

Run: ``.venv/bin/python benchmarks/synthetic_speed.py [--repeat N]``

Targets: 500 assets x 2,520 daily bars well under 0.3 s; 1 asset x 250,000
minute bars under 0.2 s. Prints best and median wall time of N runs after one
warm-up run (the warm-up pays for imports and the holiday table cache).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from rustybt.data.bars import BarPanel
from rustybt.data.synthetic import benchmark_panel, demo_panel

CASES: tuple[tuple[str, Callable[[], BarPanel], float], ...] = (
    ("500 assets x 2,520 daily (equity)", lambda: benchmark_panel(500, 2520, "daily"), 0.3),
    (
        "1 asset x 250,000 minute (crypto 24/7)",
        lambda: benchmark_panel(1, 250_000, "minute", asset_class="crypto"),
        0.2,
    ),
    (
        "1 asset x 250,000 minute (equity sessions)",
        lambda: benchmark_panel(1, 250_000, "minute"),
        0.2,
    ),
    ("demo: 20 assets x 1,007 daily", demo_panel, 0.05),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per case")
    args = parser.parse_args()
    print(f"{'case':<44} {'best':>9} {'median':>9} {'target':>8}")
    for name, build, target in CASES:
        build()
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            build()
            timings.append(time.perf_counter() - started)
        best, median = min(timings), statistics.median(timings)
        verdict = "ok" if median < target else "SLOW"
        print(f"{name:<44} {best:>8.3f}s {median:>8.3f}s {target:>7.2f}s {verdict}")


if __name__ == "__main__":
    main()
