"""Orders and their life cycle.

An order is created by the strategy API, then filled (possibly partially, over
several bars) by the execution layer, cancelled, expired or rejected. Its
history is kept in full for `BacktestResult.orders`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from operator import attrgetter

import numpy as np
import pandas as pd

from rustybt.assets import Asset
from rustybt.errors import OrderError
from rustybt.money import ZERO
from rustybt.summary import summary_html

__all__ = ["ORDER_COLUMNS", "Order", "OrderStatus", "OrderType", "TimeInForce", "orders_frame"]


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    STOP_LIMIT = "stop_limit"


class OrderStatus(StrEnum):
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REJECTED = "rejected"


class TimeInForce(StrEnum):
    GTC = "gtc"
    DAY = "day"


# A tuple, not a set: membership tests identity first, while hashing an enum member
# runs Python code (``is_open`` is asked once per resting order per bar).
_OPEN_STATES = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)

# Enum members read once: on Python 3.11 ``OrderType.MARKET`` runs EnumType's
# Python-level attribute hook (~70 ns); a module constant is a dict read.
_MARKET = OrderType.MARKET


def _positive(price: Decimal | None) -> bool:
    # NaN must be ruled out before comparing: ordering a Decimal NaN raises.
    return price is not None and price.is_finite() and price > 0


@dataclass(slots=True, eq=False)
class Order:
    """One order. ``quantity`` is signed: positive buys, negative sells."""

    id: str
    asset: Asset
    quantity: Decimal
    created: pd.Timestamp
    created_bar: int
    decision_price: float
    order_type: OrderType = OrderType.MARKET
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    expires_bar: int | None = None
    status: OrderStatus = OrderStatus.OPEN
    filled: Decimal = ZERO
    fill_value: Decimal = ZERO
    commission: Decimal = ZERO
    stop_triggered: bool = False
    closed_at: pd.Timestamp | None = None
    reason: str | None = None
    fills: int = 0  # fills so far (per-order commission models read it)

    def __post_init__(self) -> None:
        if self.quantity == 0:
            raise OrderError("order quantity must not be zero", context={"asset": self.asset})
        if self.order_type is _MARKET:
            return  # no prices to check (most orders: skip the two membership tests)
        needs_limit = self.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT)
        needs_stop = self.order_type in (OrderType.STOP, OrderType.STOP_LIMIT)
        if needs_limit and not _positive(self.limit_price):
            raise OrderError(
                f"{self.order_type} order needs a positive, finite limit price",
                context={"asset": self.asset.symbol, "limit_price": self.limit_price},
            )
        if needs_stop and not _positive(self.stop_price):
            raise OrderError(
                f"{self.order_type} order needs a positive, finite stop price",
                context={"asset": self.asset.symbol, "stop_price": self.stop_price},
            )

    @property
    def is_buy(self) -> bool:
        return self.quantity > 0

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.filled

    @property
    def is_open(self) -> bool:
        return self.status in _OPEN_STATES

    @property
    def average_price(self) -> Decimal | None:
        return self.fill_value / self.filled if self.filled else None

    # zipline's names for the same facts (its perf frame and code use them).
    @property
    def amount(self) -> int | float:
        return int(self.quantity) if self.quantity == int(self.quantity) else float(self.quantity)

    @property
    def open_amount(self) -> int | float:
        left = self.remaining
        return int(left) if left == int(left) else float(left)

    @property
    def sid(self) -> Asset:
        return self.asset

    @property
    def limit(self) -> float | None:
        return None if self.limit_price is None else float(self.limit_price)

    @property
    def stop(self) -> float | None:
        return None if self.stop_price is None else float(self.stop_price)

    @property
    def stop_reached(self) -> bool:
        return self.stop_triggered

    @property
    def dt(self) -> pd.Timestamp:
        """When the order last changed (closed, else created)."""
        return self.closed_at if self.closed_at is not None else self.created

    def close(self, status: OrderStatus, when: pd.Timestamp, reason: str | None = None) -> None:
        self.status = status
        self.closed_at = when
        if reason is not None:
            self.reason = reason

    def to_record(self) -> dict[str, object]:
        """The order as one row of `BacktestResult.orders` (keys: `ORDER_COLUMNS`)."""
        return dict(zip(ORDER_COLUMNS, _row(self), strict=True))

    def _summary(self) -> dict[str, str]:
        side = "buy" if self.is_buy else "sell"
        rows = {
            "order": self.id,
            "asset": self.asset.symbol,
            "side": f"{side} {abs(self.quantity):,}",
            "type": f"{self.order_type} ({self.time_in_force})",
            "status": str(self.status),
            "created": str(self.created),
            "filled": f"{self.filled:,} of {self.quantity:,}",
        }
        if self.limit_price is not None:
            rows["limit"] = f"{self.limit_price:,}"
        if self.stop_price is not None:
            rows["stop"] = f"{self.stop_price:,}"
        average = self.average_price
        if average is not None:
            rows["average price"] = f"{average:,.4f}"
        if self.commission:
            rows["commission"] = f"{self.commission:,.2f}"
        if self.reason:
            rows["reason"] = self.reason
        return rows

    def __repr__(self) -> str:
        limits = "".join(
            f", {name}={value}"
            for name, value in (("limit", self.limit_price), ("stop", self.stop_price))
            if value is not None
        )
        return (
            f"Order({self.id}, {self.asset.symbol}, {self.quantity:,} {self.order_type}"
            f"{limits}, {self.status}, filled={self.filled:,})"
        )

    def _repr_html_(self) -> str:
        return summary_html("Order", self._summary())


# The columns of `BacktestResult.orders`, in order (`_row` gives the values).
ORDER_COLUMNS = (
    "order_id",
    "symbol",
    "created",
    "type",
    "time_in_force",
    "quantity",
    "limit_price",
    "stop_price",
    "status",
    "filled",
    "average_price",
    "commission",
    "closed",
    "reason",
)


def _row(order: Order) -> tuple[object, ...]:
    filled = order.filled
    return (
        order.id,
        order.asset.symbol,
        order.created,
        str(order.order_type),
        str(order.time_in_force),
        order.quantity,
        order.limit_price,
        order.stop_price,
        str(order.status),
        filled,
        order.fill_value / filled if filled else None,  # the average price
        order.commission,
        order.closed_at,
        order.reason,
    )


# Each object column and the attribute it holds (``_value_``: an enum member's
# string without Enum's Python-level ``value`` property).
_OBJECT_ATTRIBUTES = {
    "order_id": "id",
    "symbol": "asset.symbol",
    "type": "order_type._value_",
    "time_in_force": "time_in_force._value_",
    "quantity": "quantity",
    "limit_price": "limit_price",
    "stop_price": "stop_price",
    "status": "status._value_",
    "filled": "filled",
    "average_price": "",  # fill_value / filled, computed
    "commission": "commission",
    "reason": "reason",
}
_TIME_ATTRIBUTES = {"created": "created", "closed": "closed_at"}
_NAT = np.iinfo(np.int64).min  # NaT's int64


def orders_frame(orders: Sequence[Order]) -> pd.DataFrame:
    """`BacktestResult.orders`: one row per order (`Order.to_record` gives one row).

    A run can place 10^5 orders (2,000 x 2,520 daily: 108k), so the frame is built
    in one block: the object columns fill the (columns, rows) block pandas keeps
    them in (no stacking copy of every pointer), and the two time columns are
    converted from int64 nanoseconds with C-level ``map`` checks. The values and
    dtypes are what pandas gives the records (Timestamps to datetime64, None to
    NaT; strings, Decimals and None as objects)."""
    if not orders:
        return pd.DataFrame.from_records([], columns=ORDER_COLUMNS)
    n = len(orders)
    names = list(_OBJECT_ATTRIBUTES)
    # The (columns, rows) object block pandas keeps object columns in, filled row by
    # row: the frame takes it as it is.
    block = np.empty((len(names), n), dtype=object)
    for row, name in enumerate(names):
        attribute = _OBJECT_ATTRIBUTES[name]
        if attribute:
            block[row] = np.fromiter(map(attrgetter(attribute), orders), dtype=object, count=n)
        else:
            block[row] = np.fromiter(
                (o.fill_value / o.filled if o.filled else None for o in orders),
                dtype=object,
                count=n,
            )
    frame = pd.DataFrame(block.T, columns=names, copy=False)
    # Copy-on-write: `insert` takes the time columns without copying them.
    with pd.option_context("mode.copy_on_write", True):
        for name, attribute in _TIME_ATTRIBUTES.items():
            column = _stamps(list(map(attrgetter(attribute), orders)))
            frame.insert(ORDER_COLUMNS.index(name), name, column)
    return frame


def _stamps(values: list[pd.Timestamp | None]) -> pd.Series:
    """A time column: what pandas infers from the Timestamps (and None as NaT),
    built from their int64 nanoseconds when every one is a UTC Timestamp of one
    zone object (the engine's orders: labels of one index); anything else is left
    to pandas' inference, as the column-by-column frame does. The checks run as
    C-level ``map``s (108k orders: ~7 ms, against ~30 ms for a generator)."""
    kinds = set(map(type, values))
    if not kinds <= {pd.Timestamp, type(None)} or pd.Timestamp not in kinds:
        return pd.Series(values)
    first = next(filter(None, values))
    zones = set(map(id, map(attrgetter("tz"), filter(None, values))))
    if zones != {id(first.tz)} or str(first.tz) != "UTC":
        return pd.Series(values)
    nanos = np.fromiter((_NAT if v is None else v.value for v in values), np.int64, len(values))
    column = pd.Series(pd.DatetimeIndex(nanos.view("M8[ns]")).tz_localize(first.tz), copy=False)
    expected = pd.Series([first]).dtype  # the dtype pandas would infer (unit and zone)
    return column if column.dtype == expected else column.astype(expected)
