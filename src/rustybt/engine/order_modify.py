"""Modifying a resting order: `OrderChange` (the new quantity and prices, checked).

``context.modify_order(order, quantity=None, limit_price=None, stop_price=None)``
replaces fields of an open order. ``quantity`` is the order's new total amount
(signed like ``order()``'s amount: the same side as the order), so what is still to
fill becomes ``quantity - filled``; it must stay beyond what has already filled. A
limit price can only be changed on a limit or stop-limit order and a stop price
only on a stop or stop-limit order (the order's type never changes).

The backtest's blotter applies the change at once (audited as ``order.modified``);
the live blotter sends it to the broker as a replacement and applies it when the
venue confirms (see `rustybt.live.broker_blotter`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rustybt.engine.numbers import order_decimal
from rustybt.engine.orders import Order, OrderType
from rustybt.errors import OrderError

__all__ = ["OrderChange", "order_change"]

_HAS_LIMIT = (OrderType.LIMIT, OrderType.STOP_LIMIT)
_HAS_STOP = (OrderType.STOP, OrderType.STOP_LIMIT)


@dataclass(frozen=True)
class OrderChange:
    """An open order's fields after a modification (all of them, changed or not)."""

    quantity: Decimal
    limit_price: Decimal | None
    stop_price: Decimal | None

    def changes(self, order: Order) -> dict[str, str]:
        """What differs from ``order`` now, as text (for the audit event)."""
        found: dict[str, str] = {}
        for name in ("quantity", "limit_price", "stop_price"):
            new = getattr(self, name)
            if new != getattr(order, name):
                found[name] = str(new)
        return found

    def apply(self, order: Order) -> None:
        order.quantity = self.quantity
        order.limit_price = self.limit_price
        order.stop_price = self.stop_price


def _price(order: Order, value: object, what: str) -> Decimal:
    price = order_decimal(value, what, order.asset.symbol)
    if not price > 0:
        raise OrderError(
            f"{what} must be positive, not {price}", context={"asset": order.asset.symbol}
        )
    return price


def order_change(
    order: Order, quantity: Decimal | None, limit_price: object, stop_price: object
) -> OrderChange:
    """The checked change of ``order`` (``quantity`` already rounded to tradable units)."""
    symbol = order.asset.symbol
    context: dict[str, object] = {"order_id": order.id, "asset": symbol}
    if not order.is_open:
        raise OrderError(
            f"order {order.id} is {order.status}: only an open order can be modified",
            context=context,
        )
    new_quantity = order.quantity if quantity is None else quantity
    if new_quantity == 0 or (new_quantity > 0) != (order.quantity > 0):
        raise OrderError(
            f"modify_order cannot turn order {order.id} into {new_quantity}: keep its side",
            context=context,
            hint="cancel it and place a new order to change sides",
        )
    if abs(new_quantity) <= abs(order.filled):
        raise OrderError(
            f"order {order.id} already filled {order.filled}; a new quantity of "
            f"{new_quantity} leaves nothing to fill",
            context=context,
            hint="cancel the order instead",
        )
    limit = order.limit_price
    if limit_price is not None:
        if order.order_type not in _HAS_LIMIT:
            raise OrderError(
                f"order {order.id} is a {order.order_type} order: it has no limit price",
                context=context,
            )
        limit = _price(order, limit_price, "limit_price")
    stop = order.stop_price
    if stop_price is not None:
        if order.order_type not in _HAS_STOP:
            raise OrderError(
                f"order {order.id} is a {order.order_type} order: it has no stop price",
                context=context,
            )
        stop = _price(order, stop_price, "stop_price")
    return OrderChange(new_quantity, limit, stop)
