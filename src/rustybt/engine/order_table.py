"""`BacktestResult.orders` built in one block: the same frame as
`rustybt.engine.orders.orders_frame` (values, dtypes, column order), cheaper.

A run can place 10^5 orders (2,000 x 2,520 daily: 108k). Three costs of the
column-by-column frame are gone here: pandas stacking twelve object columns into
one block (a second copy of every pointer), and the per-value Python checks and
conversions of the two time columns (C-level ``map`` over the orders instead).
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rustybt.engine.orders import ORDER_COLUMNS

if TYPE_CHECKING:
    from rustybt.engine.orders import Order

__all__ = ["order_table"]

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


def order_table(orders: Sequence[Order]) -> pd.DataFrame:
    """One row per order, as `rustybt.engine.orders.orders_frame` builds it."""
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
