"""Strategies used by the live tests (importable by subprocesses too)."""

from __future__ import annotations

import sys
from pathlib import Path

from rustybt import Strategy
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.data_portal import BarData

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "examples") not in sys.path:
    sys.path.insert(0, str(ROOT / "examples"))


class Rebalancer(Strategy):
    """Every ``every`` bars: equal weights in the first ``n`` assets, rotating which
    one is skipped, so it buys, sells and reduces (market orders only)."""

    def __init__(self, *, n: int = 4, every: int = 3) -> None:
        super().__init__(n=n, every=every)
        self.n, self.every = n, every
        self.bars = 0

    def initialize(self, context: TradingContext) -> None:
        context.picks = list(context.assets[: self.n])

    def handle_data(self, context: TradingContext, data: BarData) -> None:
        self.bars += 1
        if self.bars % self.every:
            return
        skip = (self.bars // self.every) % len(context.picks)
        for i, asset in enumerate(context.picks):
            weight = 0.0 if i == skip else 0.9 / (len(context.picks) - 1)
            context.order_target_percent(asset, weight)


def mean_reversion() -> Strategy:
    from mean_reversion_limits import MeanReversionLimits  # examples/

    return MeanReversionLimits()  # type: ignore[no-any-return]  # examples are untyped here


class Repricing(Strategy):
    """Limit bids below the market, raised (and enlarged) a bar later with
    ``modify_order``: for the modification's kill -9 tests."""

    def __init__(self, *, n: int = 5) -> None:
        super().__init__(n=n)
        self.n = n
        self.bars = 0

    def handle_data(self, context: TradingContext, data: BarData) -> None:
        self.bars += 1
        for asset in list(context.assets[: self.n]):
            price = float(data.current(asset, "close"))
            if price != price:  # no price yet
                continue
            resting = context.get_open_orders(asset)
            if resting:
                bid = resting[0]
                if bid.limit_price is not None and float(bid.limit_price) < price * 0.995:
                    context.modify_order(bid, quantity=bid.quantity + 2, limit_price=price * 0.995)
            elif self.bars % 3 == 0:
                context.order(asset, 5, limit_price=round(price * 0.97, 2))
