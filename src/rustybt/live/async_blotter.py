"""`AsyncBrokerBlotter`: the `BrokerBlotter` with its broker I/O on a worker thread.

Same order protocol, same state store, same ledger booking; only the waiting moves
off the decision path (`rustybt.live.broker_worker`):

- submit: the intent is persisted (fenced) exactly as before, then queued for the
  worker; the order is open locally in state ``intent`` until the outcome arrives;
- sync (each bar): the worker's inbox is applied in order: send outcomes (accepted,
  rejected, unknown: the base class's `_outcome`), polls (fills persisted then
  booked, the fills cursor, closures of orders the venue no longer lists), venue
  faults (raised as `BrokerError`: the runner halts new orders until a poll
  succeeds); then the next poll is asked for;
- a forced sync (reconciliation) applies the inbox, then asks the venue directly
  (through the shared lock), as the inline blotter does;
- fail closed: while a send has waited longer than ``send_timeout`` the blotter
  refuses new orders (halt reason ``sender``): it does not trade on a state it
  cannot confirm;
- cancel: an order whose send is still queued or in flight is cancelled after its
  outcome is known (never closed as "not sent" while the worker may be sending it);
- reconciliation (after a takeover or a reconnect): the worker reads the venue in
  one go (`request_reconcile`, `rustybt.live.venue_snapshot`) while the bar loop
  goes on deciding bars with new orders refused; the session runs the reconciliation
  on the snapshot when it arrives (`take_snapshot`). Until then an inherited intent
  (one this process did not send) is not cancelled locally: the dead leader may
  have sent it.
"""

from __future__ import annotations

import threading
import time

import pandas as pd

from rustybt.engine.orders import Order
from rustybt.errors import BrokerError, RustyBTError
from rustybt.live.broker import Broker
from rustybt.live.broker_blotter import BrokerBlotter, _request
from rustybt.live.broker_worker import BrokerWorker, Item, LockedBroker, Outcomes, Poll
from rustybt.live.crashpoints import crash_point
from rustybt.live.events import LiveEvents
from rustybt.live.reconcile import gather_request
from rustybt.live.state import INTENT, SENT, UNKNOWN, StateStore
from rustybt.live.venue_snapshot import VenueSnapshot

__all__ = ["AsyncBrokerBlotter"]


