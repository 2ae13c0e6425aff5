"""rustybt vs backtrader on the same strategy and data: speed ratio and agreement.

Run through ``make bench-compare`` (it creates benchmarks/.bt-env with backtrader).
Both engines fill market orders at the next bar's open, size whole shares from
the last close and reject a buy fill that cash cannot pay for (rustybt's
``check_cash=True``; backtrader's broker does this even with checksubmit off), so
final equity and the number of closed trades should agree; differences are printed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
BT_PYTHON = HERE / ".bt-env" / "bin" / "python"


def _rustybt(n_assets: int, n_bars: int) -> dict[str, float]:
    code = f"""
import json, sys, time
t = time.perf_counter()
sys.path.insert(0, {str(HERE)!r})
from crossover import PortfolioCrossover, SingleAssetCrossover
from rustybt import run_backtest
from rustybt.data.synthetic import benchmark_panel
panel = benchmark_panel({n_assets}, {n_bars}, "daily")
strategy = SingleAssetCrossover() if {n_assets} == 1 else PortfolioCrossover()
result = run_backtest(strategy, panel, capital=1_000_000, volume_limit=None, check_cash=True)
trades = result.trades
print(json.dumps({{"final_equity": float(result.final_equity),
                  "closed_trades": int((~trades["is_open"]).sum()),
                  "seconds": time.perf_counter() - t}}))
"""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    report: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    report["wall_s"] = time.perf_counter() - started
    return report


def _backtrader(path: Path) -> dict[str, float]:
    started = time.perf_counter()
    out = subprocess.run(
        [str(BT_PYTHON), str(HERE / "bt_runner.py"), str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    report: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    report["wall_s"] = time.perf_counter() - started
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assets", type=int, default=100)
    parser.add_argument("--bars", type=int, default=2520)
    args = parser.parse_args()
    if not BT_PYTHON.exists():
        sys.exit("backtrader env missing: run `make bench-compare` from the repository root")
    from rustybt.data.synthetic import benchmark_panel

    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"panel_{args.assets}x{args.bars}.parquet"
    frame = benchmark_panel(args.assets, args.bars, "daily").to_frame()
    frame.to_parquet(path, index=False)
    ours = _rustybt(args.assets, args.bars)
    theirs = _backtrader(path)
    print(f"data: {args.assets} assets x {args.bars} daily bars (synthetic, seed 42)")
    print(f"{'engine':<11} {'wall s':>8} {'final equity':>18} {'closed trades':>14}")
    for name, report in (("rustybt", ours), ("backtrader", theirs)):
        print(
            f"{name:<11} {report['wall_s']:8.2f} {report['final_equity']:18,.2f} "
            f"{int(report['closed_trades']):>14}"
        )
    print(f"backtrader orders rejected for cash: {int(theirs.get('rejected_orders', 0))}")
    print(f"speed ratio: backtrader / rustybt = {theirs['wall_s'] / ours['wall_s']:.1f}x")
    gap = ours["final_equity"] - theirs["final_equity"]
    print(
        f"final equity difference: {gap:,.2f} ({gap / theirs['final_equity']:.2e} relative); "
        f"trade count difference: {int(ours['closed_trades'] - theirs['closed_trades'])}"
    )


if __name__ == "__main__":
    main()
