"""`orders_frame` (the one-block build of `BacktestResult.orders`) gives exactly the
table the straightforward construction gives: every order's `Order.to_record` row
into `pd.DataFrame.from_records`. Exactly: values, dtypes, where None and NaT
stand, and the exponent (the string form) of every Decimal."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal as D

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt.assets import Asset
from rustybt.engine.orders import (
    ORDER_COLUMNS,
    Order,
    OrderStatus,
    OrderType,
    TimeInForce,
    orders_frame,
)
from rustybt.money import ZERO, to_decimal

ASSETS = (Asset("AAA"), Asset("BBB"), Asset("ETH-USD", fractional=True))
# The engine's bar labels: one index, so every stamp shares one zone object.
INDEX = pd.date_range("2024-01-02", periods=40, freq="D", tz="UTC")
STAMPS = list(INDEX)


def reference_table(orders: list[Order]) -> pd.DataFrame:
    """The straightforward build: one record per order."""
    return pd.DataFrame.from_records([o.to_record() for o in orders], columns=ORDER_COLUMNS)


def cell(value: object) -> tuple[str, str]:
    """A cell as its type and exact text (a Decimal's exponent shows in its str)."""
    return type(value).__name__, str(value)


def assert_same_table(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(got.columns) == list(ORDER_COLUMNS)
    assert got.dtypes.to_dict() == expected.dtypes.to_dict()
    assert got.index.equals(expected.index)
    assert got.equals(expected)
    for name in ORDER_COLUMNS:
        if got[name].dtype == object:
            assert [cell(v) for v in got[name]] == [cell(v) for v in expected[name]], name
        else:  # datetimes: the same instants, NaT in the same rows
            assert got[name].isna().tolist() == expected[name].isna().tolist(), name
            assert got[name].equals(expected[name]), name


# Quantities as the sizing calls make them (whole numbers, exponent 0 or positive
# after an exact division) and as a fractional asset holds them.
quantities = st.one_of(
    st.integers(1, 10**6).map(D),
    st.sampled_from([D("1E+2"), D("1.00E+3"), D("2.5E+1")]),
    st.decimals(min_value=D("0.00000001"), max_value=D(10**5), places=8, allow_nan=False).filter(
        lambda q: q != 0
    ),
)
# Prices as fills get them: a float's shortest repr (`to_decimal`), a few exotic.
prices = st.one_of(
    st.floats(0.01, 1e5, allow_nan=False).map(to_decimal),
    st.sampled_from([D("1E+16"), D("123.4500"), D("0.000001"), D("100")]),
)


@st.composite
def an_order(draw: st.DrawFn, number: int) -> Order:
    quantity = draw(quantities) * draw(st.sampled_from([1, -1]))
    kind = draw(st.sampled_from(list(OrderType)))
    limit = draw(prices) if kind in (OrderType.LIMIT, OrderType.STOP_LIMIT) else None
    stop = draw(prices) if kind in (OrderType.STOP, OrderType.STOP_LIMIT) else None
    tif = draw(st.sampled_from(list(TimeInForce)))
    created_bar = draw(st.integers(0, len(STAMPS) - 2))
    order = Order(
        str(number),
        draw(st.sampled_from(ASSETS)),
        quantity,
        STAMPS[created_bar],
        created_bar,
        draw(st.floats(0.01, 1e4)),
        kind,
        limit,
        stop,
        tif,
        created_bar + 1 if tif is TimeInForce.DAY else None,
    )
    # Fills as `Blotter.book_fill` books them: the same Decimal sums, in order.
    parts = draw(st.integers(0, 3))
    for part in range(parts):
        remaining = order.quantity - order.filled
        share = draw(st.sampled_from([D(1), D("0.5"), D("0.25")])) if part < parts - 1 else D(1)
        fill = remaining * share
        if not fill:
            break
        price = draw(prices)
        commission = draw(st.sampled_from([ZERO, D("1.00"), D("0.0035") * abs(fill)]))
        order.filled = order.filled + fill
        order.fill_value += fill * price
        order.commission += commission
        order.fills += 1
    status = draw(st.sampled_from(list(OrderStatus)))
    if order.filled == order.quantity:
        status = OrderStatus.FILLED
    elif status is OrderStatus.FILLED:
        status = OrderStatus.PARTIALLY_FILLED if order.filled else OrderStatus.OPEN
    order.status = status
    if status not in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED):
        order.closed_at = STAMPS[draw(st.integers(created_bar, len(STAMPS) - 1))]
        reasons = [None, "cancelled by strategy", "day order not filled in its session"]
        order.reason = draw(st.sampled_from(reasons))
    elif draw(st.booleans()):
        order.reason = "still open when the backtest ended"
    return order


@st.composite
def order_lists(draw: st.DrawFn) -> list[Order]:
    count = draw(st.integers(1, 25))
    return [draw(an_order(number)) for number in range(1, count + 1)]


@settings(max_examples=150, deadline=None)
@given(order_lists())
def test_the_table_equals_the_records_table(orders: list[Order]) -> None:
    assert_same_table(orders_frame(orders), reference_table(orders))


def test_every_status_fractional_quantities_and_several_fills() -> None:
    """A known case: each status, limit and stop prices, a fractional quantity,
    three fills of one order, a day order, and averages needing a division."""
    a, b, eth = ASSETS
    filled = Order("1", a, D(100), STAMPS[0], 0, 10.0)
    filled.filled, filled.fill_value, filled.fills = D(100), D(100) * D("10.25"), 1
    filled.status, filled.closed_at = OrderStatus.FILLED, STAMPS[1]
    thrice = Order("2", eth, D("0.75"), STAMPS[0], 0, 2000.0, OrderType.LIMIT, D("2001.5"))
    for quantity, price in (
        (D("0.25"), D("1999.1")),
        (D("0.25"), D("2000.3")),
        (D("0.25"), D(2001)),
    ):
        thrice.filled += quantity
        thrice.fill_value += quantity * price
        thrice.fills += 1
    thrice.status, thrice.closed_at = OrderStatus.FILLED, STAMPS[3]
    part = Order("3", b, D(-40), STAMPS[1], 1, 20.0, OrderType.STOP, None, D("19.5"))
    part.filled, part.fill_value, part.fills = D(-15), D(-15) * D("19.4"), 1
    part.status = OrderStatus.PARTIALLY_FILLED
    part.reason = "still open when the backtest ended"
    cancelled = Order("4", a, D(5), STAMPS[1], 1, 10.0, OrderType.STOP_LIMIT, D(11), D("10.5"))
    cancelled.close(OrderStatus.CANCELLED, STAMPS[2], "cancelled by strategy")
    expired = Order(
        "5", a, D(3), STAMPS[2], 2, 10.0, OrderType.LIMIT, D(9), None, TimeInForce.DAY, 3
    )
    expired.close(OrderStatus.EXPIRED, STAMPS[3], "day order not filled in its session")
    rejected = Order("6", b, D(7), STAMPS[2], 2, float("nan"))
    rejected.close(OrderStatus.REJECTED, STAMPS[2], "no price yet for this asset")
    still_open = Order("7", b, D(1), STAMPS[4], 4, 20.0)
    orders = [filled, thrice, part, cancelled, expired, rejected, still_open]
    table = orders_frame(orders)
    assert_same_table(table, reference_table(orders))
    assert table["status"].tolist() == [
        "filled", "filled", "partially_filled", "cancelled", "expired", "rejected", "open"
    ]  # fmt: skip
    assert [str(v) for v in table["average_price"]] == [
        "10.25", "2000.133333333333333333333333333333", "19.4", "None", "None", "None", "None"
    ]  # fmt: skip
    assert table["closed"].isna().tolist() == [False, False, True, False, False, False, True]
    assert str(table["created"].dtype) == "datetime64[ns, UTC]"
    assert table["limit_price"].tolist() == [None, D("2001.5"), None, D(11), D(9), None, None]


def _created_at(stamps: list[object]) -> list[Order]:
    orders = []
    for number, stamp in enumerate(stamps, start=1):
        order = Order(str(number), ASSETS[0], D(number), stamp, number, 10.0)  # type: ignore[arg-type]
        if number % 2:
            order.close(OrderStatus.CANCELLED, stamp, "cancelled by strategy")  # type: ignore[arg-type]
        orders.append(order)
    return orders


NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    "stamps",
    [
        STAMPS[:3],
        [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")],  # naive
        [pd.Timestamp("2024-01-02", tz=NEW_YORK), pd.Timestamp("2024-01-03", tz=NEW_YORK)],
        # Two UTC zone objects: pandas' inference decides, as for the records.
        [STAMPS[0], pd.Timestamp("2024-01-03", tz=zoneinfo.ZoneInfo("UTC"))],
        [pd.Timestamp("2024-01-02", tz="UTC").as_unit("s")] * 3,  # a coarser unit
        [dt.datetime(2024, 1, 2, tzinfo=dt.UTC), STAMPS[1]],  # not a Timestamp
    ],
    ids=["utc", "naive", "new-york", "two-utc-zones", "seconds", "datetime"],
)
def test_time_columns_follow_pandas_inference(stamps: list[object]) -> None:
    orders = _created_at(stamps)
    assert_same_table(orders_frame(orders), reference_table(orders))


def test_an_empty_list_gives_the_records_table() -> None:
    got, expected = orders_frame([]), reference_table([])
    assert list(got.columns) == list(ORDER_COLUMNS)
    assert got.dtypes.to_dict() == expected.dtypes.to_dict()
    assert len(got) == 0


def test_the_frame_holds_the_orders_own_values() -> None:
    """No copies of the values: the cells are the order's own objects."""
    order = Order("1", ASSETS[0], D(100), STAMPS[0], 0, 10.0, OrderType.LIMIT, D("10.5"))
    order.filled, order.fill_value, order.commission, order.fills = D(100), D(1000), D("1.0"), 1
    row = orders_frame([order]).iloc[0]
    assert row["order_id"] is order.id
    assert row["quantity"] is order.quantity
    assert row["filled"] is order.filled
    assert row["limit_price"] is order.limit_price
    assert row["commission"] is order.commission
