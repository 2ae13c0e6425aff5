"""Mean reversion traded with limit orders.

For each asset, the z-score of the close against its rolling mean is

    z = (close - mean(close, window)) / std(close, window)      (population std)

* **Entry**: when a flat asset's z falls below ``-entry_z``, bid for it with a
  DAY limit order ``limit_offset`` below the close. If the next session does not
  trade down to the bid, the order expires: no chasing.
* **Exit at the mean**: once held, a GTC sell limit rests at the rolling mean.
  The mean moves, so an exit order older than ``reprice_after`` bars is stale:
  it is cancelled and placed again at the current mean.
* **Stop**: when the close falls ``stop_loss`` below the average cost, the exit
  limit is cancelled and the position sold at the next open (market order).

At most ``max_positions`` assets are held (or bid for) at once, each sized at
``1 / max_positions`` of the portfolio.

Run it::

    rustybt run examples/mean_reversion_limits.py --param entry_z=2.5
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pandas as pd

from rustybt import Asset, Strategy
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.data_portal import BarData
from rustybt.engine.orders import Order
from rustybt.errors import ConfigError

__all__ = ["MeanReversionLimits"]


class MeanReversionLimits(Strategy):
    """Buy deep dips with limit orders, sell at the rolling mean or on a stop.

    Args:
        window: bars in the rolling mean and standard deviation (default 20).
        entry_z: enter when z < -entry_z (default 2.0).
        limit_offset: the entry bid sits this fraction below the close (default 0.005).
        stop_loss: exit when the close is this fraction below the average cost
            (default 0.08).
        reprice_after: bars an exit limit rests before it is re-priced (default 5).
        max_positions: most assets held or bid for at once (default 10).
    """

    def __init__(
        self,
        *,
        window: int = 20,
        entry_z: float = 2.0,
        limit_offset: float = 0.005,
        stop_loss: float = 0.08,
        reprice_after: int = 5,
        max_positions: int = 10,
    ) -> None:
        checks = {
            "window >= 2": window >= 2,
            "entry_z > 0": entry_z > 0,
            "0 <= limit_offset < 1": 0 <= limit_offset < 1,
            "0 < stop_loss < 1": 0 < stop_loss < 1,
            "reprice_after >= 1": reprice_after >= 1,
            "max_positions >= 1": max_positions >= 1,
        }
        failed = [rule for rule, ok in checks.items() if not ok]
        if failed:
            raise ConfigError(
                f"invalid mean reversion parameters: need {', '.join(failed)}",
                context={
                    "window": window,
                    "entry_z": entry_z,
                    "limit_offset": limit_offset,
                    "stop_loss": stop_loss,
                    "reprice_after": reprice_after,
                    "max_positions": max_positions,
                },
            )
        super().__init__(
            window=window,
            entry_z=entry_z,
            limit_offset=limit_offset,
            stop_loss=stop_loss,
            reprice_after=reprice_after,
            max_positions=max_positions,
        )
        self.window = window
        self.entry_z = entry_z
        self.limit_offset = limit_offset
        self.stop_loss = stop_loss
        self.reprice_after = reprice_after
        self.max_positions = max_positions
        self.universe: tuple[Asset, ...] = ()

    def initialize(self, context: TradingContext) -> None:
        self.universe = context.assets

    def handle_data(self, context: TradingContext, data: BarData) -> None:
        window = data.history(self.universe, "close", self.window)
        assert isinstance(window, pd.DataFrame)  # several assets: always a DataFrame
        closes = window.to_numpy()
        mean = closes.mean(axis=0)
        std = closes.std(axis=0)
        last = closes[-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (last - mean) / std

        open_orders: dict[Asset, list[Order]] = defaultdict(list)
        for order in context.get_open_orders():
            open_orders[order.asset].append(order)
        positions = context.portfolio.positions

        for asset in list(positions):
            column = data.column(asset)
            self._manage_exit(
                context, data, asset, float(last[column]), float(mean[column]), open_orders[asset]
            )

        busy = set(positions) | set(open_orders)
        slots = self.max_positions - len(busy)
        if slots <= 0:
            return
        # Deepest dips first, when more assets qualify than there are free slots.
        candidates = np.flatnonzero(z < -self.entry_z)
        for column in candidates[np.argsort(z[candidates], kind="stable")]:
            asset = self.universe[column]
            if asset in busy or not data.can_trade(asset):
                continue
            self._enter(context, asset, float(last[column]), float(z[column]))
            slots -= 1
            if slots == 0:
                break

    def _enter(self, context: TradingContext, asset: Asset, close: float, z: float) -> None:
        limit = round(close * (1.0 - self.limit_offset), 2)
        budget = context.portfolio.portfolio_value / self.max_positions
        quantity = math.floor(budget / limit)
        if quantity <= 0:
            return
        context.order(asset, quantity, limit_price=limit, time_in_force="day")
        context.log_decision(
            "bid",
            reason=f"z-score {z:.2f} below -{self.entry_z}",
            symbol=asset.symbol,
            close=close,
            limit=limit,
        )

    def _manage_exit(
        self,
        context: TradingContext,
        data: BarData,
        asset: Asset,
        close: float,
        mean: float,
        orders: list[Order],
    ) -> None:
        if any(order.is_buy for order in orders):
            return  # an entry is still working (intraday data): wait for it to finish
        position = context.portfolio.positions[asset]
        amount = position.amount
        stop_level = float(position.cost_basis) * (1.0 - self.stop_loss)
        if close <= stop_level:
            for order in orders:
                context.cancel_order(order)
            context.order(asset, -amount)
            context.log_decision(
                "stop",
                reason=f"close {close:.2f} at or below stop {stop_level:.2f}",
                symbol=asset.symbol,
            )
            return
        if math.isnan(mean):
            return
        stale = [o for o in orders if data.bar - o.created_bar >= self.reprice_after]
        if orders and not stale:
            return
        for order in stale:
            context.cancel_order(order)
        context.order(asset, -amount, limit_price=round(mean, 2), time_in_force="gtc")
        context.log_decision(
            "reprice exit" if stale else "exit at mean",
            reason=f"sell limit at the {self.window}-bar mean",
            symbol=asset.symbol,
            limit=round(mean, 2),
        )
