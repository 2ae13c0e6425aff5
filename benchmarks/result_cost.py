"""What the result costs: `_result` at the end of the run (and the orders table
inside it), each deferred table's first read, and freeing it all at the end of the
process, in CPU seconds, for the crossover in ``crossover.py``.

Each repeat is a fresh process running ``PortfolioCrossover`` on
``benchmark_panel(assets, 2520)``; the script prints the medians (and the range)
with the load average. ``_result`` and ``orders_frame`` are timed around the
engine's own calls (inside the run, where they run); the tables are then read one
by one. ``teardown`` is the process's CPU after its last table was read (from the
parent's ``wait4``): freeing the result and the run's objects (the engine's
reference cycles leave those to the collector's final pass) and the interpreter's exit.

    .venv/bin/python benchmarks/result_cost.py --assets 500 --assets 2000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TABLES = ("transactions", "positions", "decisions", "universe")


def child(n_assets: int) -> None:
    sys.path.insert(0, str(HERE))
    from crossover import PortfolioCrossover

    from rustybt import run_backtest
    from rustybt.data.synthetic import benchmark_panel
    from rustybt.engine import runner

    timings: dict[str, float] = {}
    original = runner._Run._result

    def timed(self: Any, *args: Any, **kwargs: Any) -> Any:  # Any: wraps a private method
        started = time.process_time()
        result = original(self, *args, **kwargs)
        timings["_result"] = time.process_time() - started
        return result

    runner._Run._result = timed  # type: ignore[method-assign]
    build_orders = runner.orders_frame  # type: ignore[attr-defined]  # the name runner calls

    def timed_orders(orders: Any) -> Any:  # Any: wraps the engine's builder
        started = time.process_time()
        frame = build_orders(orders)
        timings["orders_frame"] = time.process_time() - started
        return frame

    runner.orders_frame = timed_orders  # type: ignore[attr-defined]
    panel = benchmark_panel(n_assets, 2520, "daily")
    result = run_backtest(PortfolioCrossover(), panel, capital=1_000_000, volume_limit=None)
    for name in TABLES:
        started = time.process_time()
        getattr(result, name)
        timings[name] = time.process_time() - started
    timings["orders_rows"] = len(result.orders)
    timings["position_rows"] = len(result.positions)
    timings["process_cpu"] = time.process_time()
    print(json.dumps(timings), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assets", type=int, action="append")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    print(f"machine: {os.cpu_count()} cores; load average before: {os.getloadavg()}")
    for n_assets in args.assets or [500, 2000]:
        runs = []
        for _ in range(args.repeat):
            process = subprocess.Popen(
                [sys.executable, __file__, "--child", str(n_assets)],
                stdout=subprocess.PIPE,
                text=True,
            )
            assert process.stdout is not None
            output = process.stdout.read()
            _, status, usage = os.wait4(process.pid, 0)
            if os.waitstatus_to_exitcode(status):
                raise SystemExit(f"the {n_assets}-asset child failed")
            run = json.loads(output.strip().splitlines()[-1])
            run["teardown"] = usage.ru_utime + usage.ru_stime - run["process_cpu"]
            runs.append(run)
        first = runs[0]
        print(
            f"{n_assets} x 2,520 daily ({first['orders_rows']:,} orders, "
            f"{first['position_rows']:,} position rows), CPU s, median [min-max] "
            f"of {args.repeat}:"
        )
        for key in ("_result", "orders_frame", *TABLES, "teardown"):
            values = [float(r[key]) for r in runs]
            label = (
                key if key in ("_result", "orders_frame", "teardown") else f"first read of {key}"
            )
            print(
                f"  {label:<28} {statistics.median(values):6.3f} "
                f"[{min(values):.3f}-{max(values):.3f}]"
            )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
