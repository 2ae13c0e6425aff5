"""How fast the synthetic generator builds the benchmark panels, in fresh processes.

Run: ``.venv/bin/python benchmarks/synthetic_speed.py [--repeat N] [--case NAME ...]``

Every speed case of ``engine_speed.py`` generates its bars in a fresh interpreter,
where new memory is dear (the first touch of each page, and on this VM the
kernel's compaction for huge pages) and nothing is cached, so that is what this
script measures: per case, ``--repeat`` fresh processes (default 5) each import
numpy, pandas and the generator, then time one call (wall and CPU, all threads)
and read the peak resident memory before and after it; then the same call twice
more in that process ("warm", fresh memory no longer the bottleneck). It prints
medians, the load average before and after, and the Student-t / normal /
exponential / uniform draws alone (the floor any bit-identical generator pays:
the same streams must be drawn). Targets (issue 15, CPU in a fresh process):
500 x 2,520 daily <= 0.06 s, 2,000 x 2,520 daily <= 0.3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

# name: (benchmark_panel call, fresh-process CPU target in seconds or None)
CASES: dict[str, tuple[str, float | None]] = {
    "500x2520d": ("benchmark_panel(500, 2520)", 0.06),
    "2000x2520d": ("benchmark_panel(2000, 2520)", 0.3),
    "1x250000m": ("benchmark_panel(1, 250_000, 'minute')", None),
    "1x250000m-crypto": ("benchmark_panel(1, 250_000, 'minute', asset_class='crypto')", None),
    "100x98280m": ("benchmark_panel(100, 98_280, 'minute')", None),
    "demo": ("demo_panel()", None),
}
DEFAULT = ("500x2520d", "2000x2520d", "1x250000m", "demo")

CHILD = """
import json, resource, time
import numpy, pandas
from rustybt.data.synthetic import benchmark_panel, demo_panel
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
before = peak()
wall, cpu = time.perf_counter(), time.process_time()
{call}
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
after = peak()
warm = []
for _ in range(2):
    started = time.process_time()
    {call}
    warm.append(time.process_time() - started)
print(json.dumps(dict(wall=wall, cpu=cpu, before=before, after=after, warm=min(warm))))
"""

# The draws alone, as the generator makes them (blocks of about 16,384 elements).
FLOOR = """
import json, time
import numpy as np
n, bars = {n}, {bars}
rngs = [np.random.default_rng(i) for i in range(6)]
step = max(1, 16_384 // n)
block = np.empty((step, n))
started = time.process_time()
for start in range(0, bars, step):
    out = block[: min(step, bars - start)]
    rngs[0].standard_t(5.0, out.shape)
    rngs[1].random(out=out)
    rngs[2].standard_normal(out=out)
    rngs[3].standard_exponential(out=out)
    rngs[4].standard_exponential(out=out)
    rngs[5].standard_normal(out=out)
print(json.dumps(dict(cpu=time.process_time() - started)))
"""
FLOOR_SIZES = {"500x2520d": (500, 2520), "2000x2520d": (2000, 2520)}


def _child(code: str) -> dict[str, float]:
    # Children run with compiled bytecode, as an installed package does.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes per case")
    parser.add_argument("--case", action="append", choices=sorted(CASES), help="repeatable")
    args = parser.parse_args()
    print(f"cores {os.cpu_count()}, load average before {os.getloadavg()}")
    print(
        f"{'case':<18} {'wall':>7} {'cpu':>7} {'warm':>7} {'floor':>7}"
        f" {'peak MB':>8} {'+MB':>6} {'target':>7}"
    )
    for name in args.case or DEFAULT:
        call, target = CASES[name]
        runs = [_child(CHILD.format(call=call)) for _ in range(args.repeat)]
        floor = "-"
        if name in FLOOR_SIZES:
            n, bars = FLOOR_SIZES[name]
            floors = [_child(FLOOR.format(n=n, bars=bars))["cpu"] for _ in range(args.repeat)]
            floor = f"{statistics.median(floors):.3f}"

        def median(key: str, rows: list[dict[str, float]] = runs) -> float:
            return statistics.median(row[key] for row in rows)

        cpu = median("cpu")
        verdict = "-" if target is None else f"{target:.2f} {'ok' if cpu <= target else 'over'}"
        print(
            f"{name:<18} {median('wall'):>7.3f} {cpu:>7.3f} {median('warm'):>7.3f} {floor:>7}"
            f" {median('after'):>8.0f} {median('after') - median('before'):>6.0f} {verdict:>7}"
        )
    print(f"load average after {os.getloadavg()}")


if __name__ == "__main__":
    main()
