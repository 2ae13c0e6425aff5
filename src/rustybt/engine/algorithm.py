"""The ``context`` a strategy receives: its own attributes plus the zipline trading API.

Users set their own attributes on it (``context.assets = ...``). The API methods
are also reachable as free functions from `rustybt.api`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rustybt.assets import Asset
from rustybt.data.bars import FloatArray
from rustybt.engine.blotter import Blotter
from rustybt.engine.controls import Controls, OnError, OrderCheck
from rustybt.engine.data_portal import AssetLike, BarData
from rustybt.engine.execution import CommissionModel, SlippageModel
from rustybt.engine.ledger import Ledger
from rustybt.engine.orders import Order, OrderType, TimeInForce
from rustybt.engine.portfolio import Portfolio
from rustybt.engine.scheduling import DateRule, ScheduledFunction, TimeRule, date_rules, time_rules
from rustybt.errors import OrderError, StrategyError
from rustybt.money import to_decimal

if TYPE_CHECKING:
    from rustybt.engine.recorder import Recorder

__all__ = ["TradingContext"]

_FRACTION_QUANTUM = Decimal("1e-8")


class TradingContext:
    """State shared with the strategy, and the order API."""

    def __init__(
        self,
        *,
        data: BarData,
        ledger: Ledger,
        blotter: Blotter,
        quantities: FloatArray,
        recorder: Recorder,
        day_order_expiry: Callable[[int], int],
        params: dict[str, object],
    ) -> None:
        # Engine internals live behind one underscore-prefixed attribute so user
        # attributes can never shadow them.
        self._data = data
        self._ledger = ledger
        self._blotter = blotter
        self._quantities = quantities
        self._recorder = recorder
        self._day_order_expiry = day_order_expiry
        self._next_order_id = 0
        self._scheduled: list[ScheduledFunction] = []
        self._benchmark: Asset | str | pd.Series | None = None
        self._initialized = False
        self._controls = Controls()
        self.params = params
        zero_prices = np.nan_to_num(data._prices)
        self._value_prices = zero_prices
        fills = blotter.fills
        self.portfolio = Portfolio(
            ledger,
            quantities,
            lambda: zero_prices[max(data.bar, 0)],
            self._price_of,
            lambda: (data.bar, len(fills)),
        )

    # -- prices ------------------------------------------------------------------
    def _price_of(self, asset: Asset) -> float:
        data = self._data
        return float(data._prices[max(data.bar, 0), data.column(asset)])

    def get_datetime(self) -> pd.Timestamp:
        return self._data.current_dt

    # -- assets --------------------------------------------------------------------
    def symbol(self, symbol: str) -> Asset:
        return self._data.asset(symbol)

    def symbols(self, *symbols: str) -> list[Asset]:
        return [self._data.asset(s) for s in symbols]

    @property
    def assets(self) -> tuple[Asset, ...]:
        """Every asset in the backtest data."""
        return self._data._panel.assets

    # -- orders --------------------------------------------------------------------
    def order(
        self,
        asset: AssetLike,
        amount: float | int | Decimal,
        limit_price: float | None = None,
        stop_price: float | None = None,
        *,
        time_in_force: TimeInForce | str = TimeInForce.GTC,
    ) -> Order | None:
        """Order ``amount`` units (negative sells). Returns the order, or None for 0.

        Non-fractional assets trade whole units: the amount is truncated toward zero.
        """
        resolved = self._data.asset(asset)
        requested = to_decimal(amount)
        if not requested.is_finite():
            # A NaN weight or an infinite size would otherwise reach the matching engine.
            raise OrderError(
                f"order amount for {resolved.symbol} must be a finite number, not {amount!r}",
                context={"asset": resolved.symbol, "amount": amount},
                hint="check the signal or weight the order was sized from (NaN?)",
            )
        quantity = self._round_quantity(resolved, requested)
        if quantity == 0:
            return None
        if limit_price is not None and stop_price is not None:
            kind = OrderType.STOP_LIMIT
        elif limit_price is not None:
            kind = OrderType.LIMIT
        elif stop_price is not None:
            kind = OrderType.STOP
        else:
            kind = OrderType.MARKET
        data = self._data
        bar = data.bar
        if bar < 0:
            raise StrategyError(
                "orders cannot be placed in initialize()",
                hint="place orders in handle_data or a scheduled function",
            )
        tif = TimeInForce(time_in_force)
        self._next_order_id += 1
        order = Order(
            id=str(self._next_order_id),
            asset=resolved,
            quantity=quantity,
            created=data.timestamp(bar),
            created_bar=bar,
            decision_price=float(data._prices[bar, data.column(resolved)]),
            order_type=kind,
            limit_price=None if limit_price is None else to_decimal(float(limit_price)),
            stop_price=None if stop_price is None else to_decimal(float(stop_price)),
            time_in_force=tif,
            expires_bar=self._day_order_expiry(bar) if tif is TimeInForce.DAY else None,
        )
        if math.isnan(order.decision_price):
            self._blotter.reject(order, order.created, "no price yet for this asset")
            return order
        refusal = self._blotter.refusal()
        if refusal is not None:
            self._blotter.reject(order, order.created, refusal)
            return order
        if self._controls.active:
            violation = self._controls.check_order(
                OrderCheck(
                    asset=resolved,
                    quantity=quantity,
                    price=order.decision_price,
                    held=self._ledger.quantity(resolved),
                    when=order.created,
                    limit_price=order.limit_price,
                    stop_price=order.stop_price,
                )
            )
            if violation is not None:
                self._blotter.reject(order, order.created, f"risk control: {violation.reason}")
                return order
        return self._blotter.submit(order)

    @staticmethod
    def _round_quantity(asset: Asset, quantity: Decimal) -> Decimal:
        if asset.fractional:
            return quantity.quantize(_FRACTION_QUANTUM, rounding=ROUND_DOWN)
        return quantity.to_integral_value(rounding=ROUND_DOWN)

    def _current_price(self, asset: Asset) -> float:
        price = self._price_of(asset)
        if math.isnan(price) or price <= 0:
            raise OrderError(
                f"cannot size an order for {asset.symbol}: it has no price yet",
                context={"asset": asset.symbol, "time": str(self._data.current_dt)},
                hint="check data.can_trade(asset) before ordering",
            )
        return price

    def order_value(
        self,
        asset: AssetLike,
        value: float,
        limit_price: float | None = None,
        stop_price: float | None = None,
    ) -> Order | None:
        """Order as many units as ``value`` (currency; negative sells) buys at the last price."""
        resolved = self._data.asset(asset)
        amount = to_decimal(value) / to_decimal(self._current_price(resolved))
        return self.order(resolved, amount, limit_price, stop_price)

    def order_percent(
        self,
        asset: AssetLike,
        percent: float,
        limit_price: float | None = None,
        stop_price: float | None = None,
    ) -> Order | None:
        """Order ``percent`` (0.1 = 10%) of current portfolio value."""
        return self.order_value(
            asset, percent * self.portfolio.portfolio_value, limit_price, stop_price
        )

    def order_target(
        self,
        asset: AssetLike,
        target: float | int | Decimal,
        limit_price: float | None = None,
        stop_price: float | None = None,
    ) -> Order | None:
        """Order what brings the holding to ``target`` units, counting open orders
        (unlike zipline, so calling it every bar does not stack duplicate orders)."""
        resolved = self._data.asset(asset)
        held = self._ledger.quantity(resolved) + self._blotter.pending(resolved)
        return self.order(resolved, to_decimal(target) - held, limit_price, stop_price)

    def order_target_value(
        self,
        asset: AssetLike,
        target: float,
        limit_price: float | None = None,
        stop_price: float | None = None,
    ) -> Order | None:
        """Order what brings the holding's value to ``target`` at the last price."""
        resolved = self._data.asset(asset)
        units = to_decimal(target) / to_decimal(self._current_price(resolved))
        return self.order_target(
            resolved, self._round_quantity(resolved, units), limit_price, stop_price
        )

    def order_target_percent(
        self,
        asset: AssetLike,
        target: float,
        limit_price: float | None = None,
        stop_price: float | None = None,
    ) -> Order | None:
        """Order what brings the holding to ``target`` (0.1 = 10%) of portfolio value."""
        return self.order_target_value(
            asset, target * self.portfolio.portfolio_value, limit_price, stop_price
        )

    def get_open_orders(self, asset: AssetLike | None = None) -> list[Order]:
        orders = self._blotter.open_orders
        if asset is None:
            return list(orders)
        resolved = self._data.asset(asset)
        return [o for o in orders if o.asset == resolved]

    def get_order(self, order_id: str) -> Order:
        for order in self._blotter.all_orders:
            if order.id == order_id:
                return order
        raise OrderError(f"no order with id {order_id!r}", context={"order_id": order_id})

    def cancel_order(self, order: Order | str) -> None:
        resolved = self.get_order(order) if isinstance(order, str) else order
        self._blotter.cancel(resolved, self._data.current_dt)

    # -- configuration ---------------------------------------------------------------
    def _configure(self, what: str) -> None:
        if self._initialized:
            raise StrategyError(
                f"{what} can only be called in initialize()",
                hint="move the call into initialize(context)",
            )

    def set_commission(self, model: CommissionModel) -> None:
        self._configure("set_commission")
        self._blotter.commission = model

    def set_slippage(self, model: SlippageModel) -> None:
        self._configure("set_slippage")
        self._blotter.slippage = model

    def set_volume_limit(self, fraction: float | None) -> None:
        """Share of each bar's volume an order may take (None: no cap)."""
        self._configure("set_volume_limit")
        self._blotter.volume_limit = fraction

    # -- trading controls (zipline names; same code in backtests and live) ------------
    def set_long_only(self, on_error: OnError = "fail") -> None:
        """Refuse any order that would leave a short position."""
        self._configure("set_long_only")
        self._controls.long_only = on_error

    def set_max_leverage(self, max_leverage: float, on_error: OnError = "fail") -> None:
        """Stop when gross leverage (gross exposure / equity) exceeds ``max_leverage``."""
        self._configure("set_max_leverage")
        if not max_leverage > 0:
            raise StrategyError(f"max_leverage must be positive, not {max_leverage!r}")
        self._controls.max_leverage = (float(max_leverage), on_error)

    def set_max_position_size(
        self,
        asset: AssetLike | None = None,
        max_shares: float | None = None,
        max_notional: float | None = None,
        on_error: OnError = "fail",
    ) -> None:
        """Limit the position (after each order) in ``asset`` (None: every asset)."""
        self._configure("set_max_position_size")
        resolved = None if asset is None else self._data.asset(asset)
        self._controls.add_size(
            "max_position_size", resolved, max_shares, max_notional, on_error, position=True
        )

    def set_max_order_size(
        self,
        asset: AssetLike | None = None,
        max_shares: float | None = None,
        max_notional: float | None = None,
        on_error: OnError = "fail",
    ) -> None:
        """Limit each order's size in ``asset`` (None: every asset)."""
        self._configure("set_max_order_size")
        resolved = None if asset is None else self._data.asset(asset)
        self._controls.add_size(
            "max_order_size", resolved, max_shares, max_notional, on_error, position=False
        )

    def set_max_order_count(self, max_count: int, on_error: OnError = "fail") -> None:
        """Allow at most ``max_count`` orders per session."""
        self._configure("set_max_order_count")
        if max_count < 0:
            raise StrategyError(f"max_count cannot be negative, not {max_count!r}")
        self._controls.max_order_count = (int(max_count), on_error)

    def set_do_not_order_list(
        self, restricted_list: Iterable[AssetLike], on_error: OnError = "fail"
    ) -> None:
        """Refuse orders in the listed assets (symbols or assets)."""
        self._configure("set_do_not_order_list")
        self._controls.restricted.update(
            a.symbol if isinstance(a, Asset) else str(a) for a in restricted_list
        )
        self._controls.restricted_on_error = on_error

    def set_benchmark(self, benchmark: AssetLike | pd.Series) -> None:
        """An asset of the data (its close-to-close returns) or a returns Series."""
        self._configure("set_benchmark")
        self._benchmark = benchmark

    def schedule_function(
        self,
        func: Callable[..., object],
        date_rule: DateRule | None = None,
        time_rule: TimeRule | None = None,
    ) -> None:
        """Call ``func(context, data)`` on the bars the rules select."""
        self._configure("schedule_function")
        self._scheduled.append(
            ScheduledFunction(
                func, date_rule or date_rules.every_day(), time_rule or time_rules.market_open()
            )
        )

    # -- records -------------------------------------------------------------------
    def record(self, **values: float) -> None:
        """Store named values for this bar; they become columns of ``result.perf``."""
        if self._data.bar < 0:
            # Bar -1 would index the last session and silently record there.
            raise StrategyError(
                "record() cannot be called in initialize(): no session has started",
                hint="record from handle_data or a scheduled function",
            )
        self._recorder.record(self._data.bar, values)

    def log_decision(self, signal: str, *, reason: str = "", **details: object) -> None:
        """Keep a strategy decision (signal, reason, parameters) with the result,
        and write it to the audit log (``strategy.decision``) when one is on."""
        when = self._data.current_dt
        self._recorder.decision(when, signal, reason, details)
        audit = self._blotter.audit
        if audit is not None:
            audit.decision(when, signal, reason, details)
