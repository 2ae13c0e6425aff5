"""zipline-style free functions: ``from rustybt.api import order_target_percent``.

Each forwards to the context of the backtest currently running in this thread,
so code written for zipline's ``zipline.api`` reads the same here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from decimal import Decimal

import pandas as pd

from rustybt.assets import Asset
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.controls import OnError
from rustybt.engine.data_portal import AssetLike
from rustybt.engine.execution import (
    FixedBasisPoints,
    NoCommission,
    NoSlippage,
    PerDollar,
    PerShare,
    PerTrade,
    VolumeShareSlippage,
)
from rustybt.engine.orders import Order
from rustybt.engine.scheduling import DateRule, TimeRule, date_rules, time_rules
from rustybt.errors import StrategyError

__all__ = [
    "FixedBasisPoints",
    "NoCommission",
    "NoSlippage",
    "PerDollar",
    "PerShare",
    "PerTrade",
    "VolumeShareSlippage",
    "cancel_order",
    "date_rules",
    "get_datetime",
    "get_open_orders",
    "order",
    "order_percent",
    "order_target",
    "order_target_percent",
    "order_target_value",
    "order_value",
    "record",
    "schedule_function",
    "set_benchmark",
    "set_commission",
    "set_do_not_order_list",
    "set_long_only",
    "set_max_leverage",
    "set_max_order_count",
    "set_max_order_size",
    "set_max_position_size",
    "set_slippage",
    "symbol",
    "symbols",
    "time_rules",
]

current_context: ContextVar[TradingContext | None] = ContextVar("rustybt_context", default=None)


def _context() -> TradingContext:
    context = current_context.get()
    if context is None:
        raise StrategyError(
            "rustybt.api functions only work while a backtest is running",
            hint="call them from initialize/handle_data, or use the context's methods",
        )
    return context


def order(
    asset: AssetLike,
    amount: float | int | Decimal,
    limit_price: float | None = None,
    stop_price: float | None = None,
) -> Order | None:
    return _context().order(asset, amount, limit_price, stop_price)


def order_value(
    asset: AssetLike,
    value: float,
    limit_price: float | None = None,
    stop_price: float | None = None,
) -> Order | None:
    return _context().order_value(asset, value, limit_price, stop_price)


def order_percent(
    asset: AssetLike,
    percent: float,
    limit_price: float | None = None,
    stop_price: float | None = None,
) -> Order | None:
    return _context().order_percent(asset, percent, limit_price, stop_price)


def order_target(
    asset: AssetLike,
    target: float | int | Decimal,
    limit_price: float | None = None,
    stop_price: float | None = None,
) -> Order | None:
    return _context().order_target(asset, target, limit_price, stop_price)


def order_target_value(
    asset: AssetLike,
    target: float,
    limit_price: float | None = None,
    stop_price: float | None = None,
) -> Order | None:
    return _context().order_target_value(asset, target, limit_price, stop_price)


def order_target_percent(
    asset: AssetLike,
    target: float,
    limit_price: float | None = None,
    stop_price: float | None = None,
) -> Order | None:
    return _context().order_target_percent(asset, target, limit_price, stop_price)


def get_open_orders(asset: AssetLike | None = None) -> list[Order]:
    return _context().get_open_orders(asset)


def cancel_order(order_or_id: Order | str) -> None:
    _context().cancel_order(order_or_id)


def record(**values: float) -> None:
    _context().record(**values)


def schedule_function(
    func: Callable[..., object],
    date_rule: DateRule | None = None,
    time_rule: TimeRule | None = None,
) -> None:
    _context().schedule_function(func, date_rule, time_rule)


def set_commission(model: PerShare | PerTrade | PerDollar | NoCommission) -> None:
    _context().set_commission(model)


def set_slippage(model: FixedBasisPoints | VolumeShareSlippage | NoSlippage) -> None:
    _context().set_slippage(model)


def set_benchmark(benchmark: AssetLike | pd.Series) -> None:
    _context().set_benchmark(benchmark)


def symbol(ticker: str) -> Asset:
    return _context().symbol(ticker)


def symbols(*tickers: str) -> list[Asset]:
    return _context().symbols(*tickers)


def get_datetime() -> pd.Timestamp:
    return _context().get_datetime()


# -- trading controls (zipline names; see docs/risk-controls.md) ----------------------
def set_long_only(on_error: OnError = "fail") -> None:
    _context().set_long_only(on_error)


def set_max_leverage(max_leverage: float, on_error: OnError = "fail") -> None:
    _context().set_max_leverage(max_leverage, on_error)


def set_max_position_size(
    asset: AssetLike | None = None,
    max_shares: float | None = None,
    max_notional: float | None = None,
    on_error: OnError = "fail",
) -> None:
    _context().set_max_position_size(asset, max_shares, max_notional, on_error)


def set_max_order_size(
    asset: AssetLike | None = None,
    max_shares: float | None = None,
    max_notional: float | None = None,
    on_error: OnError = "fail",
) -> None:
    _context().set_max_order_size(asset, max_shares, max_notional, on_error)


def set_max_order_count(max_count: int, on_error: OnError = "fail") -> None:
    _context().set_max_order_count(max_count, on_error)


def set_do_not_order_list(restricted_list: Iterable[AssetLike], on_error: OnError = "fail") -> None:
    _context().set_do_not_order_list(restricted_list, on_error)
