"""Known answers for the execution models: slippage, commission, trigger prices, volume cap."""

from __future__ import annotations

from decimal import Decimal as D

import pandas as pd
import pytest

from rustybt.assets import Asset
from rustybt.engine.execution import (
    FixedBasisPoints,
    NoCommission,
    NoSlippage,
    PerDollar,
    PerShare,
    PerTrade,
    VolumeShareSlippage,
    reference_price,
    volume_capacity,
)
from rustybt.engine.orders import Order, OrderStatus, OrderType
from rustybt.errors import ConfigError, OrderError

WHEN = pd.Timestamp("2024-01-02", tz="UTC")


def _order(
    quantity: int | str,
    kind: OrderType = OrderType.MARKET,
    *,
    limit: str | None = None,
    stop: str | None = None,
) -> Order:
    return Order(
        id="1",
        asset=Asset("A"),
        quantity=D(quantity),
        created=WHEN,
        created_bar=0,
        decision_price=100.0,
        order_type=kind,
        limit_price=None if limit is None else D(limit),
        stop_price=None if stop is None else D(stop),
    )


def test_fixed_basis_points_moves_price_against_the_trader() -> None:
    model = FixedBasisPoints(10)
    assert model.fill_price(D("100"), D(5), 1e6) == D("100.1")
    assert model.fill_price(D("100"), D(-5), 1e6) == D("99.9")
    # 23.595 * 5 / 10000 = 0.0117975, kept exactly (8 decimals suffice).
    assert FixedBasisPoints(5).fill_price(D("23.595"), D(1), 0.0) == D("23.6067975")
    # 1.23456789 * 5bps = 0.0006172839450 -> 1.2351851739450, rounded half-even to 1e-8.
    assert FixedBasisPoints(5).fill_price(D("1.23456789"), D(1), 0.0) == D("1.23518517")
    assert NoSlippage().fill_price(D("7.5"), D(1), 0.0) == D("7.5")


def test_volume_share_slippage_is_quadratic_in_volume_share() -> None:
    model = VolumeShareSlippage(price_impact=0.1)
    # share 100 / 1000 = 0.1; impact 0.1 * 0.01 = 0.001.
    assert model.fill_price(D("50"), D(100), 1000.0) == D("50.05")
    assert model.fill_price(D("50"), D(-100), 1000.0) == D("49.95")
    # share 0.025: impact 0.1 * 0.000625 = 0.0000625 -> 80 * 1.0000625 = 80.005.
    assert model.fill_price(D("80"), D(25), 1000.0) == D("80.005")
    assert model.fill_price(D("50"), D(100), 0.0) == D("50")


def test_negative_model_parameters_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="basis points"):
        FixedBasisPoints(-1)
    with pytest.raises(ConfigError, match="price_impact"):
        VolumeShareSlippage(-0.1)


def test_per_share_minimum_applies_per_order_not_per_fill() -> None:
    model = PerShare(cost=0.005, min_trade_cost=1.0)
    order = _order(400)
    # First fill 100: max(0.5, 1) = 1.
    first = model.commission(order, D(100), D("10"))
    assert first == D("1")
    order.filled, order.commission, order.fills = D(100), first, 1
    # Second fill 300: owed max(0.005*400, 1) = 2, minus the 1 already paid.
    assert model.commission(order, D(300), D("10")) == D("1")
    # Sells pay on the absolute quantity.
    assert model.commission(_order(-1000), D(-1000), D("10")) == D("5")


def test_per_trade_and_per_dollar() -> None:
    order = _order(10)
    assert PerTrade(2.5).commission(order, D(10), D("9")) == D("2.5")
    order.fills = 1
    assert PerTrade(2.5).commission(order, D(10), D("9")) == 0
    # 0.001 * 100 * 50.05 = 5.005.
    assert PerDollar(0.001).commission(_order(-100), D(-100), D("50.05")) == D("5.005")
    assert NoCommission().commission(order, D(1), D("1")) == 0


