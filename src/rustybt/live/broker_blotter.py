"""`BrokerBlotter`: the engine's blotter with orders routed to a `Broker`.

It is the engine's `Blotter` (same open/all order lists, pending totals, fill log,
ledger booking through `Blotter.book_fill`, audit events); only where orders go
and where fills come from changes:

- submit: the intent is persisted under a deterministic client order id, THEN
  sent once; the three outcomes are booked (accepted, rejected, unknown);
- fills: read from the venue since the stored cursor, deduplicated by trade id,
  persisted, then booked;
- an order the venue closed (cancelled, expired, rejected) is closed here too;
- an unknown submit is resolved by `Broker.order_status`, never by a resend;
- while halted (breaker tripped, incomplete reconciliation, stale bar) new orders
  are refused; cancels still go through.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from rustybt.engine.blotter import Blotter
from rustybt.engine.order_modify import OrderChange
from rustybt.engine.orders import Order, OrderStatus, OrderType, TimeInForce
from rustybt.errors import BrokerError
from rustybt.live.broker import (
    Broker,
    CommandResult,
    OrderRequest,
    Outcome,
    VenueFill,
    VenueOrder,
    VenueOrderStatus,
)
from rustybt.live.crashpoints import crash_point
from rustybt.live.events import LiveEvents
from rustybt.live.state import CLOSED, INTENT, NOT_SENT, SENT, UNKNOWN, FillRecord, OrderRecord
from rustybt.money import to_decimal

if TYPE_CHECKING:
    from rustybt.live.state import StateStore

__all__ = ["BrokerBlotter", "client_order_id"]

_CLOSING = {
    VenueOrderStatus.CANCELLED: OrderStatus.CANCELLED,
    VenueOrderStatus.EXPIRED: OrderStatus.EXPIRED,
    VenueOrderStatus.REJECTED: OrderStatus.REJECTED,
}


def client_order_id(session_id: str, sequence: str) -> str:
    """Deterministic: the session id (stable across restarts) and the order's sequence."""
    return f"rb-{session_id}-{sequence}"


