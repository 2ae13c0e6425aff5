"""The engine's fast paths give what the plain paths gave: order inputs, the orders
table, sizing calls, session valuation and the collector's state after a run."""

from __future__ import annotations

import gc
from decimal import Decimal as D
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import pytest

from rustybt import FunctionStrategy, Strategy, run_backtest
from rustybt.assets import Asset
from rustybt.engine.numbers import order_decimal
from rustybt.engine.orders import ORDER_COLUMNS, OrderStatus, orders_frame
from rustybt.errors import OrderError, StrategyError
from tests.engine.helpers import Scripted, make_panel, order_at


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.1, D("0.1")),
        (np.float64(23.595), D("23.595")),
        (np.float32(0.5), D("0.5")),
        (7, D(7)),
        (np.int64(-3), D(-3)),
        (D("1.25"), D("1.25")),
        (Fraction(1, 4), D("0.25")),
        (-0.0, D("-0.0")),
    ],
)
def test_order_decimal_is_exact_for_every_number_type(value: object, expected: D) -> None:
    got = order_decimal(value, "amount")
    assert got == expected
    assert str(got) == str(expected)


@pytest.mark.parametrize("value", [True, "10", None, [1]])
def test_order_decimal_refuses_non_numbers_naming_the_argument(value: object) -> None:
    with pytest.raises(OrderError, match=r"order amount for X must be a number") as info:
        order_decimal(value, "amount", "X")
    assert info.value.context == {"amount": value, "asset": "X"}


@pytest.mark.parametrize("value", [float("nan"), float("inf"), D("NaN"), np.float64("-inf")])
def test_order_decimal_refuses_non_finite_values(value: object) -> None:
    with pytest.raises(OrderError, match="must be a finite number"):
        order_decimal(value, "target value", "X")


def _varied_run() -> tuple[Scripted, pd.DataFrame]:
    """Filled, partly filled, rejected, cancelled and still-open orders."""
    panel = make_panel(
        open=[[10.0, 20.0]] * 6,
        close=[[10.5, 20.5]] * 6,
        volume=[[1e9, 100.0]] * 6,
        assets=(Asset("A"), Asset("B")),
    )
    calls = [
        order_at(0, "A", 10),
        order_at(0, "B", 40),  # 2.5% of 100 shares per bar: partly filled each bar
        order_at(1, "A", 5, limit_price=1.0),  # rests, then cancelled
        order_at(2, "A", -3, stop_price=1.0, time_in_force="day"),  # expires
        (3, "order_target_percent", ("A", 0.2), {}),
        (3, "order_value", ("B", 100.0), {}),
        (4, "order_target", ("A", 0), {}),
    ]
    scripted = Scripted(
        calls,
        each_bar=lambda context, data: (
            [context.cancel_order(o) for o in context.get_open_orders("A") if o.limit_price]
            if data.bar == 3
            else None
        ),
    )
    result = run_backtest(scripted.strategy, panel, capital=1_000, volume_limit=0.025)
    return scripted, result.orders


def test_orders_table_equals_the_table_built_from_order_records() -> None:
    scripted, table = _varied_run()
    assert scripted.context is not None
    orders = scripted.context._blotter.all_orders
    statuses = {o.status for o in orders}
    assert {OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.EXPIRED} <= statuses
    assert OrderStatus.PARTIALLY_FILLED in statuses or OrderStatus.OPEN in statuses
    expected = pd.DataFrame([o.to_record() for o in orders], columns=list(ORDER_COLUMNS))
    pd.testing.assert_frame_equal(table, expected, check_exact=True)
    assert table["created"].dtype == "datetime64[ns, UTC]"
    assert list(table.columns) == list(ORDER_COLUMNS)


def test_an_empty_orders_table_has_the_columns() -> None:
    table = orders_frame([])
    assert list(table.columns) == list(ORDER_COLUMNS)
    assert len(table) == 0


def test_sizing_calls_give_the_hand_computed_quantities() -> None:
    # Equity 100,000 at a last price of 33.33: 50% is 1,500.15 shares -> 1,500.
    panel = make_panel(open=[33.33] * 4)
    calls = [
        (0, "order_target_percent", ("A", 0.5), {}),
        (2, "order_percent", ("A", 0.1), {}),
        (3, "order_target_value", ("A", 10_000), {}),
    ]
    scripted = Scripted(calls)
    result = run_backtest(scripted.strategy, panel, capital=100_000, volume_limit=None)
    quantities = [o.quantity for o in scripted.placed if o is not None]
    # 10% of 100,000 -> 300.03 -> 300; then down to 10,000 / 33.33 = 300.03 -> 300 held.
    assert quantities == [D(1500), D(300), D(300) - D(1800)]
    assert list(result.transactions["quantity"]) == quantities[:2]


