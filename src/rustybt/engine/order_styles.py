"""zipline's order styles: ``order(asset, 10, style=LimitOrder(101.5))``.

A style only carries the limit and stop prices; the engine's `Order` and its
matching rules do the rest (see `rustybt.engine.execution`). Unlike zipline,
prices are not rounded to a tick (our fills use the price as given).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rustybt.engine.numbers import order_decimal
from rustybt.errors import OrderError

__all__ = ["ExecutionStyle", "LimitOrder", "MarketOrder", "StopLimitOrder", "StopOrder"]


def _price(value: object, what: str) -> Decimal:
    price = order_decimal(value, what)
    if price <= 0:
        raise OrderError(f"{what} must be positive, not {value!r}", context={what: value})
    return price


@dataclass(frozen=True, slots=True, init=False)
class ExecutionStyle:
    """Base of the order styles: the limit and stop prices of an order (None: none)."""

    limit_price: Decimal | None
    stop_price: Decimal | None
    exchange: str | None

    def __init__(
        self,
        limit_price: object = None,
        stop_price: object = None,
        exchange: str | None = None,
    ) -> None:
        limit = None if limit_price is None else _price(limit_price, "limit_price")
        stop = None if stop_price is None else _price(stop_price, "stop_price")
        object.__setattr__(self, "limit_price", limit)
        object.__setattr__(self, "stop_price", stop)
        object.__setattr__(self, "exchange", exchange)

    def get_limit_price(self, is_buy: bool) -> Decimal | None:
        return self.limit_price

    def get_stop_price(self, is_buy: bool) -> Decimal | None:
        return self.stop_price


class MarketOrder(ExecutionStyle):
    """Trade at the next available price."""

    __slots__ = ()

    def __init__(self, exchange: str | None = None) -> None:
        super().__init__(exchange=exchange)


class LimitOrder(ExecutionStyle):
    """Buy at ``limit_price`` or lower, sell at it or higher."""

    __slots__ = ()

    def __init__(self, limit_price: object, asset: object = None, exchange: str | None = None):
        super().__init__(limit_price=limit_price, exchange=exchange)


class StopOrder(ExecutionStyle):
    """A market order once the price reaches ``stop_price``."""

    __slots__ = ()

    def __init__(self, stop_price: object, asset: object = None, exchange: str | None = None):
        super().__init__(stop_price=stop_price, exchange=exchange)


class StopLimitOrder(ExecutionStyle):
    """A limit order at ``limit_price`` once the price reaches ``stop_price``."""

    __slots__ = ()

    def __init__(
        self,
        limit_price: object,
        stop_price: object,
        asset: object = None,
        exchange: str | None = None,
    ) -> None:
        super().__init__(limit_price=limit_price, stop_price=stop_price, exchange=exchange)
