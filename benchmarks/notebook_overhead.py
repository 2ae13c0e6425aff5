"""Cost of the progress bar and of the background handle's per-bar cancel check.

Runs the dual moving-average example on the demo minute bars (many bars, so a
per-bar cost shows) three ways: plain, with a tqdm progress bar (written to
/dev/null), and through `start_backtest` (the cancel check on every bar). Prints
the median of ``--repeat`` runs of each and the overhead in percent.

    .venv/bin/python benchmarks/notebook_overhead.py --repeat 5
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

from dual_moving_average import DualMovingAverage

from rustybt import run_backtest
from rustybt.data.synthetic import demo_panel
from rustybt.notebook import start_backtest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    panel = demo_panel("minute")
    print(f"{len(panel):,} minute bars x {len(panel.assets)} assets")

    def plain() -> None:
        run_backtest(DualMovingAverage(), panel, progress=False)

    def with_bar() -> None:
        with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
            run_backtest(DualMovingAverage(), panel, progress=True)

    def handle() -> None:
        start_backtest(DualMovingAverage(), panel).result()

    timings: dict[str, list[float]] = {"plain": [], "progress bar": [], "handle": []}
    for _ in range(args.repeat):  # interleaved, so load drifts hit all three alike
        for name, run in (("plain", plain), ("progress bar", with_bar), ("handle", handle)):
            started = time.perf_counter()
            run()
            timings[name].append(time.perf_counter() - started)
    # The per-bar calls alone, without the noise of whole runs on a shared machine.
    watcher = start_backtest(DualMovingAverage(), panel, end=panel.index[10])
    watcher.result()
    calls = 1_000_000
    started = time.perf_counter()
    for bar in range(calls):
        watcher._on_bar(bar)
    per_call = (time.perf_counter() - started) / calls
    base = statistics.median(timings["plain"])
    from tqdm.std import tqdm

    from rustybt.engine.progress import BarProgress

    with open(os.devnull, "w") as sink:
        bar_progress = BarProgress(lambda **kw: tqdm(file=sink, **kw), panel.index, "bench")
        started = time.perf_counter()
        for bar in range(len(panel)):
            bar_progress(bar)
        bar_progress.close(finished=True)
        bar_cost = (time.perf_counter() - started) / len(panel)
    per_bar = base / len(panel)
    print(
        f"cancel check: {per_call * 1e9:.0f} ns per bar = {100 * per_call / per_bar:.4f}% "
        f"of a bar ({per_bar * 1e6:.0f} us)"
    )
    print(
        f"progress bar: {bar_cost * 1e9:.0f} ns per bar (tqdm updates included) = "
        f"{100 * bar_cost / per_bar:.3f}% of a bar"
    )
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"{name:<13} median {median:.3f} s  overhead {100 * (median / base - 1):+.2f}%")


if __name__ == "__main__":
    main()
