"""rustybt vs vectorbt on the same strategy and data: agreement and run-phase speed.

Run through ``make bench-compare`` (it creates benchmarks/.vbt-env with vectorbt).
Both fill market orders at the next bar's open, size entries in whole shares from
the portfolio valued at the last close, and reject a buy that cash cannot pay for
(rustybt's ``check_cash=True``; see vbt_runner.py for vectorbt's side), so final
equity and the number of closed trades must agree: the script exits non-zero
when they do not (equity to the cent, trades exactly).

Speed is compared phase by phase in process pairs (one rustybt process, then one
vectorbt process, ``--pairs`` times; medians): rustybt's ``run_backtest`` (the
engine loop with the result tables) against vectorbt's ``from_order_func``, both
after imports and data loading. vectorbt's first call in a process compiles its
simulation for the order function (numba); ``rerun`` is the same call once more,
compiled and warm, which is the fairest "loop alone" figure for vectorbt.
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

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
VBT_PYTHON = HERE / ".vbt-env" / "bin" / "python"

_RUSTYBT = """
import json, sys, time
t = time.perf_counter()
sys.path.insert(0, {here!r})
from crossover import PortfolioCrossover
from rustybt import run_backtest
from rustybt.data.synthetic import benchmark_panel
imported = time.perf_counter()
panel = benchmark_panel({assets}, {bars}, "daily")
loaded = time.perf_counter()
cpu = time.process_time()
result = run_backtest(
    PortfolioCrossover(), panel, capital=1_000_000, volume_limit=None, check_cash=True
)
ran = time.perf_counter()
cpu = time.process_time() - cpu
trades = result.trades
print(json.dumps({{"final_equity": float(result.final_equity),
                  "closed_trades": int((~trades["is_open"]).sum()),
                  "fills": len(result.transactions),
                  "import_s": imported - t, "load_s": loaded - imported,
                  "run_s": ran - loaded, "run_cpu_s": cpu,
                  "seconds": time.perf_counter() - t}}))
"""


def _json_line(command: list[str]) -> dict[str, float]:
    started = time.perf_counter()
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    report: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    report["wall_s"] = time.perf_counter() - started
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assets", type=int, default=100)
    parser.add_argument("--bars", type=int, default=2520)
    parser.add_argument("--pairs", type=int, default=3, help="process pairs; medians reported")
    args = parser.parse_args()
    if not VBT_PYTHON.exists():
        sys.exit("vectorbt env missing: run `make bench-compare` from the repository root")
    from rustybt.data.synthetic import benchmark_panel

    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"panel_{args.assets}x{args.bars}.parquet"
    benchmark_panel(args.assets, args.bars, "daily").to_frame().to_parquet(path, index=False)
    code = _RUSTYBT.format(here=str(HERE), assets=args.assets, bars=args.bars)
    ours, theirs = [], []
    for _ in range(args.pairs):
        ours.append(_json_line([sys.executable, "-c", code]))
        theirs.append(_json_line([str(VBT_PYTHON), str(HERE / "vbt_runner.py"), str(path)]))

    def median(reports: list[dict[str, float]], key: str) -> float:
        return statistics.median(float(r[key]) for r in reports)

    load = os.getloadavg()[0]
    print(f"data: {args.assets} assets x {args.bars} daily bars (synthetic, seed 42)")
    print(f"{args.pairs} process pairs, medians; load average {load:.2f}, {os.cpu_count()} cores")
    print(
        f"{'engine':<10} {'wall s':>7} {'import s':>9} {'run s':>7} {'final equity':>18} {'trades':>7}"
    )
    for name, reports in (("rustybt", ours), ("vectorbt", theirs)):
        print(
            f"{name:<10} {median(reports, 'wall_s'):7.2f} {median(reports, 'import_s'):9.2f} "
            f"{median(reports, 'run_s'):7.3f} {reports[0]['final_equity']:18,.2f} "
            f"{int(reports[0]['closed_trades']):>7}"
        )
    ours_run, first, warm = (
        median(ours, "run_s"),
        median(theirs, "run_s"),
        median(theirs, "rerun_s"),
    )
    print(f"rustybt run_backtest (loop + result tables): {ours_run:.3f} s")
    print(f"vectorbt from_order_func, first call (numba compile included): {first:.3f} s")
    print(f"vectorbt from_order_func, warm rerun: {warm:.3f} s")
    print(f"rustybt run / vectorbt warm run = {ours_run / warm:.2f}x")
    gap = ours[0]["final_equity"] - theirs[0]["final_equity"]
    trade_gap = int(ours[0]["closed_trades"] - theirs[0]["closed_trades"])
    print(f"final equity difference: {gap:,.6f}; closed-trade difference: {trade_gap}")
    if abs(gap) >= 0.005 or trade_gap:
        sys.exit("rustybt and vectorbt disagree (see above)")


if __name__ == "__main__":
    main()
