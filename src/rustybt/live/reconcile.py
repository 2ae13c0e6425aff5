"""Reconciliation: local state against the venue, per order, then fills, positions, cash.

Run at start and after every reconnect. Per order (not only by net position):

1. every order the state may have sent (intent, unknown, accepted and still open)
   is looked up by its client order id: an intent the venue never saw is closed
   as not sent; an unknown submit is settled by what the venue says; an accepted
   order the venue does not know is a mismatch;
2. venue orders the state does not know are adopted as external and reported:
   the open ones, and after a restart or reconnect also those placed since the
   previous reconciliation and closed meanwhile (`Broker.recent_orders`), so an
   order filled or cancelled while we were down is reported, not only its fills;
3. fills since the stored cursor are booked (deduplicated by trade id);
4. positions and cash are compared with the ledger (as changes since the
   session's first start, so an account's prior holdings are not mismatches).

Anything left unexplained makes the reconciliation incomplete, and the runner
fails closed: new orders are refused, cancels still work.

With the broker on a worker thread the venue's answers are read there in one go
(`rustybt.live.venue_snapshot`) and this same code runs on them (``venue=``), so the
bar loop never waits for the venue (`gather_request` says what to read).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal

import pandas as pd

from rustybt.engine.orders import Order, OrderStatus
from rustybt.errors import BrokerError
from rustybt.live.broker import VenueOrder
from rustybt.live.broker_blotter import BrokerBlotter
from rustybt.live.broker_worker import Gather
from rustybt.live.state import INTENT, NOT_SENT, SENT, OrderRecord
from rustybt.live.venue_snapshot import VenueSnapshot
from rustybt.money import ZERO

__all__ = ["ReconciliationReport", "baseline", "gather_request", "reconcile"]

_CENT = Decimal("0.01")
_SKEW = pd.Timedelta(minutes=1)


@dataclass
class ReconciliationReport:
    """What one reconciliation found; ``complete`` False halts new orders."""

    at: str
    orders_checked: int = 0
    resolved: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def complete(self) -> bool:
        return not self.mismatches and self.error is None

    def to_dict(self) -> dict[str, object]:
        fields = asdict(self)
        fields["complete"] = self.complete
        return fields


def baseline(blotter: BrokerBlotter) -> dict[str, object]:
    """The venue's books at the session's first start (kept in the state store)."""
    broker = blotter.broker
    return {
        "positions": {k: str(v) for k, v in broker.positions().items()},
        "balances": {k: str(v) for k, v in broker.balances().items()},
    }


def gather_request(blotter: BrokerBlotter) -> Gather:
    """What a reconciliation of the blotter as it is now reads from the venue."""
    asked = frozenset(coid for coid, _ in blotter.unresolved())
    return Gather(asked, _down_since(blotter))


def reconcile(
    blotter: BrokerBlotter,
    bar: int,
    *,
    cash_currency: str | None,
    start: dict[str, object],
    venue: VenueSnapshot | None = None,
) -> ReconciliationReport:
    """Reconcile (see the module docstring); never raises for a venue error: reports it.
    With ``venue`` the venue's answers come from that snapshot, not the wire."""
    when = blotter.timestamp(max(bar, 0))
    report = ReconciliationReport(at=pd.Timestamp.now(tz="UTC").isoformat())
    wire = blotter.broker
    try:
        if venue is not None:
            blotter.broker = venue
        _orders(blotter, when, report)
        if venue is not None:  # the snapshot's fills, not the worker's next poll
            BrokerBlotter.sync(blotter, bar, force=True)
        else:
            blotter.sync(bar, force=True)
        _books(blotter, report, cash_currency, start)
    except BrokerError as error:
        report.error = error.message
    finally:
        blotter.broker = wire
    blotter.store.set_json("last_reconciliation", report.to_dict())
    blotter.events.reconciliation(
        {
            "complete": report.complete,
            "orders_checked": report.orders_checked,
            "adopted": report.adopted,
            "resolved": report.resolved,
            "mismatches": report.mismatches + ([report.error] if report.error else []),
        }
    )
    if report.complete:
        blotter.halt_reasons.pop("reconciliation", None)
    else:
        first = (report.mismatches or [report.error or "unknown"])[0]
        blotter.halt_reasons["reconciliation"] = f"reconciliation incomplete ({first})"
    return report


def _orders(blotter: BrokerBlotter, when: pd.Timestamp, report: ReconciliationReport) -> None:
    broker = blotter.broker
    # One request for the venue's open orders answers for every unresolved order it
    # lists; only the others are asked one by one (each request is a chance of a 429 or
    # a timeout, and a takeover or a reconnect waits for all of them).
    listed = {v.client_order_id: v for v in broker.open_orders()}
    for coid, order in blotter.unresolved():
        state = blotter.states.get(coid)
        report.orders_checked += 1
        venue = listed[coid] if coid in listed else broker.order_status(coid)
        if venue is None and coid in blotter.replaces and state != SENT:
            from rustybt.live.broker_modify import replacement_missing

            replacement_missing(blotter, coid, when)  # the modification did not happen
            report.resolved.append(coid)
            continue
        if venue is None:
            if state == SENT:
                report.mismatches.append(f"{coid}: accepted earlier, unknown to the venue now")
                continue
            reason = (
                "not sent: the process stopped before sending it"
                if state == INTENT
                else "never reached the venue (outcome was unknown)"
            )
            blotter._close(order, coid, OrderStatus.REJECTED, when, reason, state=NOT_SENT)
            blotter.events.order_reconciled(coid, "not at venue", reason)
            report.resolved.append(coid)
            continue
        if state != SENT:
            blotter.found_at_venue(coid, order, venue, when)
            report.resolved.append(coid)
    for venue in _unknown_venue_orders(blotter, listed):
        _adopt(blotter, venue, when, report)


