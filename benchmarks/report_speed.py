"""Speed and size of the reports (targets in docs/reports.md).

Run: ``.venv/bin/python benchmarks/report_speed.py [--repeat 3]``.

Two saved results are prepared first (not timed): 10 years of daily bars for 20
assets traded by the dual moving-average example, with a benchmark, and 2 years
of 1-minute bars (196,560 bars) traded by the same strategy. For each, it prints
the median over ``--repeat`` runs of:

* whole process: a fresh interpreter that loads the saved result and writes
  report.html and report.pdf (imports included), as ``rustybt report`` does;
* in process: HTML + PDF generation alone, imports already warm;

and the sizes of the files. Targets: HTML + PDF ≤ 1.5 s for 10 years daily,
≤ 5 s for 2 years of minutes; any HTML ≤ 5 MB.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rustybt import load_strategy_file, run_backtest
from rustybt.data.synthetic import benchmark_panel

ROOT = Path(__file__).resolve().parents[1]
WRITE = """
import sys, time
start = time.perf_counter()
from rustybt import BacktestResult
from rustybt.report import ReportGenerator
result = BacktestResult.load(sys.argv[1])
report = ReportGenerator(result)
report.to_html(sys.argv[2] + "/report.html")
report.to_pdf(sys.argv[2] + "/report.pdf")
print(time.perf_counter() - start)
"""


def prepare(directory: Path) -> dict[str, Path]:
    """Run and save the two backtests; returns name -> saved result directory."""
    strategy = ROOT / "examples" / "dual_moving_average.py"
    daily = benchmark_panel(n_assets=20, n_bars=2520)
    index = daily.close[:, 0] / daily.close[0, 0]  # the first asset doubles as a benchmark
    import pandas as pd

    bench = pd.Series(index, index=daily.index).pct_change()
    runs = {
        "10y daily, 20 assets": run_backtest(
            load_strategy_file(strategy, fast=20, slow=100), daily, benchmark=bench
        ),
        "2y 1-minute, 1 asset": run_backtest(
            load_strategy_file(strategy, fast=120, slow=780),
            benchmark_panel(n_assets=1, n_bars=2 * 252 * 390, frequency="minute"),
        ),
    }
    out = {}
    for name, result in runs.items():
        print(f"{name}: {len(result.perf):,} sessions, {len(result.transactions):,} fills")
        out[name] = result.save(directory / name.replace(" ", "_").replace(",", ""))
    return out


def whole_process(saved: Path, target: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of a fresh interpreter writing both files.

    CPU time (user + system) is printed too because on a shared, loaded machine
    the wall time mostly measures the other processes.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", WRITE, str(saved), str(target)], check=True, capture_output=True
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def in_process(saved: Path, target: Path) -> float:
    from rustybt import BacktestResult
    from rustybt.report import ReportGenerator

    result = BacktestResult.load(saved)
    _ = result.trades  # built by the loaded result on first use, as in any session
    started = time.perf_counter()
    report = ReportGenerator(result)
    report.to_html(target / "report.html")
    report.to_pdf(target / "report.pdf")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; median of {args.repeat}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, saved in prepare(root).items():
            target = root / ("out_" + saved.name)
            target.mkdir()
            runs = [whole_process(saved, target) for _ in range(args.repeat)]
            fresh = statistics.median(wall for wall, _ in runs)
            cpu = statistics.median(used for _, used in runs)
            warm = statistics.median(in_process(saved, target) for _ in range(args.repeat))
            html = (target / "report.html").stat().st_size / 1e6
            pdf = (target / "report.pdf").stat().st_size / 1e6
            print(
                f"{name}: whole process {fresh:.2f} s wall ({cpu:.2f} s CPU), "
                f"HTML+PDF in process {warm:.2f} s; "
                f"report.html {html:.2f} MB, report.pdf {pdf:.2f} MB"
            )


if __name__ == "__main__":
    main()
