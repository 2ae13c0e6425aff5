"""Engine speed and memory: whole-process time per size, as a user runs it.

Each case runs in a fresh interpreter (start-up, imports, data generation, the
backtest, building the result), so the numbers include everything a user waits
for. Per case it prints the median over ``--repeat`` runs (default 5) of the
whole-process wall time and CPU time (user + sys), the run phase alone, bars per
second of the run phase and the peak resident memory, with the machine's load
average before and after. The ``import`` case is ``import rustybt`` beyond
``import numpy, pandas`` (median of ``-X importtime`` totals).

Usage: ``python benchmarks/engine_speed.py [--case NAME ...] [--repeat N] [--json PATH]``.
Without ``--case`` every case but the slow one runs; ``--all`` adds
``100x98280m`` (one year of minutes for 100 assets, about a minute per run).
``benchmarks/scaling_plot.py`` draws time per bar-asset from a ``--json`` file.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# Children run as an installed package does: with compiled bytecode. A shell with
# PYTHONDONTWRITEBYTECODE set would otherwise compile every rustybt module from
# source in every process (~70 ms of a 100 ms import on the 2-core machine).
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
WARM_UP = (
    "import sys; sys.path.insert(0, {here!r}); import crossover; "
    "from rustybt import run_backtest; import rustybt.data.synthetic, rustybt.engine.runner, "
    "rustybt.data.validation.panel"
)

CASES = {
    "1x2520d": (1, 2_520, "daily"),
    "100x2520d": (100, 2_520, "daily"),
    "500x2520d": (500, 2_520, "daily"),
    "2000x2520d": (2_000, 2_520, "daily"),
    "1x250000m": (1, 250_000, "minute"),
    "100x98280m": (100, 98_280, "minute"),
    # The same single-asset strategy written as zipline code (pandas history).
    "zipline-1x2520d": (1, 2_520, "daily"),
    "zipline-1x250000m": (1, 250_000, "minute"),
}
SLOW = {"100x98280m"}
# Whole-process wall seconds and peak MB (issue 15, idle 2-core machine, median of 5).
TARGETS = {"500x2520d": 1.0, "1x250000m": 1.5, "2000x2520d": 3.0, "100x98280m": 60.0}
MEMORY_TARGETS_MB = {"2000x2520d": 1024.0, "100x98280m": 2048.0}
IMPORTS = {"import rustybt": 30.0, "from rustybt import run_backtest, Strategy": None}
# The zipline-style path may take at most this multiple of the array path's run time.
ZIPLINE_RATIO_TARGET = 1.5


def touch_all(result: Any) -> int:  # Any: the benchmark reads the public attributes
    """Read every table of the result (a deferred one is built on first read) and
    return their total row count; ``trades`` (round trips, built on request) is left out."""
    rows = 0
    for name in ("perf", "transactions", "orders", "positions", "decisions", "universe"):
        rows += len(getattr(result, name))
    bars = result.bars
    rows += 0 if bars is None else len(bars)
    return rows + len(result.metadata)


def child(name: str, touch: bool = False) -> None:
    """Runs inside the measured process; prints one JSON line. ``touch``: read every
    table of the result too (`touch_all`), timed apart as ``tables_s``."""
    started = time.perf_counter()
    sys.path.insert(0, str(HERE))
    from crossover import PortfolioCrossover, SingleAssetCrossover, zipline_crossover

    from rustybt import run_backtest
    from rustybt.data.synthetic import benchmark_panel

    imported = time.perf_counter()
    base_mb = _rss_mb()  # interpreter, numpy, pandas, rustybt: what no case can shed
    n_assets, n_bars, frequency = CASES[name]
    asset_class = "crypto" if frequency == "minute" else "equity"
    panel = benchmark_panel(n_assets, n_bars, frequency, asset_class=asset_class)
    loaded = time.perf_counter()
    loaded_cpu = time.process_time()
    if name.startswith("zipline-"):
        strategy = zipline_crossover()
    else:
        strategy = SingleAssetCrossover() if n_assets == 1 else PortfolioCrossover()
    result = run_backtest(strategy, panel, capital=1_000_000, volume_limit=None)
    finished = time.perf_counter()
    run_cpu = time.process_time() - loaded_cpu
    touched_cpu = time.process_time()
    rows = touch_all(result) if touch else 0
    tables_s = time.perf_counter() - finished
    tables_cpu_s = time.process_time() - touched_cpu
    print(
        json.dumps(
            {
                "imports_s": imported - started,
                "data_s": loaded - imported,
                "run_s": finished - loaded,
                "run_cpu_s": run_cpu,
                "base_mb": base_mb,
                "bars": n_assets * n_bars,
                "fills": len(result.transactions),
                "orders": len(result.orders),
                "final_equity": str(result.final_equity),
                "tables_s": tables_s,
                "tables_cpu_s": tables_cpu_s,
                "table_rows": rows,
            }
        )
    )


def _rss_mb() -> float:
    """Resident memory now (Linux /proc; 0 elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(name: str, touch: bool = False) -> dict[str, float | str]:
    """One fresh process: wall, CPU (user + sys) and peak RSS from ``wait4``."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", name, *(["--touch-all"] if touch else [])],
        stdout=subprocess.PIPE,
        text=True,
        env=CHILD_ENV,
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"case {name} failed with exit code {process.returncode}")
    report: dict[str, float | str] = json.loads(output.strip().splitlines()[-1])
    report["wall_s"] = wall
    report["cpu_s"] = usage.ru_utime + usage.ru_stime
    report["peak_mb"] = usage.ru_maxrss / 1024  # Linux: kilobytes
    return report


def _import_ms(statement: str) -> float:
    """Milliseconds of the top-level imports that follow ``import numpy, pandas`` in
    one interpreter (``-X importtime``; what is already loaded costs nothing)."""
    stderr = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import numpy, pandas; {statement}"],
        capture_output=True,
        text=True,
        check=True,
        env=CHILD_ENV,
    ).stderr
    total, after_pandas = 0, False
    for line in stderr.splitlines():
        found = re.match(r"import time:\s+\d+ \|\s+(\d+) \| {1,2}(\S.*)$", line)
        if not found:  # a nested import (deeper indentation) or a header
            continue
        if after_pandas:
            total += int(found.group(1))
        after_pandas = after_pandas or found.group(2) == "pandas"
    return total / 1000


def measure_import(repeat: int, statement: str) -> float:
    """``statement`` beyond ``import numpy, pandas``: median milliseconds."""
    return statistics.median(_import_ms(statement) for _ in range(repeat))


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _median(runs: list[dict[str, float | str]], key: str) -> float:
    return statistics.median(float(r[key]) for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", choices=[*CASES, "import"], action="append")
    parser.add_argument("--all", action="store_true", help="include the slow cases")
    parser.add_argument("--repeat", type=int, default=5, help="runs per case; medians shown")
    parser.add_argument("--json", type=Path, help="write every run's numbers here")
    parser.add_argument(
        "--touch-all",
        action="store_true",
        help="also read every table of the result (deferred ones are built on first read); "
        "the 'tables s/cpu' column is that reading (wall / CPU seconds)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.touch_all)
        return
    names = args.case or ["import", *(n for n in CASES if args.all or n not in SLOW)]
    # Compile and cache the bytecode once, as installing the package does.
    subprocess.run(
        [sys.executable, "-c", WARM_UP.format(here=str(HERE))], env=CHILD_ENV, check=True
    )
    load_before = _load()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"load average before: {load_before}; medians of {args.repeat} runs")
    header = f"{'case':<18} {'wall s':>7} {'cpu s':>6} {'target':>7} {'run s':>6} {'bars/s':>11} "
    if args.touch_all:
        header += f"{'tables s/cpu':>12} "
    print(header + f"{'peak MB':>8} {'MB tgt':>7} {'fills':>6}  final equity")
    results: dict[str, Any] = {}  # Any: JSON-shaped, one entry per case
    run_s: dict[str, float] = {}
    for name in names:
        if name == "import":
            # The target is on the first; the second is what a backtest script loads.
            for statement, target_ms in IMPORTS.items():
                import_ms = measure_import(args.repeat, statement)
                results[statement] = {"beyond_numpy_pandas_ms": import_ms}
                shown = f"<{target_ms:g}ms" if target_ms else "-"
                print(f"{statement:<40} {import_ms:7.1f} ms {shown:>8}  (beyond numpy + pandas)")
            continue
        runs = [measure(name, args.touch_all) for _ in range(args.repeat)]
        run_s[name] = _median(runs, "run_s")
        last = runs[-1]
        if any(r["final_equity"] != last["final_equity"] for r in runs):
            raise SystemExit(f"case {name}: runs disagree on the final equity")
        target, memory_target = TARGETS.get(name), MEMORY_TARGETS_MB.get(name)
        print(
            f"{name:<18} {_median(runs, 'wall_s'):7.2f} {_median(runs, 'cpu_s'):6.2f} "
            f"{(f'<{target:g}' if target else '-'):>7} {run_s[name]:6.2f} "
            f"{float(last['bars']) / run_s[name]:11,.0f} "
            + (
                f"{_median(runs, 'tables_s'):5.2f} / {_median(runs, 'tables_cpu_s'):4.2f} "
                if args.touch_all
                else ""
            )
            + f"{_median(runs, 'peak_mb'):8.0f} "
            f"{(f'<{memory_target:g}' if memory_target else '-'):>7} "
            f"{last['fills']:>6}  {last['final_equity']}"
        )
        n_assets, n_bars, frequency = CASES[name]
        results[name] = {
            "assets": n_assets,
            "bars_per_asset": n_bars,
            "frequency": frequency,
            "runs": runs,
        }
    for name, seconds in run_s.items():
        array_case = name.removeprefix("zipline-")
        if name != array_case and array_case in run_s:
            ratio = seconds / run_s[array_case]
            # CPU seconds of the run phase too: on a shared machine they are the steadier.
            cpu_ratio = _median(results[name]["runs"], "run_cpu_s") / _median(
                results[array_case]["runs"], "run_cpu_s"
            )
            results[name].update(ratio_to_array_path=ratio, cpu_ratio=cpu_ratio)
            print(
                f"{name}: median run {ratio:.2f}x the array path, CPU {cpu_ratio:.2f}x "
                f"(target <= {ZIPLINE_RATIO_TARGET}x)"
            )
    load_after = _load()
    print(f"load average after: {load_after}")
    if args.json:
        results["machine"] = {
            "cores": os.cpu_count(),
            "python": sys.version.split()[0],
            "load_before": load_before,
            "load_after": load_after,
            "touch_all": args.touch_all,
            "repeat": args.repeat,
            "ru_maxrss_unit": "kB",
            "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        }
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
