"""zipline's ``zipline.api`` for rustybt: ``from rustybt.api import order_target_percent``.

Each function forwards to the context of the backtest running in this thread,
with zipline's signatures and return values: the order functions return the
order's id (or None when nothing was ordered), ``get_open_orders()`` a dict of
asset -> open orders. The `TradingContext` methods behind them return `Order`
objects; class-based strategies keep using those.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar

import pandas as pd

from rustybt.assets import Asset
from rustybt.engine import scheduling as events
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.controls import OnError
from rustybt.engine.data_portal import AssetLike
from rustybt.engine.execution import FixedBasisPoints, NoCommission, PerDollar, PerShare, PerTrade
from rustybt.engine.order_styles import ExecutionStyle
from rustybt.engine.orders import Order
from rustybt.engine.scheduling import DateRule, TimeRule, date_rules, time_rules
from rustybt.errors import ConfigError, StrategyError
from rustybt.finance import cancel_policy, commission, execution, slippage
from rustybt.finance.cancel_policy import CancelPolicy, EODCancel, NeverCancel
from rustybt.finance.slippage import (
    FixedBasisPointsSlippage,
    FixedSlippage,
    NoSlippage,
    VolumeShareSlippage,
)
from rustybt.pipeline import Pipeline

__all__ = [  # noqa: RUF022  (grouped by origin, not sorted)
    # zipline.api's classes and modules
    "EODCancel",
    "FixedBasisPointsSlippage",
    "FixedSlippage",
    "NeverCancel",
    "VolumeShareSlippage",
    "calendars",
    "cancel_policy",
    "commission",
    "date_rules",
    "events",
    "execution",
    "slippage",
    "time_rules",
    # zipline.api's functions
    "batch_market_order",
    "cancel_order",
    "modify_order",
    "continuous_future",
    "fetch_csv",
    "future_symbol",
    "get_datetime",
    "get_environment",
    "get_open_orders",
    "get_order",
    "history",
    "order",
    "order_percent",
    "order_target",
    "order_target_percent",
    "order_target_value",
    "order_value",
    "record",
    "schedule_function",
    "set_benchmark",
    "set_cancel_policy",
    "set_commission",
    "set_slippage",
    "set_symbol_lookup_date",
    "sid",
    "symbol",
    "symbols",
    # Pipeline (rustybt.pipeline): the context's attach_pipeline / pipeline_output
    "attach_pipeline",
    "pipeline_output",
    # trading controls: the context's methods from rustybt.engine.controls
    "set_asset_restrictions",
    "set_do_not_order_list",
    "set_long_only",
    "set_max_leverage",
    "set_max_order_count",
    "set_max_order_size",
    "set_max_position_size",
    "set_min_leverage",
    # rustybt's own engine models (their defaults: see docs/orders.md)
    "FixedBasisPoints",
    "NoCommission",
    "NoSlippage",
    "PerDollar",
    "PerShare",
    "PerTrade",
]

current_context: ContextVar[TradingContext | None] = ContextVar("rustybt_context", default=None)

# zipline's ``calendars`` names; sessions come from the data, so they select nothing more.
calendars = types.SimpleNamespace(US_EQUITIES="us_equities", US_FUTURES="us_futures")


def _context() -> TradingContext:
    context = current_context.get()
    if context is None:
        raise StrategyError(
            "rustybt.api functions only work while a backtest is running",
            hint="call them from initialize/handle_data, or use the context's methods",
        )
    return context


def _id(order: Order | None) -> str | None:
    return None if order is None else order.id


def order(
    asset: AssetLike,
    amount: object,
    limit_price: object = None,
    stop_price: object = None,
    style: ExecutionStyle | None = None,
) -> str | None:
    """Order ``amount`` units; the order's id, or None when the amount rounds to 0."""
    return _id(_context().order(asset, amount, limit_price, stop_price, style))


def order_value(
    asset: AssetLike,
    value: object,
    limit_price: object = None,
    stop_price: object = None,
    style: ExecutionStyle | None = None,
) -> str | None:
    return _id(_context().order_value(asset, value, limit_price, stop_price, style))


def order_percent(
    asset: AssetLike,
    percent: object,
    limit_price: object = None,
    stop_price: object = None,
    style: ExecutionStyle | None = None,
) -> str | None:
    return _id(_context().order_percent(asset, percent, limit_price, stop_price, style))


def order_target(
    asset: AssetLike,
    target: object,
    limit_price: object = None,
    stop_price: object = None,
    style: ExecutionStyle | None = None,
) -> str | None:
    return _id(_context().order_target(asset, target, limit_price, stop_price, style))


def order_target_value(
    asset: AssetLike,
    target: object,
    limit_price: object = None,
    stop_price: object = None,
    style: ExecutionStyle | None = None,
) -> str | None:
    return _id(_context().order_target_value(asset, target, limit_price, stop_price, style))


def order_target_percent(
    asset: AssetLike,
    target: object,
    limit_price: object = None,
    stop_price: object = None,
    style: ExecutionStyle | None = None,
) -> str | None:
    return _id(_context().order_target_percent(asset, target, limit_price, stop_price, style))