def test_session_values_sum_long_and_short_holdings() -> None:
    panel = make_panel(open=[[10.0, 20.0, 5.0]] * 3, assets=(Asset("L"), Asset("S"), Asset("Z")))
    calls = [order_at(0, "L", 7), order_at(0, "S", -3)]
    result = run_backtest(Scripted(calls).strategy, panel, capital=1_000, volume_limit=None)
    last = result.perf.iloc[-1]
    assert last["long_exposure"] == 70.0
    assert last["short_exposure"] == -60.0
    assert last["positions_value"] == 10.0
    assert last["portfolio_value"] == 1_000.0
    assert set(result.positions["symbol"]) == {"L", "S"}


def test_the_collector_is_left_as_found_after_a_run_and_after_a_failing_one() -> None:
    panel = make_panel(open=[10.0] * 3)
    before = gc.get_threshold()
    during: list[tuple[int, int, int]] = []
    run_backtest(
        Scripted([], each_bar=lambda c, d: during.append(gc.get_threshold())).strategy, panel
    )
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()
    assert gc.get_threshold() == before
    assert during[0] == (max(before[0], 10_000), max(before[1], 100), *before[2:])

    def boom(context: object, data: object) -> None:
        raise ValueError("boom")

    with pytest.raises(StrategyError):
        run_backtest(FunctionStrategy(handle_data=boom), panel)
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()
    assert gc.get_threshold() == before


def test_a_run_leaves_its_survivors_to_the_oldest_generation() -> None:
    """What a run made and still holds ends in the oldest generation, so the usual
    thresholds, once back, do not start a middle collection walking all of it; a
    cycle made during the run is still collected by the next full collection."""
    panel = make_panel(open=[10.0] * 40)

    class Cycle:
        def __init__(self) -> None:
            self.me = self

    made: list[object] = []

    def each_bar(context: object, data: object) -> None:
        made.append([object() for _ in range(50)])
        Cycle()  # garbage: freed by a collection only

    gc.collect()
    run_backtest(Scripted([order_at(0, "A", 1)], each_bar=each_bar).strategy, panel)
    kept = {id(values) for values in made}
    younger = gc.get_objects(generation=0) + gc.get_objects(generation=1)
    assert not any(id(o) in kept for o in younger)
    assert sum(id(o) in kept for o in gc.get_objects(generation=2)) == len(made)
    gc.collect()
    assert not any(isinstance(o, Cycle) for o in gc.get_objects())


@pytest.mark.parametrize("bars", [1, 4, 63, 64, 65, 600])
@pytest.mark.parametrize("zone", ["UTC", "America/New_York", None])
def test_bar_labels_boxed_in_blocks_are_the_index_labels(bars: int, zone: str | None) -> None:
    """`BarData.timestamp` boxes a block of labels per cache miss: each equals the
    index's own label (value, unit, zone object), in any order of asking; negative
    bars count from the end and a bar past the end raises as indexing does."""
    from rustybt.engine.data_portal import BarData

    index = pd.date_range("2024-01-01 14:30", periods=bars, freq="min", tz=zone).as_unit("us")
    if zone is None:
        index = index.tz_localize("UTC")
    panel = make_panel(open=[[1.0]] * bars, index=index)
    data = BarData(panel)
    order = [bars - 1, 0, *range(bars), -1, -bars]
    for bar in order:
        got, expected = data.timestamp(bar), panel.index[bar]
        assert got == expected
        assert type(got) is type(expected)
        assert got.unit == expected.unit
        assert got.tz is expected.tz
    with pytest.raises(IndexError):
        data.timestamp(bars)


def test_a_finished_run_is_freed_without_the_cyclic_collector() -> None:
    """No reference cycle holds a finished run: its orders, context and blotter are
    freed when it is dropped, not at the next full collection (many runs in one
    process, as optimisation runs them, keep a flat memory)."""
    panel = make_panel(open=[[10.0], [11.0], [12.0], [13.0]])

    class Trader(Strategy):
        def handle_data(self, context: Any, data: Any) -> None:
            context.order("A", 5 if data.bar % 2 == 0 else -5, time_in_force="day")

    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        trader = Trader()
        result = run_backtest(trader, panel, volume_limit=None)
        gc.collect()
        kept = {type(o).__name__ for o in gc.garbage}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()
    assert len(result.orders) == 4
    assert not kept & {"Order", "TradingContext", "Blotter", "Ledger", "Portfolio", "_Run"}


def test_a_day_order_after_the_run_is_refused() -> None:
    """The context keeps working after its run for reads (portfolio, positions), but a
    day order has no session left to expire in: a clear error, not a crash."""
    panel = make_panel(open=[[10.0], [11.0]])
    scripted = Scripted([order_at(0, "A", 5)])
    run_backtest(scripted.strategy, panel, volume_limit=None)
    context = scripted.context
    assert context is not None
    gc.collect()
    assert context.portfolio.positions[Asset("A")].amount == 5
    with pytest.raises(StrategyError, match="after the backtest ended"):
        context.order("A", 1, time_in_force="day")
