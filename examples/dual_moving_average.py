"""Dual moving-average crossover, one signal per asset.

Each asset is held at an equal weight of 1/N of the portfolio while its fast
simple moving average of the close is above its slow one, and sold when the fast
average falls back below. Orders go out only when an asset's state changes, so
the strategy trades a few times per asset per year, not every bar.

Written for speed: one ``data.history`` call per bar fetches every asset's last
``slow`` closes as a DataFrame, and the averages are numpy means over its array.

Run it::

    rustybt run examples/dual_moving_average.py
    rustybt run examples/dual_moving_average.py --param fast=10 --param slow=40

or from Python::

    from rustybt import load_strategy_file, run_backtest
    from rustybt.data.synthetic import demo_panel

    strategy = load_strategy_file("examples/dual_moving_average.py", fast=10, slow=40)
    result = run_backtest(strategy, demo_panel())
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rustybt import Asset, Strategy
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.data_portal import BarData
from rustybt.errors import ConfigError

__all__ = ["DualMovingAverage"]


class DualMovingAverage(Strategy):
    """Long each asset while SMA(fast) > SMA(slow) of its close; flat otherwise.

    Args:
        fast: bars in the fast average (default 20).
        slow: bars in the slow average (default 50); must exceed ``fast``.
    """

    def __init__(self, *, fast: int = 20, slow: int = 50) -> None:
        if not 0 < fast < slow:
            raise ConfigError(
                "need 0 < fast < slow for a crossover",
                context={"fast": fast, "slow": slow},
                hint="e.g. fast=20, slow=50",
            )
        super().__init__(fast=fast, slow=slow)
        self.fast = fast
        self.slow = slow
        self.universe: tuple[Asset, ...] = ()
        self.weight = 0.0
        self.long = np.zeros(0, dtype=bool)

    def initialize(self, context: TradingContext) -> None:
        # Per-run state is reset here, so one instance can run many backtests in turn.
        self.universe = context.assets
        self.weight = 1.0 / len(self.universe)
        # What we asked to hold: the state that decides when to order.
        self.long = np.zeros(len(self.universe), dtype=bool)

    def handle_data(self, context: TradingContext, data: BarData) -> None:
        window = data.history(self.universe, "close", self.slow)
        assert isinstance(window, pd.DataFrame)  # several assets: always a DataFrame
        closes = window.to_numpy()
        fast_ma = closes[-self.fast :].mean(axis=0)
        slow_ma = closes.mean(axis=0)
        want = fast_ma > slow_ma
        # A NaN in the window (warm-up, a listing or a data gap) means no signal:
        # the asset keeps its state rather than being sold on missing data.
        ready = ~np.isnan(slow_ma)
        changed = np.flatnonzero((want != self.long) & ready)
        # Sells first: their cash comes back before the buys fill at the same open.
        for column in sorted(changed, key=lambda c: bool(want[c])):
            asset = self.universe[column]
            if not data.can_trade(asset):
                continue
            enter = bool(want[column])
            context.order_target_percent(asset, self.weight if enter else 0.0)
            self.long[column] = enter
            context.log_decision(
                "enter" if enter else "exit",
                reason=f"SMA{self.fast} {'above' if enter else 'below'} SMA{self.slow}",
                symbol=asset.symbol,
                fast_ma=float(fast_ma[column]),
                slow_ma=float(slow_ma[column]),
            )
        context.record(assets_long=float(self.long.sum()))
