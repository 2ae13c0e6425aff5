"""Broker I/O off the decision path: one thread owns the broker's wire.

The decision thread (the bar loop) never waits for the venue. It persists an order
intent (durably, as before), hands the request to this worker and goes on to the
next bar. The worker sends it once and posts the outcome; between sends it polls
the venue (new fills, the open orders, the status of orders that left the open
list) when the decision thread asks, once per bar. Everything it learns goes into
one inbox, in the order it happened, and the decision thread applies the inbox at
the start of the next bar (`AsyncBrokerBlotter.sync`), so the engine's objects are
only ever touched by one thread.

The rules of the order protocol do not change: a send is attempted once; a timeout
is an UNKNOWN outcome, resolved later by asking for the client order id, never by
a resend under a new id; a failed poll is reported (the runner halts new orders
while the venue is unreachable). Before each send the worker checks the leader's
fencing epoch on its own connection to the state store (`StateStore.check_fence`):
a stale leader never sends.

`LockedBroker` serialises the few calls the decision thread still makes itself
(reconciliation at start and after an outage, cancels, the paper broker's bar
hook) with the worker's: a broker client is one connection, not thread-safe.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from rustybt.errors import BrokerError, BrokerTimeout, RustyBTError
from rustybt.live.broker import (
    Broker,
    CommandResult,
    OrderRequest,
    Outcome,
    VenueFill,
    VenueOrder,
)
from rustybt.live.crashpoints import crash_point
from rustybt.live.venue_snapshot import VenueSnapshot, gather

__all__ = ["BrokerWorker", "Gather", "LockedBroker", "Outcomes", "Poll", "WorkerFailed"]


class WorkerFailed(RustyBTError):
    """The broker worker thread hit an error that is not a broker fault (a bug)."""

    exit_code = 7


class LockedBroker:
    """A `Broker` whose every call holds ``lock`` (shared with the worker thread)."""

    def __init__(self, broker: Broker, lock: threading.Lock) -> None:
        self.inner, self.lock = broker, lock
        self.name = broker.name

    def submit(self, request: OrderRequest) -> CommandResult:
        with self.lock:
            return self.inner.submit(request)

    def cancel(self, client_order_id: str) -> CommandResult:
        with self.lock:
            return self.inner.cancel(client_order_id)

    def modify(self, client_order_id: str, replacement: OrderRequest) -> CommandResult:
        with self.lock:
            return self.inner.modify(client_order_id, replacement)

    def order_status(self, client_order_id: str) -> VenueOrder | None:
        with self.lock:
            return self.inner.order_status(client_order_id)

    def open_orders(self) -> list[VenueOrder]:
        with self.lock:
            return self.inner.open_orders()

    def recent_orders(self, since: pd.Timestamp) -> list[VenueOrder]:
        with self.lock:
            return self.inner.recent_orders(since)

    def fills_since(self, cursor: str | None) -> tuple[list[VenueFill], str | None]:
        with self.lock:
            return self.inner.fills_since(cursor)

    def positions(self) -> dict[str, Decimal]:
        with self.lock:
            return self.inner.positions()

    def balances(self) -> dict[str, Decimal]:
        with self.lock:
            return self.inner.balances()

    def close(self) -> None:
        with self.lock:
            self.inner.close()

    def __getattr__(self, name: str) -> object:
        """The optional venue hooks (``attach``, ``configure``, ``on_bar``), locked too."""
        hook = getattr(self.inner, name)
        if not callable(hook):
            return hook

        def locked(*args: object, **kwargs: object) -> object:
            with self.lock:
                return hook(*args, **kwargs)

        return locked


@dataclass(frozen=True)
class Outcomes:
    """The answer to one send: the client order id and its `CommandResult`."""

    client_order_id: str
    result: CommandResult


@dataclass(frozen=True)
class Poll:
    """One poll of the venue: new fills (and the cursor after them), the client ids
    the venue lists as open, and the status of watched orders it no longer lists
    (None: the venue does not know the id)."""

    fills: list[VenueFill]
    cursor: str | None
    venue_open: frozenset[str]
    statuses: dict[str, VenueOrder | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Gather:
    """What a reconciliation asks the worker to read: the client ids to look up (those
    the venue does not list as open) and since when to list recent orders."""

    asked: frozenset[str]
    since: pd.Timestamp | None


# A BrokerError is a venue fault (the runner halts new orders until a poll succeeds);
# any other RustyBTError (`Fenced`, `WorkerFailed`) stops the session. A VenueSnapshot
# answers a `Gather` (it is also a poll: the venue is reachable).
Item = Outcomes | Poll | VenueSnapshot | RustyBTError


class BrokerWorker:
    """The thread that talks to the broker (see the module docstring)."""

    def __init__(
        self,
        broker: Broker,
        lock: threading.Lock,
        *,
        cursor: str | None,
        fence: Callable[[], None] | None = None,
    ) -> None:
        self.broker, self.lock = broker, lock
        self.cursor = cursor
        self.fence = fence  # raises `Fenced` when a newer leader took the session
        self._wake = threading.Condition()
        self._sends: deque[tuple[OrderRequest, float]] = deque()
        self._poll_wanted = False
        self._watch: frozenset[str] = frozenset()
        self._gather: Gather | None = None
        self._gather_failed = False  # then retried with the next poll (once a bar)
        self._inbox: deque[Item] = deque()
        self._in_flight: set[str] = set()  # queued or being sent
        self._stopping = False
        self._thread = threading.Thread(target=self._main, name="broker-worker", daemon=True)
        self._thread.start()

    # -- the decision thread's side ---------------------------------------------------
    def send(self, request: OrderRequest) -> None:
        """Queue a send (its intent is already persisted)."""
        with self._wake:
            self._sends.append((request, time.monotonic()))
            self._in_flight.add(request.client_order_id)
            self._wake.notify()

    def poll(self, watch: frozenset[str]) -> None:
        """Ask for a poll (fills, open orders, and the status of ``watch`` ids not open)."""
        with self._wake:
            self._poll_wanted = True
            self._watch = watch
            self._wake.notify()

    def reconcile(self, request: Gather) -> None:
        """Ask for a reconciliation snapshot (after the sends queued before it)."""
        with self._wake:
            self._gather, self._gather_failed = request, False
            self._wake.notify()

    def take(self) -> list[Item]:
        """Everything learned since the last call, in the order it happened."""
        with self._wake:
            items = list(self._inbox)
            self._inbox.clear()
            return items

    def wait_inbox(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for something in the inbox."""
        with self._wake:
            if not self._inbox:
                self._wake.wait(timeout)

    def in_flight(self, client_order_id: str) -> bool:
        with self._wake:
            return client_order_id in self._in_flight

    def sends_pending(self) -> int:
        """Sends queued or on the wire (a send leaves the queue once its outcome is in)."""
        with self._wake:
            return len(self._sends)

    def oldest_send_age(self) -> float:
        """Seconds the oldest queued send has waited (0: none waiting)."""
        with self._wake:
            if not self._sends:
                return 0.0
            return time.monotonic() - self._sends[0][1]

    def wait_sent(self, client_order_id: str, timeout: float) -> bool:
        """Wait until ``client_order_id``'s send has an outcome in the inbox."""
        limit = time.monotonic() + timeout
        with self._wake:
            while client_order_id in self._in_flight:
                left = limit - time.monotonic()
                if left <= 0 or not self._thread.is_alive():
                    return False
                self._wake.wait(min(left, 0.05))
        return True

    def close(self, timeout: float = 10.0, *, wait_poll: bool = True) -> None:
        """Finish the queued sends (bounded), then stop the thread.

        With ``wait_poll=False`` a poll still running is not waited for once every send
        is done: a send leaves the queue only when its outcome is in, and with the
        queue empty and ``_stopping`` set under the same lock no send can start, so
        what is left only reads the venue, and its answer is dropped. A leader handing
        over to a warm standby uses it: a poll meeting 429s and retries can take a good
        part of a second, and the standby's reconciliation reads the venue anyway. A send
        in flight is still waited for (up to the client's timeout): releasing the lock
        before its outcome could let the standby find no such order, close it as never
        sent, and then see it arrive."""
        limit = time.monotonic() + timeout
        with self._wake:
            while self._sends and self._thread.is_alive() and time.monotonic() < limit:
                self._wake.wait(0.05)
            self._stopping = True
            self._wake.notify_all()
            sends_done = not self._sends
        if sends_done and not wait_poll:
            return
        self._thread.join(timeout=max(limit - time.monotonic(), 1.0))

    # -- the worker thread -------------------------------------------------------------
    def _post(self, item: Item) -> None:
        with self._wake:
            self._inbox.append(item)
            self._wake.notify_all()

    def _main(self) -> None:
        try:
            while True:
                with self._wake:
                    while not (
                        self._sends or self._poll_wanted or self._stopping or self._gathering()
                    ):
                        self._wake.wait(0.5)
                    if self._stopping and not self._sends:
                        return
                    request = self._sends[0][0] if self._sends else None
                    wanted, watch = self._poll_wanted, self._watch
                    reading = self._gather if self._gathering() else None
                    if request is None:
                        self._poll_wanted = False
                if request is not None:
                    self._send(request)
                elif reading is not None:  # a snapshot is a poll too
                    self._snapshot(reading)
                elif wanted:
                    self._poll(watch)
        except RustyBTError as error:  # Fenced (a newer leader took over): stop sending
            self._post(error)
        except Exception as error:  # noqa: BLE001  # a bug: reported to the decision thread, which stops
            self._post(WorkerFailed(f"broker worker failed: {type(error).__name__}: {error}"))

    def _send(self, request: OrderRequest) -> None:
        if self.fence is not None:
            self.fence()
        try:
            with self.lock:
                result = self.broker.submit(request)
        except BrokerError as error:  # raised after the request may have gone out
            result = CommandResult(Outcome.UNKNOWN, error=error)
        crash_point("after_send_before_ack")
        with self._wake:
            self._sends.popleft()
            self._inbox.append(Outcomes(request.client_order_id, result))
            self._in_flight.discard(request.client_order_id)
            self._wake.notify_all()

    def _gathering(self) -> bool:
        """A snapshot is wanted: at once, or after a failed one with the next poll."""
        return self._gather is not None and (self._poll_wanted or not self._gather_failed)

    def _snapshot(self, request: Gather) -> None:
        try:
            with self.lock:
                snapshot = gather(self.broker, self.cursor, request.asked, request.since)
        except (BrokerError, OSError) as error:
            with self._wake:
                self._gather_failed = True
            self._post(_venue_fault(error, "reconciliation read"))
            return
        self.cursor = snapshot.cursor
        with self._wake:
            if self._gather is request:  # not asked again meanwhile
                self._gather = None
            self._inbox.append(snapshot)
            self._wake.notify_all()

    def _poll(self, watch: frozenset[str]) -> None:
        try:
            with self.lock:
                fills, cursor = self.broker.fills_since(self.cursor)
                venue_open = frozenset(o.client_order_id for o in self.broker.open_orders())
                statuses = {c: self.broker.order_status(c) for c in watch - venue_open}
        except (BrokerError, OSError) as error:
            self._post(_venue_fault(error, "poll"))
            return
        if cursor is not None:
            self.cursor = cursor
        self._post(Poll(fills, cursor, venue_open, statuses))


def _venue_fault(error: BrokerError | OSError, what: str) -> BrokerError:
    """A read's failure as the venue fault the decision thread halts on (a client that
    leaks socket errors: the venue is unreachable)."""
    if isinstance(error, BrokerError):
        return error
    return BrokerTimeout(f"broker {what} failed: {error}", transient=True)
