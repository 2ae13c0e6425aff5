"""Venue records → VenueOrder/VenueFill: exact decimals, clear errors on records that make no sense."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rustybt.errors import BrokerError
from rustybt.live.adapters.ccxt_parse import decimal_or_none, parse_ccxt_order, parse_ccxt_trade
from rustybt.live.broker import VenueOrderStatus


@given(
    units=st.integers(min_value=1, max_value=10**14),
    places=st.integers(min_value=0, max_value=8),
)
def test_a_venue_decimal_survives_ccxt_floats_exactly(units: int, places: int) -> None:
    # ccxt hands over floats; up to 15 significant digits they come back exact
    text = str(Decimal(units).scaleb(-places))
    assert decimal_or_none(float(text)) == Decimal(text)


@pytest.mark.parametrize("bad", ["abc", "nan", "inf", float("nan")])
def test_numbers_that_are_not_numbers_are_broker_errors(bad: object) -> None:
    with pytest.raises(BrokerError, match="number"):
        decimal_or_none(bad)


def order(**changes: object) -> dict[str, object]:
    raw: dict[str, object] = {
        "id": "42",
        "clientOrderId": "rb-1-1",
        "symbol": "BTC/USDT",
        "side": "buy",
        "type": "limit",
        "status": "open",
        "amount": 0.5,
        "filled": 0.2,
        "average": 29000.5,
        "price": 29000.5,
        "timestamp": 1_700_000_000_000,
        "info": {},
    }
    raw.update(changes)
    return raw


def test_an_open_order_with_fills_is_partially_filled() -> None:
    parsed = parse_ccxt_order(order(), venue="v")
    assert parsed.status is VenueOrderStatus.PARTIALLY_FILLED
    assert (parsed.quantity, parsed.filled_quantity) == (Decimal("0.5"), Decimal("0.2"))
    assert parsed.average_price == Decimal("29000.5")
    assert parsed.created_at is not None
    assert parsed.created_at.value == 1_700_000_000_000 * 1_000_000


def test_a_cancel_reply_names_the_original_client_id() -> None:
    raw = order(status="canceled", clientOrderId="cancel-req", info={"origClientOrderId": "rb-1-1"})
    assert parse_ccxt_order(raw, venue="v").client_order_id == "rb-1-1"


def test_stop_orders_keep_their_kind() -> None:
    assert parse_ccxt_order(order(triggerPrice=28000.0), venue="v").order_type == "stop_limit"
    market_stop = order(type="market", triggerPrice=28000.0, price=None)
    assert parse_ccxt_order(market_stop, venue="v").order_type == "stop"


@pytest.mark.parametrize(
    "changes",
    [
        {"status": None},
        {"clientOrderId": None},
        {"amount": None},
        {"side": "short"},
        {"symbol": ""},
    ],
)
def test_an_unreadable_order_is_a_transient_broker_error(changes: dict[str, object]) -> None:
    with pytest.raises(BrokerError) as caught:
        parse_ccxt_order(order(**changes), venue="v")
    assert caught.value.transient


def test_a_reply_that_is_not_a_record_is_a_broker_error() -> None:
    with pytest.raises(BrokerError, match="not a record"):
        parse_ccxt_order("<html>", venue="v")  # type: ignore[arg-type]


def test_trades_need_an_id_amount_price_and_time() -> None:
    trade = {
        "id": "7",
        "order": "42",
        "symbol": "BTC/USDT",
        "side": "sell",
        "amount": 0.1,
        "price": 30000.0,
        "timestamp": 1_700_000_000_000,
        "fee": {"cost": 3.0, "currency": "USDT"},
    }
    fill = parse_ccxt_trade(trade, venue="v")
    assert (fill.trade_id, fill.venue_order_id, fill.side) == ("7", "42", "sell")
    assert (fill.quantity, fill.price, fill.commission) == (
        Decimal("0.1"),
        Decimal("30000.0"),
        Decimal(3),
    )
    for missing in ("id", "amount", "price", "timestamp"):
        with pytest.raises(BrokerError):
            parse_ccxt_trade({**trade, missing: None}, venue="v")