@pytest.mark.parametrize(
    ("quantity", "kind", "limit", "stop", "bar", "expected"),
    [
        # (open, high, low) of the bar; expected reference price or None.
        (10, OrderType.MARKET, None, None, (100.0, 101.0, 99.0), 100.0),
        # Limit buy: gap below the limit fills at the open, a touch at the limit.
        (10, OrderType.LIMIT, "99.5", None, (99.0, 101.0, 98.0), 99.0),
        (10, OrderType.LIMIT, "99.5", None, (100.0, 101.0, 99.5), 99.5),
        (10, OrderType.LIMIT, "99.5", None, (100.0, 101.0, 99.6), None),
        # Limit sell, symmetric.
        (-10, OrderType.LIMIT, "100.5", None, (101.0, 102.0, 100.0), 101.0),
        (-10, OrderType.LIMIT, "100.5", None, (100.0, 100.5, 99.0), 100.5),
        (-10, OrderType.LIMIT, "100.5", None, (100.0, 100.4, 99.0), None),
        # Stop buy triggers on the high; gap above fills at the open.
        (10, OrderType.STOP, None, "101", (100.0, 101.5, 99.0), 101.0),
        (10, OrderType.STOP, None, "101", (102.0, 103.0, 101.5), 102.0),
        (10, OrderType.STOP, None, "101", (100.0, 100.9, 99.0), None),
        # Stop sell triggers on the low; gap below fills at the open.
        (-10, OrderType.STOP, None, "99", (100.0, 101.0, 98.5), 99.0),
        (-10, OrderType.STOP, None, "99", (97.0, 98.0, 96.0), 97.0),
        (-10, OrderType.STOP, None, "99", (100.0, 101.0, 99.1), None),
        # Stop-limit buy: stop 101 inside limit 102 fills at the stop...
        (10, OrderType.STOP_LIMIT, "102", "101", (100.0, 101.5, 99.0), 101.0),
        # ...a gap to 101.8 (still within the limit) at the open...
        (10, OrderType.STOP_LIMIT, "102", "101", (101.8, 103.0, 101.0), 101.8),
        # ...a gap beyond the limit does not fill in that bar.
        (10, OrderType.STOP_LIMIT, "102", "101", (103.0, 104.0, 102.5), None),
        # Stop-limit sell: stop 99 with limit 98.
        (-10, OrderType.STOP_LIMIT, "98", "99", (100.0, 101.0, 98.0), 99.0),
        (-10, OrderType.STOP_LIMIT, "98", "99", (97.0, 98.0, 96.0), None),
    ],
)
def test_reference_price(
    quantity: int,
    kind: OrderType,
    limit: str | None,
    stop: str | None,
    bar: tuple[float, float, float],
    expected: float | None,
) -> None:
    assert reference_price(_order(quantity, kind, limit=limit, stop=stop), *bar) == expected


def test_triggered_stop_limit_rests_as_a_limit_order() -> None:
    order = _order(10, OrderType.STOP_LIMIT, limit="102", stop="101")
    assert reference_price(order, 103.0, 104.0, 102.5) is None
    assert order.stop_triggered
    # From now on only the limit matters: the stop (101) is not re-checked.
    assert reference_price(order, 101.5, 101.9, 100.0) == 101.5
    assert reference_price(order, 103.0, 103.5, 101.0) == 102.0


def test_triggered_stop_trades_as_a_market_order() -> None:
    order = _order(10, OrderType.STOP, stop="105")
    assert reference_price(order, 100.0, 106.0, 100.0) == 105.0
    # The price fell back under the stop; a triggered stop still trades at the open.
    assert reference_price(order, 103.0, 104.0, 101.0) == 103.0


def test_volume_capacity() -> None:
    assert volume_capacity(1000.0, 0.025, fractional=False) == 25
    assert volume_capacity(1039.0, 0.025, fractional=False) == 25  # 25.975 truncated
    assert volume_capacity(1039.0, 0.025, fractional=True) == D("25.975")
    assert volume_capacity(float("nan"), 0.025, fractional=False) == 0
    assert volume_capacity(0.0, 1.0, fractional=True) == 0


def test_order_validation() -> None:
    with pytest.raises(OrderError, match="must not be zero"):
        _order(0)
    with pytest.raises(OrderError, match="limit price"):
        _order(1, OrderType.LIMIT)
    with pytest.raises(OrderError, match="limit price"):
        _order(1, OrderType.LIMIT, limit="-1")
    with pytest.raises(OrderError, match="stop price"):
        _order(1, OrderType.STOP_LIMIT, limit="1")


def test_order_life_cycle_fields() -> None:
    order = _order(-30)
    assert not order.is_buy
    assert order.remaining == -30
    assert order.average_price is None
    order.filled, order.fill_value = D(-10), D(-1005)
    assert order.remaining == -20
    assert order.average_price == D("100.5")
    assert order.status is OrderStatus.OPEN
    order.close(OrderStatus.CANCELLED, WHEN, "test")
    assert not order.is_open
    record = order.to_record()
    assert record["status"] == "cancelled"
    assert record["reason"] == "test"
    assert record["average_price"] == D("100.5")


@pytest.mark.parametrize("price", ["NaN", "Infinity", "0"])
def test_non_finite_or_zero_trigger_prices_are_order_errors(price: str) -> None:
    with pytest.raises(OrderError, match="positive, finite limit price"):
        _order(1, OrderType.LIMIT, limit=price)
    with pytest.raises(OrderError, match="positive, finite stop price"):
        _order(-1, OrderType.STOP, stop=price)
