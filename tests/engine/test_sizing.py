"""Known answers for order sizing: order_value/percent/target*, rounding, open-order counting."""

from __future__ import annotations

from decimal import Decimal as D

import numpy as np
import pytest

from rustybt import run_backtest
from rustybt.assets import Asset
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.data_portal import BarData
from rustybt.engine.orders import Order, OrderStatus
from rustybt.errors import OrderError, StrategyError
from tests.engine.helpers import Call, Scripted, flat_panel, make_panel, order_at


def _quantities(calls: list[Call], *, asset: Asset | None = None) -> list[D | None]:
    """The quantity of what each call returned, after a run at a flat price of 30."""
    script = Scripted(calls)
    run_backtest(script.strategy, flat_panel([30.0] * 3, asset=asset), capital=10_000)
    return [None if o is None else o.quantity for o in script.placed]


def test_order_value_and_percent_truncate_whole_shares_toward_zero() -> None:
    calls: list[Call] = [
        (0, "order_value", ("A", 1000.0), {}),  # 1000 / 30 = 33.3 -> 33
        (0, "order_value", ("A", -1000.0), {}),  # -33.3 -> -33
        (0, "order_percent", ("A", 0.1), {}),  # 0.1 * 10000 / 30 -> 33
        (0, "order_value", ("A", 20.0), {}),  # 0.67 -> nothing
        (0, "order", ("A", 2.9), {}),
        (0, "order", ("A", -2.9), {}),
        (0, "order", ("A", 0), {}),
    ]
    assert _quantities(calls) == [D(33), D(-33), D(33), None, D(2), D(-2), None]


def test_fractional_assets_trade_to_eight_decimals() -> None:
    btc = Asset.crypto("A")
    calls: list[Call] = [
        (0, "order_value", ("A", 1000.0), {}),  # 33.333333333... -> 33.33333333
        (0, "order", ("A", 0.123456789), {}),
        (0, "order", ("A", -0.123456789), {}),
    ]
    assert _quantities(calls, asset=btc) == [D("33.33333333"), D("0.12345678"), D("-0.12345678")]


def test_order_target_percent_counts_open_orders_so_repeats_do_not_stack() -> None:
    calls: list[Call] = [
        # 0.5 * 10000 / 30 = 166.67 -> 166, then nothing more (166 already pending).
        (0, "order_target_percent", ("A", 0.5), {}),
        (0, "order_target_percent", ("A", 0.5), {}),
        (0, "order_target", ("A", 166), {}),
        # After the fill at bar 1: 166 held; target 100 sells 66.
        (1, "order_target", ("A", 100), {}),
        (1, "order_target_value", ("A", 3000.0), {}),  # 100 units: already targeted
        (2, "order_target_percent", ("A", 0.0), {}),  # bar 2: 100 held -> -100
    ]
    assert _quantities(calls) == [D(166), None, None, D(-66), None, D(-100)]


def test_order_target_percent_on_a_fractional_asset() -> None:
    calls: list[Call] = [(0, "order_target_percent", ("A", 0.5), {})]
    # 5000 / 30 = 166.666... truncated at 1e-8.
    assert _quantities(calls, asset=Asset.crypto("A")) == [D("166.66666666")]


def test_a_resting_limit_order_counts_toward_the_target_until_cancelled() -> None:
    opened: list[int] = []

    def each_bar(context: TradingContext, data: BarData) -> None:
        opened.append(len(context.get_open_orders("A")))

    script = Scripted(
        [
            (0, "order_target", ("A", 100), {"limit_price": 1.0}),
            (1, "order_target", ("A", 100), {"limit_price": 1.0}),
            (2, "order_target", ("A", 100), {"limit_price": 1.0}),
        ],
        each_bar=each_bar,
    )
    run_backtest(script.strategy, flat_panel([30.0] * 5), capital=10_000)
    first, second, third = script.placed
    assert isinstance(first, Order)
    assert second is None
    assert third is None
    assert opened == [1, 1, 1, 1, 1]
    assert first.status is OrderStatus.OPEN


def test_cancel_releases_the_pending_quantity() -> None:
    script = Scripted(
        [
            (0, "order_target", ("A", 100), {"limit_price": 1.0}),
            (1, "cancel_order", ("1",), {}),
            (1, "order_target", ("A", 100), {}),
        ]
    )
    result = run_backtest(script.strategy, flat_panel([30.0] * 3), capital=10_000)
    first, _, again = script.placed
    assert first is not None
    assert first.status is OrderStatus.CANCELLED
    assert first.reason == "cancelled by strategy"
    assert again is not None
    assert again.quantity == 100
    assert list(result.orders["status"]) == ["cancelled", "filled"]


def test_ordering_an_asset_without_a_price_yet() -> None:
    panel = make_panel(open=[[10.0, np.nan], [10.0, 20.0]], assets=(Asset("A"), Asset("B")))
    script = Scripted([(0, "order", ("B", 1), {})])
    result = run_backtest(script.strategy, panel, capital=1000)
    rejected = script.placed[0]
    assert rejected is not None
    assert rejected.status is OrderStatus.REJECTED
    assert rejected.reason == "no price yet for this asset"
    assert list(result.orders["status"]) == ["rejected"]
    assert len(result.transactions) == 0
    # Value-based sizing cannot size it at all.
    sized = Scripted([(0, "order_value", ("B", 100.0), {})])
    with pytest.raises(StrategyError, match="has no price yet") as raised:
        run_backtest(sized.strategy, panel, capital=1000)
    assert isinstance(raised.value.__cause__, OrderError)


def test_an_equal_asset_object_trades_as_the_panels_fractional_asset() -> None:
    # Asset("A") equals the panel's Asset.crypto("A") but lacks its fractional flag.
    calls: list[Call] = [(0, "order", (Asset("A"), 0.5), {})]
    assert _quantities(calls, asset=Asset.crypto("A")) == [D("0.5")]


def test_offsetting_open_orders_net_to_zero_and_still_all_fill() -> None:
    script = Scripted(
        [
            order_at(0, "A", 10),
            order_at(0, "A", -10),
            order_at(0, "A", 10),
            (2, "order_target", ("A", 10), {}),
        ]
    )
    result = run_backtest(script.strategy, flat_panel([30.0] * 3), capital=10_000)
    assert list(result.transactions["quantity"]) == [D(10), D(-10), D(10)]
    assert list(result.orders["status"]) == ["filled", "filled", "filled"]
    assert script.placed[-1] is None  # 10 held, nothing pending: on target
    assert result.ledger["cash"] == D("9700")


@pytest.mark.parametrize("amount", [float("nan"), float("inf"), -float("inf")])
def test_a_non_finite_amount_is_an_order_error_at_the_call(amount: float) -> None:
    script = Scripted([order_at(0, "A", amount)])
    with pytest.raises(StrategyError, match="must be a finite number") as raised:
        run_backtest(script.strategy, flat_panel([30.0] * 2), capital=10_000)
    assert isinstance(raised.value.__cause__, OrderError)
    # A NaN weight is caught the same way.
    weighted = Scripted([(0, "order_target_percent", ("A", float("nan")), {})])
    with pytest.raises(StrategyError, match="must be a finite number"):
        run_backtest(weighted.strategy, flat_panel([30.0] * 2), capital=10_000)
