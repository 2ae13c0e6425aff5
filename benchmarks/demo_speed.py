"""Whole-process time of ``rustybt demo`` (target ≤ 2 s, docs/cli.md).

Run: ``.venv/bin/python benchmarks/demo_speed.py [--repeat 5]``.

Each repeat is a fresh ``rustybt demo`` process writing into a temporary
directory: imports, the backtest, the saved result, tearsheet.svg, report.html
and report.pdf, exactly what a newcomer waits for. Prints the median wall time
and the median CPU time (user + system of the child): on a shared, loaded
machine the wall time mostly measures the other processes. It also prints the
load average, so numbers from different moments can be told apart.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _command() -> list[str]:
    script = shutil.which("rustybt", path=str(Path(sys.executable).parent))
    if script is None:  # an environment without the console script: run the module
        return [sys.executable, "-c", "from rustybt.cli import main; main()"]
    return [script]


def one_run(output: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one fresh ``rustybt demo``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [*_command(), "demo", "--output", str(output), "--overwrite"],
        check=True,
        capture_output=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        one_run(Path(tmp))  # warm the file cache (bytecode, fonts): not counted
        runs = [one_run(Path(tmp)) for _ in range(max(args.repeat, 1))]
    wall = statistics.median(w for w, _ in runs)
    cpu = statistics.median(c for _, c in runs)
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(
        f"rustybt demo, median of {len(runs)}: {wall:.2f} s wall, {cpu:.2f} s CPU "
        f"(target ≤ 2 s); {os.cpu_count()} cores, load average {load}"
    )


if __name__ == "__main__":
    main()
