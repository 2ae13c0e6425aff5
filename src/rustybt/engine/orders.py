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
from itertools import chain
from operator import attrgetter

import numpy as np
import numpy.typing as npt
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


# Every value the table reads from an order, in one `attrgetter` (one C call per
# order gives them all as a tuple): the twelve object columns in the frame's order,
# ``fill_value`` standing where the average price goes, then the two time columns.
# ``_value_``: an enum member's string without Enum's Python-level ``value`` property.
_TIME_COLUMNS = ("created", "closed")
_OBJECT_COLUMNS = tuple(name for name in ORDER_COLUMNS if name not in _TIME_COLUMNS)
_READ = attrgetter(
    "id",
    "asset.symbol",
    "order_type._value_",
    "time_in_force._value_",
    "quantity",
    "limit_price",
    "stop_price",
    "status._value_",
    "filled",
    "fill_value",  # becomes the average price
    "commission",
    "reason",
    "created",
    "closed_at",
)
_FILLED, _AVERAGE = _OBJECT_COLUMNS.index("filled"), _OBJECT_COLUMNS.index("average_price")
_CREATED, _CLOSED = len(_OBJECT_COLUMNS), len(_OBJECT_COLUMNS) + 1
_WIDTH = _CLOSED + 1  # values read per order
_NAT = np.iinfo(np.int64).min  # NaT as int64 nanoseconds


def orders_frame(orders: Sequence[Order]) -> pd.DataFrame:
    """`BacktestResult.orders`: one row per order (`Order.to_record` gives one row).

    A run can place 10^5 orders (2,000 x 2,520 daily: 108k), scattered in memory, so
    each order is visited once: one ``attrgetter`` call per order reads its 14
    values, which ``np.fromiter`` stores in turn into one flat object array (a pass
    per column visits every order again: 14 passes cost a third more). Seen as
    (orders, 14), its first twelve columns are the frame's object block as they are
    (a view: copying objects would touch every value's reference count again). The
    average price is the same ``fill_value / filled``, element by element, where
    something filled; the time columns are converted from int64 nanoseconds. The
    values and dtypes are what pandas gives the records (Timestamps to
    datetime64, None to NaT; strings, Decimals and None as objects)."""
    if not orders:
        return pd.DataFrame.from_records([], columns=ORDER_COLUMNS)
    n = len(orders)
    values = np.fromiter(
        chain.from_iterable(map(_READ, orders)), dtype=object, count=n * _WIDTH
    ).reshape(n, _WIDTH)
    filled, average = values[:, _FILLED], values[:, _AVERAGE]
    traded = np.fromiter(map(bool, filled), dtype=bool, count=n)  # `if filled`
    np.divide(average, filled, out=average, where=traded)  # Python's `/`, in place
    average[~traded] = None
    frame = pd.DataFrame(values[:, :_CREATED], columns=_OBJECT_COLUMNS, copy=False)
    # Copy-on-write: `insert` takes the time columns without copying them.
    with pd.option_context("mode.copy_on_write", True):
        for name, at in zip(_TIME_COLUMNS, (_CREATED, _CLOSED), strict=True):
            frame.insert(ORDER_COLUMNS.index(name), name, _stamps(values[:, at]))
    return frame


def _stamps(values: npt.NDArray[np.object_] | Sequence[object]) -> pd.Series:
    """A time column: what pandas infers from the Timestamps (and None as NaT).

    The engine's orders hold a few thousand distinct objects (the labels of one
    index) in 10^5 rows, so each distinct object is looked at once: when all are
    UTC Timestamps of one zone object and one unit (or None), the column is built
    from their int64 nanoseconds; anything else is left to pandas' inference on
    the list, as the records table does."""
    if not isinstance(values, np.ndarray):
        values = np.fromiter(values, dtype=object, count=len(values))
    ids = np.fromiter(map(id, values), dtype=np.intp, count=len(values))
    _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    distinct = values[first].tolist()  # each distinct object once (all alive: ids unique)
    stamps = [v for v in distinct if v is not None]
    if not stamps or any(type(v) is not pd.Timestamp for v in stamps):
        return pd.Series(values.tolist())
    zone, unit = stamps[0].tz, stamps[0].unit
    if str(zone) != "UTC" or any(v.tz is not zone or v.unit != unit for v in stamps):
        return pd.Series(values.tolist())
    nanos = np.array([_NAT if v is None else v.value for v in distinct], dtype=np.int64)
    column = pd.Series(
        pd.DatetimeIndex(nanos[inverse.ravel()].view("M8[ns]")).tz_localize(zone), copy=False
    )
    expected = pd.Series([stamps[0]]).dtype  # the dtype pandas infers (unit and zone)
    return column if column.dtype == expected else column.astype(expected)