class BrokerBlotter(Blotter):
    """See the module docstring. `attach` wires the broker and state before trading."""

    broker: Broker
    store: StateStore
    session_id: str
    events: LiveEvents

    def attach(
        self, broker: Broker, store: StateStore, session_id: str, events: LiveEvents
    ) -> None:
        self.broker = broker
        self.store = store
        self.session_id = session_id
        self.events = events
        # Why new orders are refused, by source (breaker, reconciliation, outage, stale
        # bar); empty while trading. Cancels are never refused.
        self.halt_reasons: dict[str, str] = {}
        self.coids: dict[str, Order] = {}  # client order id -> engine order (all its ids)
        # Modifications (see broker_modify): the engine order's client id now, which
        # id each replacement replaces, and changes waiting for the venue's answer.
        self.current: dict[str, str] = {}  # engine order id -> client order id
        self.replaces: dict[str, str] = {}
        self.pending_changes: dict[str, OrderChange] = {}
        self.states: dict[str, str] = {}  # client order id -> intent state
        self.synced_bar = -1

    @property
    def halted(self) -> str | None:
        """Why new orders are refused now, or None."""
        return "; ".join(self.halt_reasons.values()) or None

    def refusal(self) -> str | None:
        halted = self.halted
        return None if halted is None else f"trading halted: {halted}"

    def coid(self, order: Order) -> str:
        """The client order id at the venue now: the last accepted (or unresolved)
        modification's, else the order's own (`root_coid`)."""
        return self.current.get(order.id) or self.root_coid(order)

    def root_coid(self, order: Order) -> str:
        """The order's first client order id: ours are numbered by the engine,
        adopted external orders keep the venue's id as their order id."""
        if not order.id.isdigit():
            return order.id
        return client_order_id(self.session_id, order.id)

    def modify(self, order: Order, change: OrderChange, when: pd.Timestamp) -> bool:
        """Send the change as a replacement (`broker_modify`); True once the venue has it."""
        from rustybt.live.broker_modify import modify_at_broker

        return modify_at_broker(self, order, change, when)

    # -- orders --------------------------------------------------------------------
    def submit(self, order: Order) -> Order:
        coid = self._open_intent(order)
        if coid is None:
            return order
        self.store.check_fence()  # a stale leader stops here, before the send
        result = self.broker.submit(_request(order, coid))
        crash_point("after_send_before_ack")
        self._outcome(order, coid, result, order.created)
        return order

    def _open_intent(self, order: Order) -> str | None:
        """Persist ``order``'s intent under its client id and open it locally, before
        anything is sent; None when the breaker refuses it (closed as rejected)."""
        refusal = self.refusal()
        if refusal is not None:
            self.reject(order, order.created, refusal)
            return None
        coid = self.coid(order)
        self.store.add_order(_record(order, coid, state=INTENT))
        self.coids[coid] = order
        self.states[coid] = INTENT
        crash_point("after_persist_before_send")
        super().submit(order)  # the engine's Blotter: open locally, audit order.submitted
        return coid

    def _outcome(self, order: Order, coid: str, result: CommandResult, when: pd.Timestamp) -> None:
        self.events.command("submit", coid, result)
        if result.outcome is Outcome.UNKNOWN:
            self._set_state(coid, UNKNOWN)
            self.events.order_unknown(order, coid, when, result.error)
            return
        venue = result.order
        if result.outcome is Outcome.FAILED or venue is None:
            reason = result.error.message if result.error is not None else "not sent"
            self._close(order, coid, OrderStatus.REJECTED, when, reason, state=NOT_SENT)
            return
        if venue.status is VenueOrderStatus.REJECTED or (
            result.error is not None and venue.client_order_id != coid
        ):
            reason = venue.reason or (result.error.message if result.error else "rejected")
            self._close(order, coid, OrderStatus.REJECTED, when, reason)
            return
        self._set_state(coid, SENT, venue_order_id=venue.venue_order_id)
        self.events.order_accepted(order, coid, venue, when)

    def cancel(
        self, order: Order, when: pd.Timestamp, reason: str = "cancelled by strategy"
    ) -> None:
        if not order.is_open:
            return
        coid = self.coid(order)
        if self.states.get(coid) == INTENT:  # never sent: nothing to cancel at the venue
            self._close(order, coid, OrderStatus.CANCELLED, when, reason, state=NOT_SENT)
            return
        self.store.check_fence()
        result = self.broker.cancel(coid)
        self.events.command("cancel", coid, result)
        if result.outcome is Outcome.DONE and result.order is not None:
            status = _CLOSING.get(result.order.status)
            if status is OrderStatus.CANCELLED:
                self._close(order, coid, status, when, reason)
            # Filled meanwhile (or other): the fill stream / next sync settles it.

    def _set_state(self, coid: str, state: str, *, venue_order_id: str | None = None) -> None:
        self.states[coid] = state
        self.store.update_order(coid, state=state, venue_order_id=venue_order_id)

    def _close(
        self,
        order: Order,
        coid: str,
        status: OrderStatus,
        when: pd.Timestamp,
        reason: str | None,
        *,
        state: str = CLOSED,
    ) -> None:
        if order in self.open_orders:
            self._release(order)
            self.open_orders.remove(order)
        elif order not in self.all_orders:
            self.all_orders.append(order)
        order.close(status, when, reason)
        self.states[coid] = state
        self.store.update_order(
            coid, state=state, status=str(status), reason=reason, closed=when.isoformat()
        )
        if self.audit is not None:
            self.audit.order_closed(order, when)

    def unresolved(self) -> list[tuple[str, Order]]:
        """Open orders the venue may know (intent, unknown, accepted): reconciliation
        asks the venue about each by its client order id."""
        pairs = [(self.coid(order), order) for order in self.open_orders]
        return [(c, o) for c, o in pairs if self.states.get(c) in (INTENT, UNKNOWN, SENT)]

    # -- the venue's side: fills and closures -------------------------------------------
    def process_bar(self, bar: int, *, market_at_close: bool = False) -> None:
        if market_at_close:
            on_bar = getattr(self.broker, "on_bar", None)
            if on_bar is not None:  # the paper broker fills market-on-close orders
                on_bar(bar, market_at_close=True)
            self.sync(bar, force=True)
            return
        self.sync(bar)

    def sync(self, bar: int, *, force: bool = False) -> None:
        """Book the venue's new fills and closures as of bar ``bar`` (once per bar)."""
        if bar == self.synced_bar and not force:
            return
        self.synced_bar = bar
        fills, cursor = self.broker.fills_since(self.store.get("fills_cursor"))
        if fills:
            crash_point("after_fill_before_persist")
        for fill in fills:
            self.apply_fill(fill, bar)
        if cursor is not None:
            self.store.set("fills_cursor", cursor)
        if self.open_orders:
            self._settle_closures(bar)

    def apply_fill(self, fill: VenueFill, bar: int) -> bool:
        """Persist then book one venue fill; False if its trade id was seen before."""
        order = self.coids.get(fill.client_order_id or "")
        signed = fill.quantity if fill.side == "buy" else -fill.quantity
        decision = order.decision_price if order is not None else float(fill.price)
        reference = fill.reference_price
        if reference is None:
            reference = to_decimal(decision) if decision == decision else fill.price
        slippage = abs(signed) * abs(fill.price - reference)
        record = FillRecord(
            trade_id=fill.trade_id,
            client_order_id=fill.client_order_id,
            symbol=fill.symbol,
            quantity=signed,
            price=fill.price,
            commission=fill.commission,
            slippage=slippage,
            reference=float(reference),
            bar=bar,
            timestamp=fill.timestamp.isoformat(),
        )
        if not self.store.add_fill(record, cursor=None):
            return False
        self.book(record)
        return True

    def book(self, record: FillRecord) -> None:
        """Book a stored fill into the ledger and its order (also used to rebuild on restart)."""
        order = self.coids.get(record.client_order_id or "")
        if order is None:
            order = self._external_order(record)
        elif record.client_order_id in self.pending_changes:
            # a fill of an unconfirmed modification proves the venue has it
            from rustybt.live.broker_modify import confirm_replacement

            when = self.timestamp(record.bar)
            confirm_replacement(self, record.client_order_id or "", order, None, when)
            self.events.order_reconciled(record.client_order_id or "", "found at venue", "fill")
        column = self.column(order)
        self.book_fill(
            order,
            record.bar,
            column,
            record.quantity,
            record.price,
            record.commission,
            record.slippage,
            record.reference,
        )
        if order.status is OrderStatus.FILLED:
            coid = record.client_order_id or order.id
            self.states[coid] = CLOSED
            self.store.update_order(
                coid, state=CLOSED, status=str(OrderStatus.FILLED), closed=str(order.closed_at)
            )
            if order in self.open_orders:
                self.open_orders.remove(order)

    def _external_order(self, record: FillRecord) -> Order:
        """A fill of an order we never placed: adopt it so the ledger matches the venue."""
        coid = record.client_order_id or f"external-{record.trade_id}"
        asset = self.panel.assets[self._columns_by_symbol()[record.symbol]]
        order = Order(
            id=coid,
            asset=asset,
            quantity=record.quantity,
            created=self.timestamp(record.bar),
            created_bar=record.bar,
            decision_price=float(record.price),
        )
        self.all_orders.append(order)
        self.open_orders.append(order)
        self._pending[asset] = self.pending(asset) + order.quantity
        self.coids[coid] = order
        self.events.external_adopted(coid, record.symbol, str(record.quantity))
        return order

    def _columns_by_symbol(self) -> dict[str, int]:
        return {a.symbol: c for c, a in enumerate(self.panel.assets)}

    def _settle_closures(self, bar: int) -> None:
        venue_open = {o.client_order_id for o in self.broker.open_orders()}
        when = self.timestamp(bar)
        for order in list(self.open_orders):
            coid = self.coid(order)
            if not order.is_open or coid in venue_open or self.states.get(coid) == INTENT:
                continue
            self.resolve(coid, order, when)

    def resolve(self, coid: str, order: Order, when: pd.Timestamp) -> None:
        """Settle an order the venue no longer lists as open (or whose submit was unknown)."""
        try:
            venue = self.broker.order_status(coid)
        except BrokerError as error:
            self.events.resolve_failed(coid, error)
            return
        self.resolved(coid, order, when, venue)

    def resolved(
        self, coid: str, order: Order, when: pd.Timestamp, venue: VenueOrder | None
    ) -> None:
        """Apply the venue's answer about ``coid`` (None: it does not know the id)."""
        if venue is None:
            if coid in self.replaces and self.states.get(coid) in (UNKNOWN, INTENT):
                from rustybt.live.broker_modify import replacement_missing

                replacement_missing(self, coid, when)
                return
            if self.states.get(coid) in (UNKNOWN, INTENT):
                reason = "never reached the venue (outcome was unknown)"
                self._close(order, coid, OrderStatus.REJECTED, when, reason, state=NOT_SENT)
                self.events.order_reconciled(coid, "not at venue", reason)
            return
        if self.states.get(coid) == UNKNOWN:
            self.found_at_venue(coid, order, venue, when)
        status = _CLOSING.get(venue.status)
        if status is not None and order.is_open:
            self._close(order, coid, status, when, venue.reason)

    def found_at_venue(
        self, coid: str, order: Order, venue: VenueOrder, when: pd.Timestamp
    ) -> None:
        """An unknown (or unsent-looking) order or modification the venue does have."""
        if coid in self.replaces:
            from rustybt.live.broker_modify import confirm_replacement

            confirm_replacement(self, coid, order, venue, when)
        else:
            self._set_state(coid, SENT, venue_order_id=venue.venue_order_id)
        self.events.order_reconciled(coid, "found at venue", venue.status.value)


