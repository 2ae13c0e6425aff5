"""A strategy whose best parameters are known by construction (importable by workers).

One asset's price rises by 1 a bar up to bar `PEAK`, then falls by 1 a bar.
`HoldWindow` buys half the portfolio at ``entry`` and sells at ``exit``; orders
fill at the next bar's open (= that bar's close here), so the total return is
largest for the earliest entry and ``exit = PEAK - 1`` (sold at the peak).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rustybt import Asset, Strategy
from rustybt.data.bars import BarPanel
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.data_portal import BarData
from rustybt.errors import ConfigError

PEAK = 36
BARS = 80


def peak_panel(bars: int = BARS, peak: int = PEAK) -> BarPanel:
    steps = np.where(np.arange(bars) <= peak, np.arange(bars), 2 * peak - np.arange(bars))
    close = (100.0 + steps).reshape(-1, 1)
    index = pd.bdate_range("2020-01-01", periods=bars, tz="UTC")
    return BarPanel(
        index=index,
        assets=(Asset("PEAK"),),
        open=close.copy(),
        high=close + 0.5,
        low=close - 0.5,
        close=close.copy(),
        volume=np.full_like(close, 1e9),
    )


class HoldWindow(Strategy):
    def __init__(self, *, entry: int = 0, exit: int = 10) -> None:
        if exit < 0:
            raise ConfigError("exit must be >= 0", context={"exit": exit})
        super().__init__(entry=entry, exit=exit)
        self.entry, self.exit = entry, exit
        self.bar = -1

    def initialize(self, context: TradingContext) -> None:
        self.bar = -1

    def handle_data(self, context: TradingContext, data: BarData) -> None:
        self.bar += 1
        asset = context.assets[0]
        if self.bar == self.entry:
            context.order_target_percent(asset, 0.5)
        elif self.bar == self.exit:
            context.order_target_percent(asset, 0.0)
