"""Engine speed and memory: whole-process wall time per size, as a user runs it.

Each case runs in a fresh interpreter (start-up, imports, data generation, the
backtest, building the result), so the numbers include everything a user waits
for. Usage: ``python benchmarks/engine_speed.py [--case NAME] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

CASES = {
    "1x2520d": (1, 2_520, "daily"),
    "100x2520d": (100, 2_520, "daily"),
    "500x2520d": (500, 2_520, "daily"),
    "1x250000m": (1, 250_000, "minute"),
    # The same single-asset strategy written as zipline code (pandas history).
    "zipline-1x2520d": (1, 2_520, "daily"),
    "zipline-1x250000m": (1, 250_000, "minute"),
}
TARGETS = {"500x2520d": 2.5, "1x250000m": 4.0}
# The zipline-style path may take at most this multiple of the array path's run time.
ZIPLINE_RATIO_TARGET = 1.5


def child(name: str) -> None:
    """Runs inside the measured process; prints one JSON line."""
    import resource

    started = time.perf_counter()
    sys.path.insert(0, str(HERE))
    from crossover import PortfolioCrossover, SingleAssetCrossover, zipline_crossover

    from rustybt import run_backtest
    from rustybt.data.synthetic import benchmark_panel

    imported = time.perf_counter()
    n_assets, n_bars, frequency = CASES[name]
    asset_class = "crypto" if frequency == "minute" else "equity"
    panel = benchmark_panel(n_assets, n_bars, frequency, asset_class=asset_class)
    loaded = time.perf_counter()
    if name.startswith("zipline-"):
        strategy = zipline_crossover()
    else:
        strategy = SingleAssetCrossover() if n_assets == 1 else PortfolioCrossover()
    result = run_backtest(strategy, panel, capital=1_000_000, volume_limit=None)
    finished = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "imports_s": imported - started,
                "data_s": loaded - imported,
                "run_s": finished - loaded,
                "bars": n_assets * n_bars,
                "fills": len(result.transactions),
                "final_equity": str(result.final_equity),
                "peak_mb": peak_mb,
            }
        )
    )


def measure(name: str) -> dict[str, float | str]:
    started = time.perf_counter()
    output = subprocess.run(
        [sys.executable, __file__, "--child", name], capture_output=True, text=True, check=True
    ).stdout
    wall = time.perf_counter() - started
    report = json.loads(output.strip().splitlines()[-1])
    report["wall_s"] = wall
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", choices=sorted(CASES), action="append")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; best is reported")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    header = f"{'case':<11} {'wall s':>7} {'target':>7} {'run s':>6} {'bars/s':>11} "
    print(header + f"{'peak MB':>8} {'fills':>7}  final equity")
    run_s: dict[str, float] = {}
    for name in args.case or list(CASES):
        runs = [measure(name) for _ in range(args.repeat)]
        best = min(runs, key=lambda r: float(r["wall_s"]))
        run_s[name] = sorted(float(r["run_s"]) for r in runs)[len(runs) // 2]  # median
        target = TARGETS.get(name)
        bars_per_s = float(best["bars"]) / float(best["run_s"])
        print(
            f"{name:<11} {float(best['wall_s']):7.2f} {(f'<{target}' if target else '-'):>7} "
            f"{float(best['run_s']):6.2f} {bars_per_s:11,.0f} {float(best['peak_mb']):8.0f} "
            f"{best['fills']:>7}  {best['final_equity']}"
        )
    for name, seconds in run_s.items():
        array_case = name.removeprefix("zipline-")
        if name != array_case and array_case in run_s:
            ratio = seconds / run_s[array_case]
            print(
                f"{name}: median run {ratio:.2f}x the array path "
                f"(target <= {ZIPLINE_RATIO_TARGET}x)"
            )


if __name__ == "__main__":
    main()
