"""The benchmark strategy, written as a user would with the public API.

Per asset: fast 20 / slow 50 moving averages of the close; when fast > slow and
flat, buy 1/N of equity; when fast <= slow and long, sell everything; held
positions are not rebalanced. Next-bar-open fills, no costs, 1,000,000 cash.
`zipline_crossover` is the single-asset one written as zipline code (the
zipline-style path: pandas history, ``rustybt.api`` functions).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rustybt import FunctionStrategy, Strategy

FAST, SLOW = 20, 50


class PortfolioCrossover(Strategy):
    """Many assets: one ``data.history`` call per bar, numpy means over it."""

    def initialize(self, context: Any) -> None:
        context.universe = list(context.assets)
        context.column = {asset: i for i, asset in enumerate(context.universe)}
        context.weight = 1.0 / len(context.universe)

    def handle_data(self, context: Any, data: Any) -> None:
        closes = data.history(context.universe, "close", SLOW).to_numpy()
        fast = closes[-FAST:].mean(axis=0)
        slow = closes.mean(axis=0)  # NaN until 50 bars exist, so no signal before then
        held = np.zeros(len(context.universe), dtype=bool)
        positions = context.portfolio.positions
        held[[context.column[asset] for asset in positions]] = True
        buy = (fast > slow) & ~held
        sell = (fast <= slow) & held
        universe = context.universe
        for i in np.flatnonzero(buy | sell):  # in asset order, as backtrader's loop
            if buy[i]:
                context.order_target_percent(universe[i], context.weight)
            else:
                context.order_target(universe[i], 0)


class SingleAssetCrossover(Strategy):
    """One asset: ``data.history`` gives a numpy array, the fastest path."""

    def initialize(self, context: Any) -> None:
        context.asset = context.assets[0]

    def handle_data(self, context: Any, data: Any) -> None:
        closes = data.history(context.asset, "close", SLOW)
        fast = closes[-FAST:].mean()
        slow = closes.mean()
        held = context.asset in context.portfolio.positions
        if fast > slow and not held:
            context.order_target_percent(context.asset, 1.0)
        elif fast <= slow and held:
            context.order_target(context.asset, 0)


def zipline_crossover() -> FunctionStrategy:
    """The single-asset crossover written as zipline code: module-style functions,
    ``rustybt.api`` free functions, and ``data.history`` as a pandas Series."""
    from rustybt.api import order_target, order_target_percent

    def initialize(context: Any) -> None:
        context.asset = context.assets[0]

    def handle_data(context: Any, data: Any) -> None:
        closes = data.history(context.asset, "close", SLOW)
        values = closes.to_numpy()  # zipline users often reduce with numpy, as here
        fast = values[-FAST:].mean()
        slow = values.mean()
        held = context.asset in context.portfolio.positions
        if fast > slow and not held:
            order_target_percent(context.asset, 1.0)
        elif fast <= slow and held:
            order_target(context.asset, 0)

    return FunctionStrategy(initialize=initialize, handle_data=handle_data, zipline_api=True)