class AsyncBrokerBlotter(BrokerBlotter):
    """See the module docstring."""

    send_timeout = 2.0  # seconds a queued send may wait before new orders are refused

    def attach(
        self, broker: Broker, store: StateStore, session_id: str, events: LiveEvents
    ) -> None:
        if not isinstance(broker, LockedBroker):
            broker = LockedBroker(broker, threading.Lock())
        self.wire_lock = broker.lock
        super().attach(broker, store, session_id, events)
        self.worker: BrokerWorker | None = None
        self.reconciling = False  # a snapshot is asked for and not yet reconciled
        self._held: list[Item] = []  # learned after an arrived snapshot: applied after it
        self.snapshot: VenueSnapshot | None = None  # arrived, not yet reconciled

    def start_worker(self) -> None:
        """Start the broker thread (after restore and the first reconciliation)."""
        if self.worker is not None:
            return
        fence_store = StateStore(self.store.path)
        fence_store.fence(self.store.fence_epoch)
        assert isinstance(self.broker, LockedBroker)
        self.worker = BrokerWorker(
            self.broker.inner,
            self.wire_lock,
            cursor=self.store.get("fills_cursor"),
            fence=fence_store.check_fence,
        )

    def stop_worker(self, *, settle: bool = True) -> None:
        """Finish the queued sends, apply their outcomes, stop the thread; with ``settle``
        also book the venue's last fills and resolve unknown outcomes (a leader handing
        over to a warm standby leaves that to the standby's reconciliation)."""
        worker = self.worker
        if worker is None:
            return
        worker.close(wait_poll=settle)  # handing over: a running poll's answer is dropped
        self.worker = None
        held, self._held, self.snapshot = self._held, [], None
        for item in held + worker.take():  # what the worker learned last, in order
            if isinstance(item, Outcomes):
                self._apply_outcome(item)
            elif isinstance(item, Poll):
                self._apply_poll(item)
            elif isinstance(item, VenueSnapshot):
                continue  # the final sync (or the standby's reconciliation) reads anew
            elif not isinstance(item, BrokerError):
                raise item  # Fenced or a worker bug
        if not settle:
            return
        # The venue's last fills and closures, asked directly (the worker is gone), so a
        # stopped session's books are the inline blotter's.
        try:
            super().sync(self.synced_bar, force=True)
        except BrokerError as error:
            self.events.emit("warning", "broker.final_sync_failed", {"error": error.message})
        # Unknown outcomes are settled now, by asking the venue (the worker is gone):
        # a stopping process leaves no order it could have resolved unresolved.
        when = self.timestamp(max(self.synced_bar, 0))
        for order in list(self.open_orders):
            coid = self.coid(order)
            if self.states.get(coid) == UNKNOWN:
                self.resolve(coid, order, when)

    def sends_pending(self) -> int:
        """Sends queued or on the wire (0 without a worker)."""
        return 0 if self.worker is None else self.worker.sends_pending()

    # -- reconciliation on the worker ----------------------------------------------
    def request_reconcile(self) -> bool:
        """Ask the worker for a reconciliation snapshot; new orders are refused until it
        is reconciled. False without a worker (the caller reconciles inline)."""
        if self.worker is None:
            return False
        self.halt_reasons["reconciliation"] = "reconciling with the venue"
        self.reconciling = True
        self.snapshot = None
        self.worker.reconcile(gather_request(self))
        return True

    def take_snapshot(self) -> VenueSnapshot | None:
        """The snapshot that arrived (once), for the session to reconcile on."""
        snapshot, self.snapshot = self.snapshot, None
        if snapshot is not None:
            self.reconciling = False
        return snapshot

    def wait_snapshot(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for the asked snapshot (a restart that may
        wait before its first bar); a venue fault ends the wait."""
        limit = time.monotonic() + timeout
        while self.reconciling and self.snapshot is None and self.worker is not None:
            left = limit - time.monotonic()
            if left <= 0:
                return
            self.worker.wait_inbox(min(left, 0.05))
            try:
                self._drain()
            except BrokerError:
                self.worker.poll(self._watched())  # asks the failed snapshot again
                return

    # -- orders --------------------------------------------------------------------
    def submit(self, order: Order) -> Order:
        if self.worker is None:  # before the worker runs (restore): the inline path
            return super().submit(order)
        coid = self._open_intent(order)
        if coid is not None:
            self.worker.send(_request(order, coid))  # the worker checks the fence
        return order

    def cancel(
        self, order: Order, when: pd.Timestamp, reason: str = "cancelled by strategy"
    ) -> None:
        worker = self.worker
        coid = self.coid(order)
        if worker is not None and worker.in_flight(coid):
            # Its send may be on the wire: learn the outcome first, never "not sent".
            if worker.wait_sent(coid, timeout=10.0):
                self._drain()
            else:
                return  # unresolved: the order stays open; the next sync settles it
        elif self.reconciling and self.states.get(coid) == INTENT:
            return  # inherited: the dead leader may have sent it; reconciled first
        super().cancel(order, when, reason)

    # -- the worker's inbox ----------------------------------------------------------
    def sync(self, bar: int, *, force: bool = False) -> None:
        if self.worker is None:
            super().sync(bar, force=force)
            return
        if force:  # reconciliation: the venue's fills now, not at the next poll
            self._drain()
            super().sync(bar, force=True)
            self.worker.cursor = self.store.get("fills_cursor")
            return
        if bar == self.synced_bar:
            return
        self.synced_bar = bar
        try:
            self._drain()
        finally:
            waited = self.worker.oldest_send_age() if self.worker is not None else 0.0
            if waited > self.send_timeout:
                self.halt_reasons["sender"] = f"a send unconfirmed for {waited:.1f}s"
            else:
                self.halt_reasons.pop("sender", None)
            if self.worker is not None:
                self.worker.poll(self._watched())

    def _watched(self) -> frozenset[str]:
        """Open orders the venue may have closed: asked about when it stops listing them."""
        pairs = ((self.coid(order), order) for order in self.open_orders)
        return frozenset(c for c, _ in pairs if self.states.get(c) in (SENT, UNKNOWN))

    def _drain(self) -> None:
        assert self.worker is not None
        fault: BrokerError | None = None
        items = self._held + self.worker.take()
        self._held = []
        for n, item in enumerate(items):
            if self.snapshot is not None:
                # What the worker learned after the snapshot waits until it is reconciled:
                # a later poll's fills in the ledger would not be in the snapshot's books.
                self._held = items[n:]
                break
            if isinstance(item, Outcomes):
                self._apply_outcome(item)
            elif isinstance(item, Poll):
                fault = None  # a later poll answered: the venue is back
                self._apply_poll(item)
            elif isinstance(item, VenueSnapshot):
                fault = None  # reconciled by the session after this sync
                if self.reconciling:
                    self.snapshot = item
            elif isinstance(item, BrokerError):
                fault = item
            else:
                assert isinstance(item, RustyBTError)
                raise item  # Fenced or a worker bug: this process must stop
        if fault is not None:
            raise fault

    def _apply_outcome(self, item: Outcomes) -> None:
        order = self.coids.get(item.client_order_id)
        if order is None:
            return
        self._outcome(order, item.client_order_id, item.result, order.created)

    def _apply_poll(self, poll: Poll) -> None:
        bar = self.synced_bar
        if poll.fills:
            crash_point("after_fill_before_persist")
        for fill in poll.fills:
            self.apply_fill(fill, bar)
        if poll.cursor is not None:
            self.store.set("fills_cursor", poll.cursor)
        when = self.timestamp(bar)
        for order in list(self.open_orders):
            coid = self.coid(order)
            if not order.is_open or coid in poll.venue_open or coid not in poll.statuses:
                continue
            if self.states.get(coid) not in (SENT, UNKNOWN):
                continue
            self.resolved(coid, order, when, poll.statuses[coid])