def _unknown_venue_orders(
    blotter: BrokerBlotter, listed: dict[str, VenueOrder]
) -> list[VenueOrder]:
    """Venue orders the state does not know: every open one (``listed``) and, after a
    restart or a reconnect, those placed since the previous reconciliation that have
    closed since (an external order filled while we were down is adopted, not only its
    fills booked)."""
    broker = blotter.broker
    found = dict(listed)
    since = _down_since(blotter)
    if since is not None:
        for venue in broker.recent_orders(since):
            found.setdefault(venue.client_order_id, venue)
    return [v for coid, v in found.items() if coid not in blotter.coids]


def _down_since(blotter: BrokerBlotter) -> pd.Timestamp | None:
    """When the previous reconciliation ran (None on a session's first start), moved back
    to the last bar's time if that is earlier (the paper broker dates orders by bar),
    less a minute for clock skew: orders we already know are skipped anyway."""
    previous = blotter.store.get_json("last_reconciliation")
    if not isinstance(previous, dict) or not previous.get("at"):
        return None
    since = pd.Timestamp(str(previous["at"]))
    last_bar = blotter.store.get("last_bar_time")
    if last_bar:
        since = min(since, pd.Timestamp(last_bar))
    return since - _SKEW


def _adopt(
    blotter: BrokerBlotter, venue: VenueOrder, when: pd.Timestamp, report: ReconciliationReport
) -> None:
    """Adopt a venue order as external: open until its fills (booked next) or its
    closure (settled by `BrokerBlotter.sync` from `order_status`) say otherwise."""
    columns = blotter._columns_by_symbol()
    if venue.symbol not in columns:
        report.mismatches.append(f"external order {venue.client_order_id} on {venue.symbol}")
        return
    asset = blotter.panel.assets[columns[venue.symbol]]
    signed = venue.quantity if venue.side == "buy" else -venue.quantity
    order = Order(
        id=venue.client_order_id,
        asset=asset,
        quantity=signed,
        created=when,
        created_bar=max(blotter.synced_bar, 0),
        decision_price=float("nan"),
    )
    blotter.store.add_order(
        OrderRecord(
            client_order_id=venue.client_order_id,
            seq=0,
            engine_id=order.id,
            symbol=venue.symbol,
            quantity=signed,
            order_type="market",
            limit_price=venue.limit_price,
            stop_price=venue.stop_price,
            time_in_force="gtc",
            created=when.isoformat(),
            created_bar=order.created_bar,
            decision_price=0.0,
            state=SENT,
            status=str(OrderStatus.OPEN),
            venue_order_id=venue.venue_order_id,
            external=True,
        )
    )
    blotter.all_orders.append(order)
    blotter.open_orders.append(order)
    blotter._pending[asset] = blotter.pending(asset) + signed
    blotter.coids[order.id] = order
    blotter.states[order.id] = SENT
    blotter.events.external_adopted(order.id, venue.symbol, str(signed))
    report.adopted.append(order.id)


def _books(
    blotter: BrokerBlotter,
    report: ReconciliationReport,
    cash_currency: str | None,
    start: dict[str, object],
) -> None:
    broker = blotter.broker
    ledger = blotter.ledger
    before_positions = _decimals(start.get("positions"))
    venue_positions = broker.positions()
    ours = {a.symbol: p.quantity for a, p in ledger.positions.items()}
    for symbol in sorted(set(venue_positions) | set(ours) | set(before_positions)):
        change = venue_positions.get(symbol, ZERO) - before_positions.get(symbol, ZERO)
        if change != ours.get(symbol, ZERO):
            report.mismatches.append(
                f"position {symbol}: venue change {change}, ledger {ours.get(symbol, ZERO)}"
            )
    if cash_currency is None:
        return
    before_cash = _decimals(start.get("balances")).get(cash_currency, ZERO)
    venue_cash = broker.balances().get(cash_currency, ZERO)
    change = venue_cash - before_cash
    ledger_change = ledger.cash - ledger.starting_cash
    if abs(change - ledger_change) >= _CENT:
        report.mismatches.append(
            f"cash {cash_currency}: venue change {change:.2f}, ledger {ledger_change:.2f}"
        )


def _decimals(raw: object) -> dict[str, Decimal]:
    if not isinstance(raw, dict):
        return {}
    return {str(k): Decimal(str(v)) for k, v in raw.items()}