def batch_market_order(share_counts: Mapping[AssetLike, object]) -> list[str | None]:
    return [_id(o) for o in _context().batch_market_order(share_counts)]


def get_open_orders(asset: AssetLike | None = None) -> dict[Asset, list[Order]] | list[Order]:
    """With an asset: its open orders. Without: a dict asset -> its open orders
    (only assets that have some), as zipline returns."""
    context = _context()
    if asset is not None:
        return context.get_open_orders(asset)
    grouped: dict[Asset, list[Order]] = {}
    for open_order in context.get_open_orders():
        grouped.setdefault(open_order.asset, []).append(open_order)
    return grouped


def get_order(order_id: str) -> Order:
    return _context().get_order(order_id)


def cancel_order(order_param: Order | str) -> None:
    _context().cancel_order(order_param)


def modify_order(
    order_param: Order | str,
    quantity: object = None,
    limit_price: object = None,
    stop_price: object = None,
) -> bool:
    """Change an open order's total quantity and/or prices (see `TradingContext.modify_order`)."""
    return _context().modify_order(order_param, quantity, limit_price, stop_price)


def record(*args: object, **kwargs: object) -> None:
    """``record(name=value, ...)`` or zipline's ``record("name", value, ...)``."""
    if len(args) % 2:
        raise StrategyError(
            "record() takes name, value pairs", hint='record("signal", 1.5) or record(signal=1.5)'
        )
    values = dict(kwargs)
    for name, value in zip(args[::2], args[1::2], strict=True):
        if not isinstance(name, str):
            raise StrategyError(f"record() names must be strings, not {name!r}")
        values[name] = value
    _context().record(**values)  # type: ignore[arg-type]  # the recorder checks each value


def schedule_function(
    func: Callable[..., object],
    date_rule: DateRule | None = None,
    time_rule: TimeRule | None = None,
    half_days: bool = True,
    calendar: object = None,
) -> None:
    _context().schedule_function(func, date_rule, time_rule, half_days, calendar)


def set_commission(
    model: object = None, us_equities: object = None, us_futures: object = None
) -> None:
    _context().set_commission(model, us_equities=us_equities, us_futures=us_futures)  # type: ignore[arg-type]  # checked there


def set_slippage(
    model: object = None, us_equities: object = None, us_futures: object = None
) -> None:
    _context().set_slippage(model, us_equities=us_equities, us_futures=us_futures)  # type: ignore[arg-type]  # checked there


def set_benchmark(benchmark: AssetLike | pd.Series) -> None:
    _context().set_benchmark(benchmark)


def set_cancel_policy(cancel_policy: CancelPolicy) -> None:
    _context().set_cancel_policy(cancel_policy)


def set_symbol_lookup_date(dt: object) -> None:
    _context().set_symbol_lookup_date(dt)


def get_environment(field: str = "platform") -> object:
    return _context().get_environment(field)


def sid(sid: int | str | Asset) -> Asset:
    return _context().sid(sid)


def symbol(symbol_str: str, country_code: str | None = None) -> Asset:
    return _context().symbol(symbol_str)


def symbols(*args: str, **kwargs: object) -> list[Asset]:
    return _context().symbols(*args)


def get_datetime(tz: str | None = None) -> pd.Timestamp:
    return _context().get_datetime(tz)


def _forward(name: str, provider: str) -> Callable[..., object]:
    """A function calling the context's method ``name`` (built in another module)."""

    def call(*args: object, **kwargs: object) -> object:
        method = getattr(_context(), name, None)
        if method is None:
            raise StrategyError(
                f"{name} is not available in this build of rustybt",
                hint=f"it comes with {provider}",
            )
        return method(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"zipline's ``{name}``: forwards to ``context.{name}`` ({provider})."
    return call


def attach_pipeline(
    pipeline: Pipeline, name: str, chunks: object = None, eager: bool = True
) -> Pipeline:
    return _context().attach_pipeline(pipeline, name, chunks, eager)


def pipeline_output(name: str) -> pd.DataFrame:
    return _context().pipeline_output(name)


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


def _unsupported(name: str, instead: str) -> Callable[..., object]:
    def call(*args: object, **kwargs: object) -> object:
        raise ConfigError(f"{name} is not supported by rustybt", hint=instead)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"zipline's ``{name}``: not supported ({instead})."
    return call


continuous_future = _unsupported("continuous_future", "rustybt has no futures contracts")
future_symbol = _unsupported("future_symbol", "rustybt has no futures contracts")
fetch_csv = _unsupported(
    "fetch_csv", "load the file with pandas in initialize() and keep it on the context"
)
history = _unsupported(
    "history", "zipline removed the module-level history(); use data.history(assets, ...)"
)
# Not built (docs/zipline.md lists them): a clear error instead of a silent no-op.
set_min_leverage = _unsupported(
    "set_min_leverage", "use set_max_leverage and check context.account.leverage yourself"
)
set_asset_restrictions = _unsupported(
    "set_asset_restrictions", "use set_do_not_order_list(assets) for a static restricted list"
)
