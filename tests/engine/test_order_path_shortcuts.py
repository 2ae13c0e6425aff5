"""The order path's shortcuts (issue 15) give what the long way gave: the reused target
value of ``order_target_percent``, the decision price read once, the fills of the
default free models, the float mirrors and the orders table's time columns."""

from __future__ import annotations

from decimal import Decimal as D

import numpy as np
import pandas as pd
import pytest

from rustybt import run_backtest
from rustybt.assets import Asset
from rustybt.engine.execution import FixedBasisPoints
from rustybt.engine.orders import _stamps
from rustybt.errors import OrderError, StrategyError
from tests.engine.helpers import Scripted, make_panel

ASSETS = (Asset("A"), Asset("B"), Asset("F", fractional=True))


def _panel() -> object:
    return make_panel(
        open=[[10.0, 40.0, 3.0], [11.0, 41.0, 3.5], [12.0, 39.0, 2.5], [13.0, 38.0, 4.0]],
        close=[[10.5, 40.5, 3.25], [11.5, 40.0, 3.0], [12.5, 38.5, 2.75], [13.5, 37.0, 4.5]],
        assets=ASSETS,
    )


def test_one_weight_object_sizes_every_asset_on_the_bars_equity() -> None:
    # Equity 10,000 at bar 0: 25% is 2,500 -> A 2,500 / 10.5 = 238.09 -> 238,
    # B 2,500 / 40.5 = 61.72 -> 61, F 2,500 / 3.25 = 769.23076923 (to 1e-8).
    weight = 0.25
    calls = [(0, "order_target_percent", (symbol, weight), {}) for symbol in ("A", "B", "F")]
    # Bar 1, after the fills at 11 / 41 / 3.5: a new equity, so A is sized again on it:
    # cash 10,000 - 238*11 - 61*41 - 769.23076923*3.5 = 2,190.69230770; marks at the
    # close 238*11.5 + 61*40 + 769.23076923*3 = 7,487.69230769; equity 9,678.38461539;
    # 25% = 2,419.5961538475 / 11.5 = 210.39 -> 210, minus 238 held: sell 28.
    calls.append((1, "order_target_percent", ("A", weight), {}))
    scripted = Scripted(calls)
    run_backtest(scripted.strategy, _panel(), capital=10_000, volume_limit=None)
    quantities = [o.quantity for o in scripted.placed if o is not None]
    assert quantities == [D(238), D(61), D("769.23076923"), D(-28)]
    assert [o.decision_price for o in scripted.placed if o is not None] == [10.5, 40.5, 3.25, 11.5]


def test_an_equal_weight_of_another_type_gives_the_same_order() -> None:
    calls = [
        (0, "order_target_percent", ("A", 0.25), {}),
        (0, "order_target_percent", ("B", D("0.25")), {}),
        (0, "order_target_percent", ("F", np.float64(0.25)), {}),
    ]
    scripted = Scripted(calls)
    run_backtest(scripted.strategy, _panel(), capital=10_000, volume_limit=None)
    assert [o.quantity for o in scripted.placed if o is not None] == [
        D(238),
        D(61),
        D("769.23076923"),
    ]


@pytest.mark.parametrize("weight", [float("nan"), "0.5"])
def test_a_bad_weight_is_refused_after_a_good_one(weight: object) -> None:
    calls = [
        (0, "order_target_percent", ("A", 0.25), {}),
        (0, "order_target_percent", ("B", weight), {}),
    ]
    with pytest.raises(StrategyError) as info:
        run_backtest(Scripted(calls).strategy, _panel(), capital=10_000, volume_limit=None)
    assert isinstance(info.value.__cause__, OrderError)
    assert "target percent for B" in str(info.value.__cause__)


def test_free_and_costed_fills_book_the_same_way() -> None:
    calls = [(0, "order", ("A", 100), {}), (1, "order", ("A", -40), {})]
    free = Scripted(calls)
    result = run_backtest(free.strategy, _panel(), capital=10_000, volume_limit=None)
    costed = run_backtest(
        Scripted(calls).strategy,
        _panel(),
        capital=10_000,
        volume_limit=None,
        slippage=FixedBasisPoints(0.0),
    )
    pd.testing.assert_frame_equal(result.transactions, costed.transactions, check_exact=True)
    # Slippage keeps the reference price's exponent (11.0 -> "0.0"), as the full path's.
    assert [str(s) for s in result.transactions["slippage"]] == ["0.0", "0.0"]
    assert [str(p) for p in result.transactions["price"]] == ["11.0", "12.0"]
    assert free.ledger.cash == D(10_000) - 100 * D(11) + 40 * D(12)
    context = free.context
    assert context is not None
    assert context._quantities.tolist() == [60.0, 0.0, 0.0]


def test_a_fractional_holding_is_mirrored_exactly() -> None:
    calls = [(0, "order", ("F", 0.1), {}), (1, "order", ("F", 0.2), {})]
    scripted = Scripted(calls)
    run_backtest(scripted.strategy, _panel(), capital=10_000, volume_limit=None)
    context = scripted.context
    assert context is not None
    assert context._quantities[2] == float(D("0.3"))


def test_time_columns_equal_what_pandas_infers() -> None:
    utc = pd.Timestamp("2024-01-02 15:30", tz="UTC")
    later = pd.Timestamp("2024-01-03", tz="UTC")
    cases = [
        [utc, None, later],
        [None, None],
        [utc.tz_convert("US/Eastern"), None],
        [pd.Timestamp("2024-01-02"), None],
        [utc.as_unit("s"), later.as_unit("s"), None],
        [utc, later.tz_convert("US/Eastern")],
    ]
    for values in cases:
        got = pd.DataFrame({"t": _stamps(values)})["t"]
        expected = pd.DataFrame({"t": values})["t"]
        pd.testing.assert_series_equal(got, expected, check_exact=True)


@pytest.mark.parametrize("amount", [D(5), D("1E+1"), D("-7"), D("0.5"), D("2.50")])
def test_a_fill_books_the_sums_it_stands_for(amount: D) -> None:
    """The cost-free fill reuses the order's quantity for ``quantity - 0`` and
    ``0 + quantity`` only where that is the same Decimal in value and form (a whole
    quantity, exponent 0), and keeps ZERO for ``0 + 0`` commissions: every booked
    value's string is what the plain sums give, ``1E+1`` included."""
    symbol = "F" if amount != amount.to_integral_value() else "A"
    held = [(0, "order", (symbol, 100), {})] if amount < 0 else []
    scripted = Scripted([*held, (1, "order", (symbol, amount), {})])
    result = run_backtest(scripted.strategy, _panel(), capital=10_000, volume_limit=None)
    order = scripted.placed[-1]
    assert order is not None
    zero = D(0)
    booked = order.quantity - zero  # what the plain path books
    if str(amount) == "1E+1":  # the case where reusing the order's object would differ
        assert str(order.quantity) == "1E+1"
        assert str(booked) == "10"
    assert str(result.transactions["quantity"].iloc[-1]) == str(booked)
    assert str(order.filled) == str(zero + booked)
    assert str(order.commission) == str(zero + zero)
    assert str(result.orders["filled"].iloc[-1]) == str(zero + booked)
