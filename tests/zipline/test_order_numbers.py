"""Every order function takes any real number type; NaN and infinity are refused."""

from __future__ import annotations

from decimal import Decimal as D
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rustybt import FunctionStrategy, api, run_backtest
from rustybt.assets import Asset
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.numbers import order_decimal
from rustybt.errors import OrderError, StrategyError
from rustybt.finance.execution import LimitOrder, StopLimitOrder, StopOrder
from tests.engine.helpers import flat_panel

NUMBERS = [
    np.float64(5.0),
    np.float32(5.0),
    np.int64(5),
    np.int32(5),
    5,
    5.0,
    D("5"),
    Fraction(5, 1),
]


def _run_first_bar(place: object) -> tuple[TradingContext, list[object]]:
    """Run ``place(context)`` on the first bar of a flat 20-per-unit panel; the
    results it returned and the context (its ledger holds the fills)."""
    returned: list[object] = []
    seen: list[TradingContext] = []

    def handle_data(context: TradingContext, data: object) -> None:
        if not seen:
            seen.append(context)
            returned.append(place(context))  # type: ignore[operator]

    run_backtest(
        FunctionStrategy(handle_data=handle_data),
        flat_panel([20.0, 20.0, 20.0]),
        capital=1000,
        volume_limit=None,
    )
    return seen[0], returned


@pytest.mark.parametrize("number", NUMBERS, ids=lambda n: type(n).__name__)
def test_order_takes_any_real_number_type(number: object) -> None:
    context, _ = _run_first_bar(lambda c: c.order("A", number))
    assert context._ledger.quantity(Asset("A")) == D(5)


@pytest.mark.parametrize(
    ("method", "argument", "units"),
    [
        ("order_value", np.float64(100.0), 5),  # 100 / 20
        ("order_percent", np.float64(0.5), 25),  # 0.5 x 1000 / 20
        ("order_target", np.int64(7), 7),
        ("order_target_value", np.float32(200.0), 10),
        ("order_target_percent", np.float64(0.3), 15),  # 0.3 x 1000 / 20
        ("order_target_percent", Fraction(1, 4), 12),  # 250 / 20 = 12.5 -> 12
        ("order_percent", D("0.1"), 5),
    ],
)
def test_sizing_functions_take_numpy_and_exact_numbers(
    method: str, argument: object, units: int
) -> None:
    context, _ = _run_first_bar(lambda c: getattr(c, method)("A", argument))
    assert context._ledger.quantity(Asset("A")) == D(units)


@pytest.mark.parametrize("bad", [np.nan, np.float64("nan"), float("inf"), -np.inf, D("NaN")])
@pytest.mark.parametrize(
    "method", ["order", "order_value", "order_percent", "order_target", "order_target_percent"]
)
def test_nan_and_infinity_are_refused_with_an_order_error(method: str, bad: object) -> None:
    with pytest.raises(StrategyError) as raised:
        _run_first_bar(lambda c: getattr(c, method)("A", bad))
    cause = raised.value.__cause__
    assert isinstance(cause, OrderError)
    assert "finite" in cause.message
    assert "A" in cause.message


@pytest.mark.parametrize("bad", ["5", None, True, [5], complex(1, 0)])
def test_non_numbers_are_refused(bad: object) -> None:
    with pytest.raises(OrderError, match="must be a number"):
        order_decimal(bad, "amount", "A")


def test_nan_limit_price_is_refused() -> None:
    with pytest.raises(StrategyError) as raised:
        _run_first_bar(lambda c: c.order("A", 1, limit_price=np.float64("nan")))
    assert isinstance(raised.value.__cause__, OrderError)


@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_a_float_becomes_its_shortest_repr(value: float) -> None:
    assert order_decimal(np.float64(value), "amount") == D(repr(value))


def test_fractions_are_exact() -> None:
    assert order_decimal(Fraction(1, 3), "amount") == D(1) / D(3)


def test_api_order_returns_the_id_and_styles_set_prices() -> None:
    _, returned = _run_first_bar(
        lambda c: [
            api.order("A", np.int64(1)),
            api.order("A", 1, style=LimitOrder(np.float64(19.5))),
            api.order("A", 1, style=StopOrder(21)),
            api.order("A", 1, style=StopLimitOrder(22, 21)),
            api.order("A", 0.4),  # rounds to 0 whole shares: nothing ordered
            [(o.order_type, o.limit, o.stop) for o in (api.get_order(str(i)) for i in range(1, 5))],
        ]
    )
    ids = returned[0]
    assert ids[:5] == ["1", "2", "3", "4", None]
    assert ids[5] == [
        ("market", None, None),
        ("limit", 19.5, None),
        ("stop", None, 21.0),
        ("stop_limit", 22.0, 21.0),
    ]


def test_style_and_prices_together_are_refused() -> None:
    with pytest.raises(StrategyError) as raised:
        _run_first_bar(lambda c: c.order("A", 1, limit_price=10, style=LimitOrder(10)))
    assert "either style" in str(raised.value.__cause__)
