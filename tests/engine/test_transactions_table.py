"""`FillLog.to_frame` (the one-block build of `BacktestResult.transactions`) gives
exactly the table the straightforward construction gives: one record per fill into
`pd.DataFrame.from_records`, the timestamp being the bar's label. Exactly: values,
dtypes, and the exponent (the string form) of every Decimal."""

from __future__ import annotations

from decimal import Decimal as D

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt.engine.blotter import FillLog
from rustybt.money import to_decimal

INDEX = pd.date_range("2024-01-02", periods=30, freq="D", tz="UTC")


def reference_table(log: FillLog, count: int) -> pd.DataFrame:
    records = [
        dict(zip(FillLog.COLUMNS, (INDEX[row[0]], *row[1:], row[0]), strict=True))
        for row in list(log.rows())[:count]
    ]
    return pd.DataFrame.from_records(records, columns=FillLog.COLUMNS)


def assert_same_table(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(got.columns) == list(FillLog.COLUMNS)
    assert got.dtypes.to_dict() == expected.dtypes.to_dict()
    assert got.equals(expected)
    for name in FillLog.COLUMNS:
        if got[name].dtype == object:
            pairs = zip(got[name], expected[name], strict=True)
            assert all(type(a) is type(b) and str(a) == str(b) for a, b in pairs), name


decimals = st.one_of(
    st.floats(0.01, 1e5, allow_nan=False).map(to_decimal),
    st.sampled_from([D(0), D("0E-14"), D("1E+2"), D("-0.0035"), D("12.50")]),
    st.integers(-(10**6), 10**6).map(D),
)
fills = st.tuples(
    st.integers(0, len(INDEX) - 1),  # bar
    st.sampled_from(["AAA", "BBB", "ETH-USD"]),
    decimals,  # quantity
    decimals,  # price
    decimals,  # commission
    decimals,  # slippage
    st.integers(1, 500).map(str),  # order id
    st.floats(0.01, 1e5, allow_nan=False),  # reference price
    st.floats(allow_infinity=False),  # decision price (NaN when the bar had none)
)


@settings(max_examples=100, deadline=None)
@given(st.lists(fills, min_size=1, max_size=30), st.data())
def test_the_table_equals_the_records_table(
    rows: list[tuple[object, ...]], data: st.DataObject
) -> None:
    log = FillLog()
    for row in rows:
        log.flat.extend(row)
    count = data.draw(st.integers(1, len(rows)))  # a live session's log may have grown since
    assert_same_table(log.to_frame(INDEX, count), reference_table(log, count))
    assert_same_table(log.to_frame(INDEX), reference_table(log, len(rows)))


def test_the_table_holds_the_logs_own_values() -> None:
    log = FillLog()
    quantity, price = D(10), D("45.26237192632349")
    log.flat.extend((3, "AAA", quantity, price, D(0), D("0E-14"), "7", 45.26, 45.5))
    row = log.to_frame(INDEX).iloc[0]
    assert row["quantity"] is quantity
    assert row["price"] is price
    assert row["timestamp"] == INDEX[3]
    assert row["bar"] == 3


def test_an_empty_log_gives_typed_empty_columns() -> None:
    table = FillLog().to_frame(INDEX)
    assert list(table.columns) == list(FillLog.COLUMNS)
    assert len(table) == 0
    assert {name: str(dtype) for name, dtype in table.dtypes.items()} == {
        "timestamp": "datetime64[ns, UTC]",
        "symbol": "object",
        "quantity": "object",
        "price": "object",
        "commission": "object",
        "slippage": "object",
        "order_id": "object",
        "reference_price": "float64",
        "decision_price": "float64",
        "bar": "int64",
    }
