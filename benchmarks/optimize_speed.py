"""Optimisation speed: a grid of the moving-average crossover, serial vs processes.

Grid: fast 5..50 step 5 (10 values) x slow 60..250 step 10 (20 values) = 200
trials of ``examples/dual_moving_average.py`` over ``--assets`` x ``--days``
synthetic daily bars (default 100 x 2,520). Measures, in one process:

* ``direct``: the same parameter sets run one by one with `run_backtest`;
* ``serial``: `optimize` with the serial executor (overhead vs direct: target <= 10%);
* ``processes``: `optimize` with ``ProcessExecutor(--workers)`` (speed-up vs serial:
  target >= 1.8x on 2 cores), sampling each worker's memory and CPU time from
  /proc while it runs (USS = memory private to the worker; the bars are a shared
  mapped file: ``bars_rss``/``bars_shared``/``bars_dirty`` are the worker's
  resident, shared and copied-on-write MB of that mapping). ``speedup_if_cores_free`` = serial CPU / the busiest worker's CPU:
  the wall-clock speed-up on otherwise idle cores.

Usage: ``python benchmarks/optimize_speed.py [--trials 200] [--assets 100]
[--days 2520] [--workers 2]``. Use fewer trials on a busy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
STRATEGY = HERE.parent / "examples" / "dual_moving_average.py"


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text() if (task / "children").exists() else ""
        found += [int(p) for p in text.split()]
    return found


def _memory_mb(pid: int) -> dict[str, float]:
    values: dict[str, float] = {}
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:  # the worker exited between listing and reading
        return values
    for line in lines[1:]:
        key, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[-1] == "kB":
            values[key] = int(parts[0]) / 1024
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu_s = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):  # exited, or an unexpected stat layout
        cpu_s = 0.0
    return {
        "cpu_s": cpu_s,
        "rss": values.get("Rss", 0.0),
        "pss": values.get("Pss", 0.0),
        "uss": values.get("Private_Clean", 0.0) + values.get("Private_Dirty", 0.0),
    }


def _bars_mapping_mb(pid: int) -> dict[str, float]:
    """Resident, shared and dirty MB of the worker's mapping of the shared ``bars.npy``.

    Clean pages of the mapping are the page cache's one copy of the file (counted
    as shared once two workers touched them); a copy of its own would show as
    dirty pages (copy-on-write), which a read-only mapping never gets.
    """
    values = {"bars_rss": 0.0, "bars_shared": 0.0, "bars_dirty": 0.0}
    try:
        lines = Path(f"/proc/{pid}/smaps").read_text().splitlines()
    except OSError:  # the worker exited
        return values
    inside = False
    for line in lines:
        head = line.split()
        if head and "-" in head[0] and not line.startswith(tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ")):
            inside = line.rstrip().endswith("bars.npy")
            continue
        if not inside or len(head) < 3 or head[-1] != "kB":
            continue
        key, size = head[0].rstrip(":"), int(head[1]) / 1024
        if key == "Rss":
            values["bars_rss"] += size
        if key in ("Shared_Clean", "Shared_Dirty"):
            values["bars_shared"] += size
        if key in ("Private_Dirty", "Shared_Dirty"):
            values["bars_dirty"] += size
    return values


class MemorySampler(threading.Thread):
    """Peak RSS/PSS/USS of each child process, sampled every 0.2 s."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peaks: dict[int, dict[str, float]] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.2):
            for child in _children(os.getpid()):
                sample = {**_memory_mb(child), **_bars_mapping_mb(child)}
                peak = self.peaks.setdefault(child, dict.fromkeys(sample, 0.0))
                for key, value in sample.items():
                    peak[key] = max(peak.get(key, 0.0), value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--assets", type=int, default=100)
    parser.add_argument("--days", type=int, default=2_520)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from rustybt import load_strategy_file, run_backtest
    from rustybt.data.synthetic import benchmark_panel
    from rustybt.data.validation import check_panel
    from rustybt.optimize import Integer, ProcessExecutor, SerialExecutor, Space, optimize

    panel = check_panel(benchmark_panel(args.assets, args.days, "daily")).panel
    space = Space({"fast": Integer(5, 50, 5), "slow": Integer(60, 250, 10)})
    points = list(space.grid())[: args.trials]

    started, cpu_started = time.perf_counter(), time.process_time()
    direct_equity = []
    for params in points:
        result = run_backtest(load_strategy_file(STRATEGY, **params), panel, validate=False)
        direct_equity.append(str(result.final_equity))
    direct = time.perf_counter() - started
    direct_cpu = time.process_time() - cpu_started

    started, cpu_started = time.perf_counter(), time.process_time()
    serial = optimize(
        STRATEGY, panel, space, n_trials=args.trials, executor=SerialExecutor(), validate=False
    )
    serial_s = time.perf_counter() - started
    serial_cpu = time.process_time() - cpu_started

    sampler = MemorySampler()
    sampler.start()
    started = time.perf_counter()
    parallel = optimize(
        STRATEGY,
        panel,
        space,
        n_trials=args.trials,
        executor=ProcessExecutor(workers=args.workers),
        validate=False,
    )
    parallel_s = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()

    same = list(serial.trials["final_equity"]) == list(parallel.trials["final_equity"])
    print(
        json.dumps(
            {
                "cores": os.cpu_count(),
                "trials": len(points),
                "bars": args.assets * args.days,
                "panel_mb": 5 * panel.close.nbytes / 2**20,
                "direct_s": round(direct, 2),
                "serial_s": round(serial_s, 2),
                "processes_s": round(parallel_s, 2),
                "workers": args.workers,
                "serial_overhead_pct": round(100 * (serial_s / direct - 1), 1),
                "speedup": round(serial_s / parallel_s, 2),
                # CPU seconds: what the speed-up would be with the cores free
                # (the machine may be shared, so wall-clock alone can mislead).
                "direct_cpu_s": round(direct_cpu, 2),
                "serial_cpu_s": round(serial_cpu, 2),
                "serial_overhead_cpu_pct": round(100 * (serial_cpu / direct_cpu - 1), 1),
                "workers_cpu_s": round(sum(p["cpu_s"] for p in sampler.peaks.values()), 2),
                "speedup_if_cores_free": round(
                    serial_cpu
                    / max((p["cpu_s"] for p in sampler.peaks.values()), default=serial_cpu),
                    2,
                ),
                "worker_peaks": list(sampler.peaks.values()),
                "executors_agree": same and direct_equity == list(serial.trials["final_equity"]),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
