"""``data.history(asset, field, n, "1d")`` in a minute backtest vs minute history.

The real BTC/USDT 1-minute file (128,908 bars, ../shared/data) is read once into a
panel; then the same strategy shape runs twice, timed in-process (median of
``--repeat`` runs each): every bar asks for the last 20 bars of close, once at
"1m" and once at "1d". Target: the daily history costs at most 2x the minute one.
Usage: ``python benchmarks/daily_history_minute.py [--repeat N] [--bars N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = (
    Path(os.environ.get("RUSTYBT_SHARED_DATA", HERE.parents[1] / "shared" / "data"))
    / "BTCUSDT_1m_binance_spot_2020-02-01_2020-04-30.csv.gz"
)
TARGET_RATIO = 2.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--bars", type=int, default=20)
    args = parser.parse_args()
    if not DATA.is_file():
        sys.exit(f"BTC minute file not found: {DATA} (set RUSTYBT_SHARED_DATA)")

    from rustybt import Strategy, run_backtest
    from rustybt.data.bars import BarPanel, Frequency
    from rustybt.data.sources import binance_klines

    panel = BarPanel.from_frame(binance_klines(DATA).read(), frequency=Frequency.MINUTE)

    class History(Strategy):
        def __init__(self, *, frequency: str = "1m", count: int = 20) -> None:
            super().__init__(frequency=frequency, count=count)
            self.frequency, self.count = frequency, count
            self.total = 0.0

        def handle_data(self, context, data):  # type: ignore[no-untyped-def]
            window = data.history("BTCUSDT", "close", self.count, self.frequency)
            self.total += float(window[-1])

    def timed(frequency: str) -> float:
        runs = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            run_backtest(History(frequency=frequency, count=args.bars), panel, capital=10_000)
            runs.append(time.perf_counter() - started)
        return statistics.median(runs)

    minute, daily = timed("1m"), timed("1d")
    ratio = daily / minute
    print(f"cores {os.cpu_count()}  bars {len(panel.index):,}  repeat {args.repeat}")
    print(f"history(..., {args.bars}, '1m')  median {minute:.2f} s per backtest")
    print(f"history(..., {args.bars}, '1d')  median {daily:.2f} s per backtest")
    status = "ok" if ratio <= TARGET_RATIO else "OVER TARGET"
    print(f"daily / minute   {ratio:.2f}x (target <= {TARGET_RATIO:.1f}x) {status}")


if __name__ == "__main__":
    main()
