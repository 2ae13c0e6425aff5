"""The ``context`` a strategy receives: its own attributes plus the zipline trading API.

Users set their own attributes on it (``context.assets = ...``). The API methods
are also reachable as free functions from `rustybt.api`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_DOWN, Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rustybt.assets import Asset
from rustybt.data.bars import FloatArray
from rustybt.engine.account import Account
from rustybt.engine.blotter import Blotter
from rustybt.engine.configuration import ContextConfiguration, asset_by_sid
from rustybt.engine.controls import Controls, OnError, OrderCheck
from rustybt.engine.data_portal import AssetLike, BarData
from rustybt.engine.ledger import Ledger
from rustybt.engine.numbers import order_decimal
from rustybt.engine.order_modify import order_change
from rustybt.engine.order_styles import ExecutionStyle
from rustybt.engine.orders import Order, OrderType, TimeInForce
from rustybt.engine.portfolio import Portfolio
from rustybt.engine.scheduling import ScheduledFunction
from rustybt.errors import OrderError, StrategyError
from rustybt.money import ZERO, to_decimal

if TYPE_CHECKING:
    from rustybt.engine.recorder import Recorder
    from rustybt.pipeline import Pipeline
    from rustybt.pipeline.attached import AttachedPipelines

__all__ = ["TradingContext"]


def _nan_as_zero(prices: FloatArray, *, copy: bool = True) -> FloatArray:
    """``np.nan_to_num(prices)``: the same array, in two passes instead of five when
    every value is a number or NaN (prices are; NaN before an asset's first trade).
    With ``copy`` False, prices that are all finite are returned as they are (one
    pass, no 40 MB copy at 2,000 x 2,520)."""
    if not copy and np.isfinite(prices).all():
        return prices
    zeroed = prices.copy()
    np.copyto(zeroed, 0.0, where=np.isnan(zeroed))
    if not np.isfinite(zeroed).all():  # an infinity: nan_to_num's largest finite float
        return np.nan_to_num(prices)
    return zeroed


def _price_of(data: BarData, asset: Asset) -> float:
    """The asset's forward-filled price at the current bar (the first bar's before it)."""
    # ``item`` gives the Python float at once (indexing boxes an np.float64 first).
    price: float = data._prices.item(max(data.bar, 0), data.column(asset))
    return price


_FRACTION_QUANTUM = Decimal("1e-8")

# Enum members read once: on Python 3.11 ``OrderType.MARKET`` runs EnumType's
# Python-level attribute hook (~70 ns); a module constant is a dict read.
_MARKET = OrderType.MARKET
_DAY = TimeInForce.DAY


class TradingContext(ContextConfiguration):
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
        self._benchmark: AssetLike | pd.Series | None = None
        self._initialized = False
        self._controls = Controls()
        self._time_in_force = TimeInForce.GTC
        self._environment: dict[str, object] = {"platform": "rustybt", "arena": "backtest"}
        self._user_assets: object = None
        # Created on first use: most strategies attach no pipeline, and importing the
        # pipeline package costs start-up time (a live restart pays it before trading).
        self._pipelines: AttachedPipelines | None = None
        self.params = params
        self._equity_seen: tuple[float, Decimal] = (math.nan, Decimal("NaN"))
        # (target object, equity, target value) of the last order_target_percent.
        self._target_value_seen: tuple[object, Decimal, Decimal] = (None, Decimal("NaN"), ZERO)
        # A live run writes each arriving bar's prices in (`rustybt.live.bar_writer`).
        zero_prices = _nan_as_zero(data._prices, copy=data.live)
        self._value_prices = zero_prices
        fill_values = blotter.fills.flat  # appended to, never replaced
        # The portfolio's callables read the data, never this context: a context that
        # its own portfolio pointed back at would be a reference cycle, and a finished
        # run's orders would then wait for a full collection instead of being freed
        # when the run is dropped (many runs in one process: optimisation, notebooks).
        self.portfolio = Portfolio(
            ledger,
            quantities,
            lambda: zero_prices[max(data.bar, 0)],
            partial(_price_of, data),
            lambda: (data.bar, len(fill_values)),
            partial(asset_by_sid, data),  # raises UnknownSymbol for keys of other types
            data.last_sale_date,
        )
        self.account = Account(self.portfolio)

    # -- prices ------------------------------------------------------------------
    def _price_of(self, asset: Asset) -> float:
        return _price_of(self._data, asset)

    def get_datetime(self, tz: str | None = None) -> pd.Timestamp:
        """The current bar's time (UTC, or converted to ``tz``)."""
        now = self._data.current_dt
        return now if tz is None else now.tz_convert(tz)

    # -- assets --------------------------------------------------------------------
    def symbol(self, symbol: str, country_code: str | None = None) -> Asset:
        return self._data.asset(symbol)

    def symbols(self, *symbols: str, country_code: str | None = None) -> list[Asset]:
        return [self._data.asset(s) for s in symbols]

    # Any: once the strategy assigns ``context.assets`` it holds whatever the user chose.
    @property
    def assets(self) -> Any:
        """Every asset in the backtest data, until the strategy sets its own
        ``context.assets`` (zipline code often does): then that value."""
        if self._user_assets is not None:
            return self._user_assets
        return self._data._panel.assets

    @assets.setter
    def assets(self, value: object) -> None:
        self._user_assets = value

    # -- orders --------------------------------------------------------------------
    def order(
        self,
        asset: AssetLike,
        amount: object,
        limit_price: object = None,
        stop_price: object = None,
        style: ExecutionStyle | None = None,
        *,
        time_in_force: TimeInForce | str | None = None,
    ) -> Order | None:
        """Order ``amount`` units (negative sells). Returns the order, or None for 0.

        ``amount`` may be any real number (numpy scalars, Decimal, Fraction);
        NaN or infinity raise `OrderError`. Non-fractional assets trade whole
        units: the amount is truncated toward zero. ``style`` (a zipline order
        style such as ``LimitOrder(10.5)``) replaces ``limit_price``/``stop_price``.
        """
        resolved = self._data.asset(asset)
        requested = order_decimal(amount, "amount", resolved.symbol)
        return self._place(resolved, requested, limit_price, stop_price, style, time_in_force)

    def _place(
        self,
        resolved: Asset,
        requested: Decimal,
        limit_price: object,
        stop_price: object,
        style: ExecutionStyle | None,
        time_in_force: TimeInForce | str | None = None,
        price: float | None = None,
    ) -> Order | None:
        """`order` once the asset is resolved and the amount is an exact finite Decimal.

        The sizing calls (``order_target*``, ``order_value``, ``order_percent``)
        enter here directly: their amounts are Decimals they computed, so the
        resolving and checking `order` does for user input is not repeated.
        ``price``: the asset's price at this bar when the caller already read it
        for sizing (the order's decision price; read again otherwise)."""
        if limit_price is None and stop_price is None and style is None:
            limit = stop = None
            kind = _MARKET
        else:
            limit, stop = self._order_prices(resolved, limit_price, stop_price, style)
            if limit is not None and stop is not None:
                kind = OrderType.STOP_LIMIT
            elif limit is not None:
                kind = OrderType.LIMIT
            elif stop is not None:
                kind = OrderType.STOP
            else:
                kind = OrderType.MARKET
        # `_round_quantity`, inline: every order passes here.
        quantity = (
            requested.quantize(_FRACTION_QUANTUM, ROUND_DOWN)
            if resolved.fractional
            else requested.to_integral_value(ROUND_DOWN)
        )
        if not quantity:
            return None
        data = self._data
        bar = data.bar
        if bar < 0:
            raise StrategyError(
                "orders cannot be placed in initialize() or before the first session",
                hint="place orders in handle_data or a scheduled function",
            )
        tif = (
            self._time_in_force
            if time_in_force is None
            else TimeInForce(time_in_force or self._time_in_force)
        )
        self._next_order_id += 1
        created = data.timestamp(bar)
        if price is None:
            price = data._prices.item(bar, data.column(resolved))
        # Positional, in `Order`'s field order (id, asset, quantity, created,
        # created_bar, decision_price, order_type, limit_price, stop_price,
        # time_in_force, expires_bar): keywords cost ~0.5 µs more per order.
        order = Order(
            str(self._next_order_id),
            resolved,
            quantity,
            created,
            bar,
            price,
            kind,
            limit,
            stop,
            tif,
            self._day_order_expiry(bar) if tif is _DAY else None,
        )
        blotter = self._blotter
        if price != price:  # NaN: `math.isnan` without the call
            blotter.reject(order, created, "no price yet for this asset")
            return order
        refusal = blotter.refusal()
        if refusal is not None:
            blotter.reject(order, created, refusal)
            return order
        if self._controls.active:
            violation = self._controls.check_order(
                OrderCheck(
                    asset=resolved,
                    quantity=quantity,
                    price=order.decision_price,
                    held=self._ledger.quantity(resolved),
                    when=created,
                    limit_price=order.limit_price,
                    stop_price=order.stop_price,
                )
            )
            if violation is not None:
                blotter.reject(order, created, f"risk control: {violation.reason}")
                return order
        return blotter.submit(order)

    @staticmethod
    def _order_prices(
        asset: Asset, limit_price: object, stop_price: object, style: ExecutionStyle | None
    ) -> tuple[Decimal | None, Decimal | None]:
        if style is not None:
            if limit_price is not None or stop_price is not None:
                raise OrderError(
                    "pass either style= or limit_price/stop_price, not both",
                    context={"asset": asset.symbol},
                    hint="e.g. order(asset, 10, style=LimitOrder(101.5))",
                )
            if not isinstance(style, ExecutionStyle):
                raise OrderError(
                    f"style must be an order style, not {type(style).__name__}",
                    context={"asset": asset.symbol},
                    hint="use MarketOrder, LimitOrder, StopOrder or StopLimitOrder",
                )
            return style.limit_price, style.stop_price
        limit = (
            None if limit_price is None else order_decimal(limit_price, "limit_price", asset.symbol)
        )
        stop = None if stop_price is None else order_decimal(stop_price, "stop_price", asset.symbol)
        return limit, stop

    @staticmethod
    def _round_quantity(asset: Asset, quantity: Decimal) -> Decimal:
        if asset.fractional:
            return quantity.quantize(_FRACTION_QUANTUM, ROUND_DOWN)
        # Positional: a keyword argument to a C method costs ~140 ns more per call.
        return quantity.to_integral_value(ROUND_DOWN)

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
        value: object,
        limit_price: object = None,
        stop_price: object = None,
        style: ExecutionStyle | None = None,
    ) -> Order | None:
        """Order as many units as ``value`` (currency; negative sells) buys at the last price."""
        resolved = self._data.asset(asset)
        cash = order_decimal(value, "value", resolved.symbol)
        return self._order_value(resolved, cash, limit_price, stop_price, style)

    def _order_value(
        self,
        resolved: Asset,
        cash: Decimal,
        limit_price: object,
        stop_price: object,
        style: ExecutionStyle | None,
    ) -> Order | None:
        price = self._current_price(resolved)
        amount = cash / to_decimal(price)
        return self._place(resolved, amount, limit_price, stop_price, style, None, price)

    def _equity(self) -> Decimal:
        """The portfolio value as a Decimal, converted once per value: it changes only
        with the bar or a fill, and a rebalance sizes hundreds of orders on it."""
        value = self.portfolio.portfolio_value
        seen, exact = self._equity_seen
        if value is not seen:  # the portfolio hands out its cached float object
            exact = to_decimal(value)
            self._equity_seen = (value, exact)
        return exact

    def order_percent(
        self,
        asset: AssetLike,
        percent: object,
        limit_price: object = None,
        stop_price: object = None,
        style: ExecutionStyle | None = None,
    ) -> Order | None:
        """Order ``percent`` (0.1 = 10%) of current portfolio value."""
        resolved = self._data.asset(asset)
        share = order_decimal(percent, "percent", resolved.symbol)
        value = share * self._equity()
        cash = order_decimal(value, "value", resolved.symbol)  # NaN equity: a clear error
        return self._order_value(resolved, cash, limit_price, stop_price, style)

    def order_target(
        self,
        asset: AssetLike,
        target: object,
        limit_price: object = None,
        stop_price: object = None,
        style: ExecutionStyle | None = None,
    ) -> Order | None:
        """Order what brings the holding to ``target`` units, counting open orders
        (unlike zipline, so calling it every bar does not stack duplicate orders)."""
        resolved = self._data.asset(asset)
        wanted = order_decimal(target, "target", resolved.symbol)
        return self._order_target(resolved, wanted, limit_price, stop_price, style)

    def _order_target(
        self,
        resolved: Asset,
        wanted: Decimal,
        limit_price: object,
        stop_price: object,
        style: ExecutionStyle | None,
        price: float | None = None,
    ) -> Order | None:
        held = self._ledger.quantity(resolved) + self._blotter.pending(resolved)
        return self._place(resolved, wanted - held, limit_price, stop_price, style, None, price)

    def order_target_value(
        self,
        asset: AssetLike,
        target: object,
        limit_price: object = None,
        stop_price: object = None,
        style: ExecutionStyle | None = None,
    ) -> Order | None:
        """Order what brings the holding's value to ``target`` at the last price."""
        resolved = self._data.asset(asset)
        wanted = order_decimal(target, "target value", resolved.symbol)
        return self._order_target_value(resolved, wanted, limit_price, stop_price, style)

    def _order_target_value(
        self,
        resolved: Asset,
        wanted: Decimal,
        limit_price: object,
        stop_price: object,
        style: ExecutionStyle | None,
    ) -> Order | None:
        price = self._current_price(resolved)
        units = wanted / to_decimal(price)
        target = self._round_quantity(resolved, units)
        return self._order_target(resolved, target, limit_price, stop_price, style, price)

    def order_target_percent(
        self,
        asset: AssetLike,
        target: object,
        limit_price: object = None,
        stop_price: object = None,
        style: ExecutionStyle | None = None,
    ) -> Order | None:
        """Order what brings the holding to ``target`` (0.1 = 10%) of portfolio value."""
        resolved = self._data.asset(asset)
        equity = self._equity()
        last_target, last_equity, wanted = self._target_value_seen
        # A rebalance passes the same weight object for many assets at one equity:
        # the same (immutable) inputs give the same checked Decimal, so it is reused.
        if target is not last_target or equity is not last_equity:
            share = order_decimal(target, "target percent", resolved.symbol)
            value = share * equity
            wanted = order_decimal(value, "target value", resolved.symbol)  # NaN equity: error
            self._target_value_seen = (target, equity, wanted)
        return self._order_target_value(resolved, wanted, limit_price, stop_price, style)

    def batch_market_order(self, share_counts: Mapping[AssetLike, object]) -> list[Order | None]:
        """One market order per ``{asset: amount}`` entry (zipline's batch_market_order)."""
        return [self.order(asset, amount) for asset, amount in share_counts.items()]

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

    def modify_order(
        self,
        order: Order | str,
        quantity: object = None,
        limit_price: object = None,
        stop_price: object = None,
    ) -> bool:
        """Change an open order's total ``quantity`` (signed, same side) and/or its
        ``limit_price`` / ``stop_price`` (see `rustybt.engine.order_modify`).

        True when the change took effect (a backtest: always); False when it was
        refused (trading halted) or is still unconfirmed by a live venue. Risk
        controls check the order as modified.
        """
        resolved = self.get_order(order) if isinstance(order, str) else order
        rounded = None
        if quantity is not None:
            amount = order_decimal(quantity, "quantity", resolved.asset.symbol)
            rounded = self._round_quantity(resolved.asset, amount)
        change = order_change(resolved, rounded, limit_price, stop_price)
        when = self._data.current_dt
        refusal = self._blotter.refusal()
        if refusal is not None:
            self._blotter.modify_refused(resolved, when, refusal)
            return False
        if self._controls.active:
            data = self._data
            violation = self._controls.check_order(
                OrderCheck(
                    asset=resolved.asset,
                    quantity=change.quantity - resolved.filled,
                    price=float(data._prices[data.bar, data.column(resolved.asset)]),
                    held=self._ledger.quantity(resolved.asset),
                    when=when,
                    limit_price=change.limit_price,
                    stop_price=change.stop_price,
                )
            )
            if violation is not None:
                self._blotter.modify_refused(resolved, when, f"risk control: {violation.reason}")
                return False
        return self._blotter.modify(resolved, change, when)

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

    # -- pipelines -----------------------------------------------------------------
    def attach_pipeline(
        self, pipeline: Pipeline, name: str, chunks: object = None, eager: bool = True
    ) -> Pipeline:
        """Register ``pipeline`` (in initialize); it is computed once for the whole run.
        ``chunks`` and ``eager`` are accepted for zipline compatibility."""
        self._configure("attach_pipeline")
        return self._attached().attach(pipeline, name)

    def pipeline_output(self, name: str) -> pd.DataFrame:
        """Today's rows of an attached pipeline, indexed by asset (data up to the
        previous session's close)."""
        return self._attached().output(name)

    def _attached(self) -> AttachedPipelines:
        if self._pipelines is None:
            from rustybt.pipeline.attached import AttachedPipelines

            self._pipelines = AttachedPipelines()
        return self._pipelines

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
