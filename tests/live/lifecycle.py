"""The order-lifecycle suite every `Broker` adapter must pass (LEAN's brokerage-test habit).

An adapter's test module subclasses `LifecycleSuite` and provides a ``harness``
fixture returning a `Harness` for its venue (the paper broker on a small panel
here; CCXT and Alpaca against their local fake venue servers)::

    class TestMyBroker(LifecycleSuite):
        @pytest.fixture
        def harness(self) -> Iterator[Harness]:
            broker = MyBroker(...)
            yield Harness(broker, symbol="BTC/USDT", quantity=Decimal("0.01"),
                          far_limit=Decimal("1000"), advance=venue.match)
            broker.close()
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
import pytest

from rustybt.errors import RustyBTError
from rustybt.live.broker import Broker, OrderRequest, Outcome, VenueOrderStatus

_ids = itertools.count(1)


@dataclass
class Harness:
    """A broker under test and how to drive its venue."""

    broker: Broker
    symbol: str
    quantity: Decimal  # a small marketable size
    far_limit: Decimal  # a buy limit far below the market: rests, never fills
    advance: Callable[[], None]  # let the venue match (the paper broker: next bar)
    prefix: str = field(default_factory=lambda: f"lc{next(_ids)}")
    # Whether the venue reports an order larger than the account as rejected (DONE)
    # or refused locally (FAILED); None: the venue accepts it (margin), skip the test.
    too_large: Decimal | None = None

    def coid(self, name: str) -> str:
        return f"{self.prefix}-{name}"


def _market(h: Harness, name: str, side: str = "buy") -> OrderRequest:
    return OrderRequest(h.coid(name), h.symbol, side, h.quantity, "market")  # type: ignore[arg-type]  # literal side


def _resting(h: Harness, name: str) -> OrderRequest:
    return OrderRequest(h.coid(name), h.symbol, "buy", h.quantity, "limit", limit_price=h.far_limit)


class LifecycleSuite:
    """Known answers for submit → accept → fill, cancel, modify, queries, dedup."""

    @pytest.fixture
    def harness(self) -> Harness:  # pragma: no cover - every subclass provides it
        raise NotImplementedError

    def test_market_order_fills_once_and_is_reported_by_every_query(self, harness: Harness) -> None:
        broker = harness.broker
        _, cursor = broker.fills_since(None)
        before = broker.positions().get(harness.symbol, Decimal(0))
        result = broker.submit(_market(harness, "mkt"))
        assert result.outcome is Outcome.DONE
        assert result.order is not None
        assert result.order.client_order_id == harness.coid("mkt")
        harness.advance()
        status = broker.order_status(harness.coid("mkt"))
        assert status is not None
        assert status.status is VenueOrderStatus.FILLED
        assert status.filled_quantity == harness.quantity
        fills, cursor2 = broker.fills_since(cursor)
        ours = [f for f in fills if f.client_order_id == harness.coid("mkt")]
        assert sum(f.quantity for f in ours) == harness.quantity
        assert all(f.side == "buy" and f.price > 0 for f in ours)
        assert len({f.trade_id for f in ours}) == len(ours)
        again, _ = broker.fills_since(cursor2)  # the cursor moved past them
        assert not [f for f in again if f.client_order_id == harness.coid("mkt")]
        assert broker.positions().get(harness.symbol, Decimal(0)) == before + harness.quantity

    def test_resting_order_is_open_then_cancelled(self, harness: Harness) -> None:
        broker = harness.broker
        result = broker.submit(_resting(harness, "rest"))
        assert result.outcome is Outcome.DONE
        harness.advance()
        open_ids = {o.client_order_id for o in broker.open_orders()}
        assert harness.coid("rest") in open_ids
        recent = broker.recent_orders(pd.Timestamp("2000-01-01", tz="UTC"))
        assert harness.coid("rest") in {o.client_order_id for o in recent}
        cancelled = broker.cancel(harness.coid("rest"))
        assert cancelled.outcome is Outcome.DONE
        status = broker.order_status(harness.coid("rest"))
        assert status is not None
        assert status.status is VenueOrderStatus.CANCELLED
        assert harness.coid("rest") not in {o.client_order_id for o in broker.open_orders()}

    def test_modify_replaces_a_resting_order(self, harness: Harness) -> None:
        broker = harness.broker
        broker.submit(_resting(harness, "old"))
        replacement = OrderRequest(
            harness.coid("new"),
            harness.symbol,
            "buy",
            harness.quantity,
            "limit",
            limit_price=harness.far_limit * Decimal("0.99"),
        )
        result = broker.modify(harness.coid("old"), replacement)
        assert result.outcome is Outcome.DONE
        open_ids = {o.client_order_id for o in broker.open_orders()}
        assert harness.coid("old") not in open_ids
        assert harness.coid("new") in open_ids
        broker.cancel(harness.coid("new"))

    def test_reused_client_order_id_never_makes_a_second_order(self, harness: Harness) -> None:
        broker = harness.broker
        broker.submit(_resting(harness, "dup"))
        second = broker.submit(_resting(harness, "dup"))
        assert second.outcome in (Outcome.DONE, Outcome.FAILED)
        matching = [o for o in broker.open_orders() if o.client_order_id == harness.coid("dup")]
        assert len(matching) == 1
        broker.cancel(harness.coid("dup"))

    def test_unknown_order_is_none(self, harness: Harness) -> None:
        assert harness.broker.order_status(harness.coid("never-sent")) is None

    def test_order_larger_than_the_account_fails_with_a_clear_error(self, harness: Harness) -> None:
        if harness.too_large is None:
            pytest.skip("this venue accepts it (margin)")
        request = OrderRequest(
            harness.coid("huge"), harness.symbol, "buy", harness.too_large, "market"
        )
        result = harness.broker.submit(request)
        harness.advance()
        status = harness.broker.order_status(harness.coid("huge"))
        # A real venue never creates a rejected order (order_status is None then):
        # its refusal is a DONE result carrying a REJECTED order record.
        rejected = (
            result.outcome is Outcome.FAILED
            or (status is not None and status.status is VenueOrderStatus.REJECTED)
            or (result.order is not None and result.order.status is VenueOrderStatus.REJECTED)
        )
        assert rejected
        if result.error is not None:
            assert isinstance(result.error, RustyBTError)
            assert result.error.message

    def test_balances_and_positions_are_decimals(self, harness: Harness) -> None:
        balances = harness.broker.balances()
        assert balances
        assert all(isinstance(v, Decimal) for v in balances.values())
        assert all(isinstance(v, Decimal) for v in harness.broker.positions().values())