def _request(order: Order, coid: str) -> OrderRequest:
    return OrderRequest(
        client_order_id=coid,
        symbol=order.asset.symbol,
        side="buy" if order.quantity > 0 else "sell",
        quantity=abs(order.quantity),
        order_type=order.order_type.value,
        limit_price=order.limit_price,
        stop_price=order.stop_price,
        time_in_force="day" if order.time_in_force is TimeInForce.DAY else "gtc",
    )


def _record(order: Order, coid: str, *, state: str) -> OrderRecord:
    return OrderRecord(
        client_order_id=coid,
        seq=int(order.id),
        engine_id=order.id,
        symbol=order.asset.symbol,
        quantity=order.quantity,
        order_type=str(order.order_type),
        limit_price=order.limit_price,
        stop_price=order.stop_price,
        time_in_force=str(order.time_in_force),
        created=order.created.isoformat(),
        created_bar=order.created_bar,
        decision_price=order.decision_price,
        state=state,
        status=str(order.status),
    )


def order_from_record(record: OrderRecord, blotter: BrokerBlotter) -> Order:
    """The engine order of a stored intent (status OPEN; fills are booked after)."""
    columns = blotter._columns_by_symbol()
    return Order(
        id=record.engine_id,
        asset=blotter.panel.assets[columns[record.symbol]],
        quantity=record.quantity,
        created=pd.Timestamp(record.created),
        created_bar=record.created_bar,
        decision_price=record.decision_price,
        order_type=OrderType(record.order_type),
        limit_price=record.limit_price,
        stop_price=record.stop_price,
        time_in_force=TimeInForce(record.time_in_force),
    )
