"""The venue order-lifecycle suite: every real adapter in ``HARNESSES`` must pass it unchanged.

Each real adapter runs through its real client library (ccxt, alpaca-py)
against a local fake of the venue's REST API. Known answers throughout: exact
quantities, prices, statuses and balances.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pandas as pd
import pytest

from rustybt.errors import InsufficientFunds, OrderRejected
from rustybt.live.broker import Broker, OrderRequest, Outcome, VenueOrderStatus
from tests.live.harness import HARNESSES, VenueHarness, running

OPEN = (VenueOrderStatus.NEW, VenueOrderStatus.OPEN)


@pytest.fixture(params=sorted(HARNESSES))
def harness(request: pytest.FixtureRequest) -> Iterator[VenueHarness]:
    yield from running(HARNESSES[request.param])


def limit_buy(h: VenueHarness, client_id: str, quantity: Decimal | None = None) -> OrderRequest:
    return OrderRequest(
        client_id, h.symbol, "buy", quantity or h.quantity, "limit", limit_price=h.limit_price
    )


def test_it_is_a_broker(harness: VenueHarness) -> None:
    assert isinstance(harness.broker, Broker)


def test_submit_then_status_by_client_id(harness: VenueHarness) -> None:
    result = harness.broker.submit(limit_buy(harness, "s-1"))
    assert result.outcome is Outcome.DONE
    assert result.error is None
    assert result.order is not None
    assert result.order.status in OPEN
    assert result.order.client_order_id == "s-1"
    assert result.order.venue_order_id
    status = harness.broker.order_status("s-1")
    assert status is not None
    assert (status.symbol, status.side, status.quantity) == (
        harness.symbol,
        "buy",
        harness.quantity,
    )
    assert status.limit_price == harness.limit_price
    assert status.filled_quantity == 0
    assert status.venue_order_id == result.order.venue_order_id
    assert [o.client_order_id for o in harness.broker.open_orders()] == ["s-1"]
    assert harness.submissions("s-1") == 1


def test_unknown_client_id_is_none(harness: VenueHarness) -> None:
    assert harness.broker.order_status("never-sent") is None


def test_partial_then_full_fill_and_fills_since_cursor(harness: VenueHarness) -> None:
    h = harness
    h.broker.submit(limit_buy(h, "f-1"))
    first = h.quantity * Decimal("0.4")
    h.fill("f-1", first, h.limit_price)
    status = h.broker.order_status("f-1")
    assert status is not None
    assert status.status is VenueOrderStatus.PARTIALLY_FILLED
    assert status.filled_quantity == first

    fills, cursor = h.broker.fills_since(None)
    assert [(f.client_order_id, f.quantity, f.price, f.side) for f in fills] == [
        ("f-1", first, h.limit_price, "buy")
    ]
    assert fills[0].commission == (first * h.limit_price * h.fee_rate).quantize(Decimal("1e-8"))

    h.fill("f-1", h.quantity - first, h.limit_price)
    more, cursor2 = h.broker.fills_since(cursor)
    assert [(f.client_order_id, f.quantity) for f in more] == [("f-1", h.quantity - first)]
    assert more[0].trade_id != fills[0].trade_id
    status = h.broker.order_status("f-1")
    assert status is not None
    assert status.status is VenueOrderStatus.FILLED
    assert status.average_price == h.limit_price
    # reading again from the newest cursor reports nothing twice
    again, cursor3 = h.broker.fills_since(cursor2)
    assert again == []
    assert cursor3 == cursor2
    assert h.broker.open_orders() == []


def test_cancel_then_cancel_again(harness: VenueHarness) -> None:
    harness.broker.submit(limit_buy(harness, "c-1"))
    result = harness.broker.cancel("c-1")
    assert result.outcome is Outcome.DONE
    assert result.error is None
    assert result.order is not None
    assert result.order.status is VenueOrderStatus.CANCELLED
    assert harness.broker.open_orders() == []
    # the venue answers "unknown order" for a closed one: a definitive refusal, with the real state
    again = harness.broker.cancel("c-1")
    assert again.outcome is Outcome.DONE
    assert isinstance(again.error, OrderRejected)
    assert again.order is not None
    assert again.order.status is VenueOrderStatus.CANCELLED


def test_cancel_of_an_order_the_venue_never_saw(harness: VenueHarness) -> None:
    result = harness.broker.cancel("ghost")
    assert result.outcome is Outcome.DONE
    assert isinstance(result.error, OrderRejected)
    assert result.order is None


def test_modify_replaces_the_order(harness: VenueHarness) -> None:
    h = harness
    h.broker.submit(limit_buy(h, "m-1"))
    new_price = h.limit_price + 1
    replacement = OrderRequest(
        "m-2", h.symbol, "buy", h.quantity * 2, "limit", limit_price=new_price
    )
    result = h.broker.modify("m-1", replacement)
    assert result.outcome is Outcome.DONE
    assert result.error is None
    assert result.order is not None
    assert result.order.client_order_id == "m-2"
    assert (result.order.quantity, result.order.limit_price) == (h.quantity * 2, new_price)
    old = h.broker.order_status("m-1")
    assert old is not None
    assert not old.status.is_open
    assert [o.client_order_id for o in h.broker.open_orders()] == ["m-2"]


def test_modify_of_a_closed_order_is_refused(harness: VenueHarness) -> None:
    h = harness
    h.broker.submit(limit_buy(h, "mc-1"))
    h.broker.cancel("mc-1")
    result = h.broker.modify("mc-1", limit_buy(h, "mc-2"))
    assert result.outcome is Outcome.DONE
    assert isinstance(result.error, OrderRejected)
    assert h.submissions("mc-2") == 0


def test_market_buy_moves_positions_and_balances_exactly(harness: VenueHarness) -> None:
    h = harness
    before = h.broker.balances()[h.quote]
    result = h.broker.submit(OrderRequest("p-1", h.symbol, "buy", h.quantity, "market"))
    assert result.outcome is Outcome.DONE
    assert result.order is not None
    assert result.order.status is VenueOrderStatus.FILLED
    assert result.order.average_price == h.market_price
    assert h.broker.positions() == {h.symbol: h.quantity}
    notional = h.quantity * h.market_price
    fee = (notional * h.fee_rate).quantize(Decimal("1e-8"))
    assert h.broker.balances()[h.quote] == before - notional - fee
    sold = h.broker.submit(OrderRequest("p-2", h.symbol, "sell", h.quantity, "market"))
    assert sold.order is not None
    assert sold.order.status is VenueOrderStatus.FILLED
    assert h.broker.positions() == {}


def test_insufficient_balance_is_a_definitive_reject(harness: VenueHarness) -> None:
    h = harness
    request = OrderRequest("r-1", h.symbol, "buy", Decimal("1000000"), "market")
    result = h.broker.submit(request)
    assert result.outcome is Outcome.DONE
    assert isinstance(result.error, InsufficientFunds)
    assert not result.error.transient
    assert result.order is not None
    assert result.order.status is VenueOrderStatus.REJECTED
    assert h.submissions("r-1") == 1  # not retried
    assert h.broker.order_status("r-1") is None
    assert h.broker.open_orders() == []


def test_selling_what_is_not_held_is_rejected(harness: VenueHarness) -> None:
    h = harness
    result = h.broker.submit(OrderRequest("r-2", h.symbol, "sell", h.quantity, "market"))
    assert result.outcome is Outcome.DONE
    assert isinstance(result.error, InsufficientFunds)


def test_recent_orders_include_closed_ones(harness: VenueHarness) -> None:
    h = harness
    start = pd.Timestamp.now(tz="UTC") - pd.Timedelta(seconds=5)
    h.broker.submit(limit_buy(h, "o-1"))
    h.broker.submit(limit_buy(h, "o-2"))
    h.broker.cancel("o-1")
    recent = {o.client_order_id: o.status for o in h.broker.recent_orders(start)}
    assert recent["o-1"] is VenueOrderStatus.CANCELLED
    assert recent["o-2"] in OPEN
    later = pd.Timestamp.now(tz="UTC") + pd.Timedelta(hours=1)
    assert [o.client_order_id for o in h.broker.recent_orders(later)] == ["o-2"]  # still open


def test_external_orders_are_visible_for_adoption(harness: VenueHarness) -> None:
    h = harness
    h.place_external("web_abc123")
    h.broker.submit(limit_buy(h, "ours-1"))
    seen = {o.client_order_id for o in h.broker.open_orders()}
    assert seen == {"web_abc123", "ours-1"}
    external = h.broker.order_status("web_abc123")
    assert external is not None
    assert external.status in OPEN
    # its fills come with its venue client id, so the runner can tell it is not ours
    h.fill("web_abc123", external.quantity, external.limit_price or Decimal(1))
    fills, _ = h.broker.fills_since(None)
    assert [f.client_order_id for f in fills] == ["web_abc123"]
