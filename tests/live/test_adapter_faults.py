"""Fault injection per error class, through the real client libraries, for every real adapter.

The fake venue counts how often it saw each client order id, so "never resent"
is checked where it happens: at the venue.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from rustybt.errors import BrokerError, BrokerTimeout, RateLimited
from rustybt.live.broker import OrderRequest, Outcome, VenueOrderStatus
from tests.live.harness import HARNESSES, VenueHarness, running
from tests.live.venues.http import Fault

ORDER_PATHS = {"ccxt:binance": "/api/v3/order", "alpaca": "/v2/orders"}
RATE_LIMIT_BODIES = {
    "ccxt:binance": {
        "code": -1003,
        "msg": "Too many requests; current limit is 6000 request weight per 1 MINUTE.",
    },
    "alpaca": {"code": 42910000, "message": "rate limit exceeded"},
}


@pytest.fixture(params=sorted(HARNESSES))
def venue(request: pytest.FixtureRequest) -> Iterator[tuple[str, VenueHarness]]:
    for harness in running(HARNESSES[request.param]):
        yield request.param, harness


def buy(h: VenueHarness, client_id: str) -> OrderRequest:
    return OrderRequest(client_id, h.symbol, "buy", h.quantity, "limit", limit_price=h.limit_price)


@pytest.mark.parametrize(
    ("kind", "status", "applied"),
    [
        ("status_after_apply", 500, True),
        ("status_after_apply", 502, True),
        ("status", 503, False),
        ("timeout_after_apply", 0, True),
        ("disconnect_after_apply", 0, True),
        ("garbage_after_apply", 0, True),
    ],
)
def test_a_submit_that_may_have_arrived_is_unknown_and_never_resent(
    venue: tuple[str, VenueHarness], kind: str, status: int, applied: bool
) -> None:
    name, h = venue
    assert h.server is not None
    h.server.inject(
        Fault(
            kind,
            method="POST",
            path=ORDER_PATHS[name],
            status=status,
            body={"code": -1000, "msg": "x"},
            delay=0.8,
        )
    )
    result = h.broker.submit(buy(h, "u-1"))
    assert result.outcome is Outcome.UNKNOWN
    assert isinstance(result.error, BrokerError)
    if kind == "timeout_after_apply":
        assert isinstance(result.error, BrokerTimeout)
    assert h.submissions("u-1") == (1 if applied else 0)  # sent once, never again
    assert "signature=" not in str(result.error) or "signature=***" in str(result.error)
    # resolved by asking the venue with the same client order id
    found = h.broker.order_status("u-1")
    if applied:
        assert found is not None
        assert found.status.is_open
        assert found.quantity == h.quantity
    else:
        assert found is None
    assert h.submissions("u-1") == (1 if applied else 0)
    assert len(h.server.calls("POST", ORDER_PATHS[name])) == 1


def test_connection_refused_is_failed_and_safely_retried(venue: tuple[str, VenueHarness]) -> None:
    _name, h = venue
    assert h.server is not None
    h.broker.open_orders()  # markets loaded, connection pooled
    h.server.stop()
    result = h.broker.submit(buy(h, "x-1"))
    assert result.outcome is Outcome.FAILED
    assert isinstance(result.error, BrokerError)
    assert result.error.transient
    h.server.start()
    assert h.submissions("x-1") == 0
    retried = h.broker.submit(buy(h, "x-1"))  # nothing reached the venue: sending again is safe
    assert retried.outcome is Outcome.DONE
    assert h.submissions("x-1") == 1


def test_rate_limit_waits_retry_after_then_succeeds(venue: tuple[str, VenueHarness]) -> None:
    check_retry_after_is_honoured(*venue, status=429)


def test_binance_ip_ban_418_waits_retry_after_then_succeeds() -> None:
    for h in running(HARNESSES["ccxt:binance"]):
        check_retry_after_is_honoured("ccxt:binance", h, status=418)


def check_retry_after_is_honoured(name: str, h: VenueHarness, *, status: int) -> None:
    assert h.server is not None
    assert h.limiter is not None
    h.server.inject(
        Fault(
            "status",
            method="POST",
            path=ORDER_PATHS[name],
            status=status,
            body=RATE_LIMIT_BODIES[name],
            headers={"Retry-After": "7"},
        )
    )
    before = h.clock.now
    result = h.broker.submit(buy(h, "rl-1"))
    assert result.outcome is Outcome.DONE
    assert result.error is None
    assert h.submissions("rl-1") == 1
    assert len(h.server.calls("POST", ORDER_PATHS[name])) == 2  # the refused attempt and the retry
    # the second attempt went out only after the venue's Retry-After had passed
    assert h.clock.now - before >= 7.0
    assert sum(h.clock.slept) >= 7.0


def test_rate_limit_that_persists_is_a_transient_reject(venue: tuple[str, VenueHarness]) -> None:
    name, h = venue
    assert h.server is not None
    h.server.inject(
        Fault(
            "status",
            method="POST",
            path=ORDER_PATHS[name],
            status=429,
            times=10,
            body=RATE_LIMIT_BODIES[name],
            headers={"Retry-After": "1"},
        )
    )
    result = h.broker.submit(buy(h, "rl-2"))
    assert result.outcome is Outcome.DONE
    assert isinstance(result.error, RateLimited)
    assert result.error.transient
    assert result.error.context["retry_after"] == 1.0
    assert result.order is not None
    assert result.order.status is VenueOrderStatus.REJECTED
    assert len(h.server.calls("POST", ORDER_PATHS[name])) == 3  # the policy's three attempts
    assert h.submissions("rl-2") == 0


def test_alpaca_reset_header_is_honoured() -> None:
    for h in running(HARNESSES["alpaca"]):
        assert h.server is not None
        import time

        reset = str(int(time.time()) + 5)
        h.server.inject(
            Fault(
                "status",
                method="GET",
                path="/v2/account",
                status=429,
                body=RATE_LIMIT_BODIES["alpaca"],
                headers={"X-RateLimit-Reset": reset},
            )
        )
        before = h.clock.now
        assert "USD" in h.broker.balances()
        assert h.clock.now - before >= 3.0


def test_reads_retry_through_5xx_and_timeouts(venue: tuple[str, VenueHarness]) -> None:
    name, h = venue
    assert h.server is not None
    h.broker.submit(buy(h, "rd-1"))
    path = "/api/v3/openOrders" if name == "ccxt:binance" else "/v2/orders"
    h.server.inject(
        Fault("status", method="GET", path=path, status=500, body={"code": -1000, "msg": "x"})
    )
    h.server.inject(Fault("timeout_after_apply", method="GET", path=path, delay=0.8))
    assert [o.client_order_id for o in h.broker.open_orders()] == ["rd-1"]
    assert len(h.server.calls("GET", path)) == 3


def test_reads_that_keep_failing_raise_a_transient_broker_error(
    venue: tuple[str, VenueHarness],
) -> None:
    name, h = venue
    assert h.server is not None
    path = "/api/v3/account" if name == "ccxt:binance" else "/v2/account"
    h.server.inject(
        Fault(
            "status", method="GET", path=path, status=503, times=5, body={"code": -1000, "msg": "x"}
        )
    )
    with pytest.raises(BrokerError) as caught:
        h.broker.balances()
    assert caught.value.transient


def test_a_cancel_that_timed_out_is_unknown_then_resolved_by_status(
    venue: tuple[str, VenueHarness],
) -> None:
    name, h = venue
    assert h.server is not None
    h.broker.submit(buy(h, "ct-1"))
    path = "/api/v3/order" if name == "ccxt:binance" else "/v2/orders/*"
    h.server.inject(Fault("timeout_after_apply", method="DELETE", path=path, delay=0.8))
    result = h.broker.cancel("ct-1")
    assert result.outcome is Outcome.UNKNOWN
    status = h.broker.order_status("ct-1")
    assert status is not None
    assert status.status is VenueOrderStatus.CANCELLED


def test_bad_credentials_are_a_definitive_non_transient_error(
    venue: tuple[str, VenueHarness],
) -> None:
    name, h = venue
    assert h.server is not None
    body = (
        {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}
        if name == "ccxt:binance"
        else {"code": 40110000, "message": "request is not authorized"}
    )
    h.server.inject(Fault("status", method="POST", path=ORDER_PATHS[name], status=401, body=body))
    result = h.broker.submit(buy(h, "auth-1"))
    assert result.outcome is Outcome.DONE
    assert isinstance(result.error, BrokerError)
    assert not result.error.transient
    assert "secrets store" in (result.error.hint or "")
    assert len(h.server.calls("POST", ORDER_PATHS[name])) == 1


def test_reconnect_recovers_missed_fills_from_the_rest_snapshot(
    venue: tuple[str, VenueHarness],
) -> None:
    _name, h = venue
    assert h.server is not None
    h.broker.submit(buy(h, "rc-1"))
    h.fill("rc-1", h.quantity / 4, h.limit_price)
    seen, cursor = h.broker.fills_since(None)
    assert len(seen) == 1
    h.server.stop()  # the connection drops; the venue keeps trading
    h.fill("rc-1", h.quantity / 4, h.limit_price)
    h.fill("rc-1", h.quantity / 2, h.limit_price)
    with pytest.raises(BrokerError) as caught:
        h.broker.fills_since(cursor)
    assert caught.value.transient
    h.server.start()
    missed, cursor2 = h.broker.fills_since(cursor)
    assert [f.quantity for f in missed] == [h.quantity / 4, h.quantity / 2]
    assert {f.client_order_id for f in missed} == {"rc-1"}
    assert sum((f.quantity for f in [*seen, *missed]), Decimal(0)) == h.quantity
    assert h.broker.fills_since(cursor2)[0] == []


def test_duplicated_and_out_of_order_fill_rows_are_reported_once_in_order(
    venue: tuple[str, VenueHarness],
) -> None:
    name, h = venue
    knobs = h.knobs
    if name == "ccxt:binance":
        knobs.duplicate_trades = knobs.shuffle_trades = True  # type: ignore[attr-defined]
    else:
        knobs.duplicate_fills = knobs.shuffle_fills = True  # type: ignore[attr-defined]
    h.broker.submit(buy(h, "d-1"))
    for part in (Decimal("0.1"), Decimal("0.3"), Decimal("0.6")):
        h.fill("d-1", h.quantity * part, h.limit_price)
    fills, cursor = h.broker.fills_since(None)
    assert [f.quantity for f in fills] == [
        h.quantity * p for p in (Decimal("0.1"), Decimal("0.3"), Decimal("0.6"))
    ]
    assert len({f.trade_id for f in fills}) == 3
    assert h.broker.fills_since(cursor)[0] == []


def test_a_first_submit_while_the_venue_is_down_fails_without_raising(
    venue: tuple[str, VenueHarness],
) -> None:
    _name, h = venue
    assert h.server is not None
    h.server.stop()  # before the broker has loaded anything (ccxt: its markets)
    result = h.broker.submit(buy(h, "down-1"))
    assert result.outcome is Outcome.FAILED
    assert isinstance(result.error, BrokerError)
    assert result.error.transient
    assert h.broker.cancel("down-1").outcome is Outcome.FAILED
    h.server.start()
