"""Cost per bar-asset against the size of the run, from an ``engine_speed.py --json`` file.

Usage: ``python benchmarks/scaling_plot.py RESULTS.json [--out benchmarks/scaling.png]``.
Plots, per case, the median CPU time of the run phase and of the whole process
divided by assets x bars (microseconds per bar-asset), and the peak resident
memory above the start-up footprint per bar-asset, against assets x bars (log
axes). A flat run-phase line means the engine's cost per bar stays the
same as assets and bars grow. The title carries the load average of the run.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def points(results: dict[str, Any]) -> list[tuple[str, int, float, float, float]]:
    """(case, bar-assets, run CPU µs, whole-process CPU µs, peak bytes above start-up)
    per bar-asset."""
    rows = []
    for name, case in results.items():
        if not isinstance(case, dict) or "runs" not in case:
            continue
        size = int(case["assets"]) * int(case["bars_per_asset"])
        runs = case["runs"]
        run_cpu = statistics.median(float(r["run_cpu_s"]) for r in runs)
        whole_cpu = statistics.median(float(r["cpu_s"]) for r in runs)
        # Peak above the start-up footprint (interpreter and libraries, ~110 MB).
        peak = statistics.median(float(r["peak_mb"]) - float(r["base_mb"]) for r in runs) * 2**20
        rows.append((name, size, run_cpu / size * 1e6, whole_cpu / size * 1e6, peak / size))
    return sorted(rows, key=lambda row: row[1])


def _family(name: str) -> str:
    if name.startswith("zipline-"):
        return "zipline"
    return "minute" if name.endswith("m") else "daily"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results", type=Path)
    parser.add_argument("--out", type=Path, default=HERE / "scaling.png")
    args = parser.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = json.loads(args.results.read_text())
    machine = results.get("machine", {})
    rows = points(results)
    fig, (speed, memory) = plt.subplots(1, 2, figsize=(11, 4.4))
    # One line per family (daily array path, minute array path, zipline-style), so
    # a line's slope is the scaling of one kind of run.
    for family, colour in (("daily", "C0"), ("minute", "C1"), ("zipline", "C2")):
        chosen = [r for r in rows if _family(r[0]) == family]
        if not chosen:
            continue
        sizes = [r[1] for r in chosen]
        speed.plot(sizes, [r[2] for r in chosen], "o-", color=colour, label=f"{family}: run")
        speed.plot(
            sizes,
            [r[3] for r in chosen],
            "s--",
            color=colour,
            alpha=0.6,
            label=f"{family}: whole process",
        )
        memory.plot(sizes, [r[4] for r in chosen], "o-", color=colour, label=family)
        for name, size, run_us, _, per_bar in chosen:
            speed.annotate(
                name, (size, run_us), fontsize=7, xytext=(3, -9), textcoords="offset points"
            )
            memory.annotate(
                name, (size, per_bar), fontsize=7, xytext=(3, 3), textcoords="offset points"
            )
    speed.set(xscale="log", yscale="log", xlabel="assets x bars", ylabel="CPU µs per bar-asset")
    speed.legend(fontsize=7)
    speed.grid(True, which="both", alpha=0.3)
    memory.set(
        xscale="log",
        yscale="log",
        xlabel="assets x bars",
        ylabel="peak RSS above start-up, bytes per bar-asset",
    )
    memory.legend(fontsize=7)
    memory.grid(True, which="both", alpha=0.3)
    fig.suptitle(
        f"engine_speed.py, median of {machine.get('repeat', '?')} runs, "
        f"{machine.get('cores', '?')} cores, load average {machine.get('load_before', '?')} "
        f"-> {machine.get('load_after', '?')} ({machine.get('measured_at', '')})",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    for name, size, run_us, whole_us, per_bar in rows:
        print(
            f"{name:<18} {size:>11,} bar-assets  run {run_us:6.3f} µs  "
            f"whole {whole_us:6.3f} µs  peak {per_bar:7.1f} B per bar-asset"
        )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
