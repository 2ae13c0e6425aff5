"""Runs the benchmark crossover in backtrader (inside its own venv; no rustybt here).

Reads the panel exported by compare_backtrader.py and prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time

import backtrader as bt
import pandas as pd

FAST, SLOW = 20, 50


class Crossover(bt.Strategy):
    def __init__(self) -> None:
        self.fast = {d: bt.indicators.SMA(d.close, period=FAST) for d in self.datas}
        self.slow = {d: bt.indicators.SMA(d.close, period=SLOW) for d in self.datas}
        self.weight = 1.0 / len(self.datas)
        self.n_closed = 0
        self.n_rejected = 0

    def notify_order(self, order: bt.Order) -> None:
        if order.status in (order.Margin, order.Rejected):
            self.n_rejected += 1

    def notify_trade(self, trade: bt.Trade) -> None:
        if trade.isclosed:
            self.n_closed += 1

    def next(self) -> None:
        for d in self.datas:
            held = self.getposition(d).size != 0
            if self.fast[d][0] > self.slow[d][0] and not held:
                self.order_target_percent(d, self.weight)
            elif self.fast[d][0] <= self.slow[d][0] and held:
                self.order_target_size(d, 0)


def main(path: str) -> None:
    started = time.perf_counter()
    frame = pd.read_parquet(path)
    cerebro = bt.Cerebro(stdstats=False)
    for symbol, bars in frame.groupby("symbol", sort=True):
        bars = bars.set_index(pd.DatetimeIndex(bars["timestamp"]).tz_localize(None))
        cerebro.adddata(bt.feeds.PandasData(dataname=bars, openinterest=None), name=symbol)
    cerebro.addstrategy(Crossover)
    cerebro.broker.setcash(1_000_000.0)
    cerebro.broker.set_checksubmit(False)  # check cash at execution only, as rustybt does
    strategy = cerebro.run()[0]
    print(
        json.dumps(
            {
                "final_equity": cerebro.broker.getvalue(),
                "closed_trades": strategy.n_closed,
                "rejected_orders": strategy.n_rejected,
                "seconds": time.perf_counter() - started,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
