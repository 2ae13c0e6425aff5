"""`VenueSnapshot`: everything one reconciliation reads from the venue, read at once.

With the broker on a worker thread (`rustybt.live.broker_worker`), a reconciliation
after a takeover or a reconnect would otherwise put every venue query of
`rustybt.live.reconcile` on the bar loop: under 429s and retries that is half a
second of undecided bars. Instead the worker gathers the answers (`gather`) and
posts them; the bar loop then runs the unchanged `reconcile` against this snapshot,
which answers the same read calls from what was gathered. Until it lands, new orders
are refused (fail closed) and bars are still decided.

The cut is consistent for the books check: fills are read, then positions and
balances, then fills again; if the second read found new fills, the books are read
again (a few times at most), so the positions compared include exactly the fills
booked. An order status the snapshot did not gather raises `BrokerError`: the
reconciliation reports it and is asked again, it never guesses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from rustybt.errors import BrokerError
from rustybt.live.broker import Broker, CommandResult, OrderRequest, VenueFill, VenueOrder

__all__ = ["VenueSnapshot", "gather"]

_BOOK_READS = 3  # times the books are read again when fills arrived meanwhile


@dataclass
class VenueSnapshot:
    """The venue's answers to one reconciliation's reads (see the module docstring)."""

    listed: list[VenueOrder]
    statuses: dict[str, VenueOrder | None]
    recent: list[VenueOrder] | None  # None: not asked (a session's first start)
    since: pd.Timestamp | None
    fills: list[VenueFill]
    cursor: str | None
    held: dict[str, Decimal]
    cash: dict[str, Decimal]
    name: str = "venue snapshot"
    asked: frozenset[str] = field(default_factory=frozenset)

    # -- the read side of `Broker`, answered from the snapshot -----------------------
    def open_orders(self) -> list[VenueOrder]:
        return list(self.listed)

    def order_status(self, client_order_id: str) -> VenueOrder | None:
        for venue in self.listed:
            if venue.client_order_id == client_order_id:
                return venue
        if client_order_id in self.statuses:
            return self.statuses[client_order_id]
        for venue in self.recent or ():  # e.g. an external order closed while we were down
            if venue.client_order_id == client_order_id:
                return venue
        if client_order_id not in self.statuses:
            raise BrokerError(
                f"order {client_order_id} was not in the reconciliation's snapshot",
                hint="the reconciliation is asked again at the next bar",
            )
        return self.statuses[client_order_id]

    def recent_orders(self, since: pd.Timestamp) -> list[VenueOrder]:
        if self.recent is None or self.since is None or since < self.since:
            raise BrokerError(
                "recent orders were not in the reconciliation's snapshot",
                hint="the reconciliation is asked again at the next bar",
            )
        return list(self.recent)  # a superset: orders the state knows are skipped

    def fills_since(self, cursor: str | None) -> tuple[list[VenueFill], str | None]:
        # Fills before the gather's cursor were applied from earlier polls (the worker's
        # inbox is in order); the rest are these. Trade ids deduplicate any overlap.
        return list(self.fills), self.cursor

    def positions(self) -> dict[str, Decimal]:
        return dict(self.held)

    def balances(self) -> dict[str, Decimal]:
        return dict(self.cash)

    # -- commands never go to a snapshot ----------------------------------------------
    def submit(self, request: OrderRequest) -> CommandResult:
        raise BrokerError("a reconciliation does not send orders")

    def cancel(self, client_order_id: str) -> CommandResult:
        raise BrokerError("a reconciliation does not cancel orders")

    def modify(self, client_order_id: str, replacement: OrderRequest) -> CommandResult:
        raise BrokerError("a reconciliation does not modify orders")

    def close(self) -> None:
        return None


def gather(
    broker: Broker, cursor: str | None, asked: Iterable[str], since: pd.Timestamp | None
) -> VenueSnapshot:
    """Read everything a reconciliation needs (raises `BrokerError` when the venue
    cannot answer; nothing is half-gathered)."""
    listed = broker.open_orders()
    open_ids = {v.client_order_id for v in listed}
    wanted = frozenset(asked)
    statuses = {coid: broker.order_status(coid) for coid in sorted(wanted - open_ids)}
    recent = broker.recent_orders(since) if since is not None else None
    fills: list[VenueFill] = []

    def read_fills() -> bool:
        """Append the fills after ``cursor`` and move it on; whether there were any."""
        nonlocal cursor
        page, next_cursor = broker.fills_since(cursor)
        fills.extend(page)
        cursor = next_cursor if next_cursor is not None else cursor
        return bool(page)

    read_fills()
    for _ in range(_BOOK_READS):
        held, cash = broker.positions(), broker.balances()
        if not read_fills():  # else a fill landed between the reads: read the books again
            break
    else:
        raise BrokerError(
            "the venue kept filling while its books were read",
            hint="the reconciliation is asked again at the next bar",
        )
    return VenueSnapshot(listed, statuses, recent, since, fills, cursor, held, cash, asked=wanted)
