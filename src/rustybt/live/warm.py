"""`WarmRestore`: a standby keeps its engine restored while it waits for the lock.

A cold restart (`restore.restore_state`) rebuilds the session from the state store
in one go: every earlier bar into the panel, every stored order, every fill booked
into the ledger. That is O(session so far), seconds after a long session. A warm
standby does the same work *incrementally* while the leader trades (`tail`, every
few tens of milliseconds: the bars begun since the last call, the orders and fills
stored since), so on taking the lock only what the leader wrote in its last moments
is left (`finish`): O(1) in the session's length.

The result is the cold restore's, by construction: orders are created in the order
they were stored, each fill is booked through the same `BrokerBlotter.book` after its
order exists (fills are read before orders, so an order is never missing for a fill
that was read), and what can still change after a row is written (an order's state,
its closure) is read at `finish`, from the final records of the orders still open.
A modification (a replacement record) is state-dependent when rebuilt, so tailing
stops at the first one and `finish` rebuilds the rest exactly as the cold path does.
The standby never writes to the store (its leader does).
"""

from __future__ import annotations

from collections.abc import Callable

from rustybt.data.bars import FloatArray
from rustybt.engine.orders import Order
from rustybt.engine.runner import _Run
from rustybt.live.broker_blotter import BrokerBlotter
from rustybt.live.feeds import Feed, history_rows
from rustybt.live.restore import (
    BoolArray,
    close_restored,
    position_run,
    reopen_order,
    restore_sessions,
    resume_bar,
)
from rustybt.live.state import FillRecord, OrderRecord, StateStore

__all__ = ["WarmRestore"]


class _NoWrites:
    """The store as the standby's blotter sees it while rebuilding: reads only.

    `BrokerBlotter.book` re-marks a filled order closed in the store; the leader has
    already written that, and a standby must not write beside its leader."""

    def __init__(self, store: StateStore) -> None:
        self._store = store

    def update_order(self, client_order_id: str, **changes: object) -> None:
        return None  # the leader wrote it when it booked the fill

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)


class WarmRestore:
    """Incremental restore into ``run`` (see the module docstring)."""

    def __init__(
        self,
        run: _Run,
        blotter: BrokerBlotter,
        store: StateStore,
        feed: Feed,
        write: Callable[[int, dict[str, FloatArray], BoolArray], None],
    ) -> None:
        self.run, self.blotter, self.store, self.feed, self.write = (
            run,
            blotter,
            store,
            feed,
            write,
        )
        self.history_done = 0  # bars [0, history_done) are in the panel
        self.order_row = 0  # orders rows applied (SQLite rowid)
        self.fill_row = 0  # fills rows booked
        self.tailing_orders = True  # False after a modification record (see docstring)
        self.by_coid: dict[str, Order] = {}
        self.by_engine: dict[str, Order] = {}

    def _history(self, resume: int) -> None:
        if resume > self.history_done:
            rows, present = history_rows(self.feed, self.history_done, resume)
            self.write(self.history_done, rows, present)
            self.history_done = resume

    def tail(self) -> None:
        """Catch up with what the leader has written since the last call."""
        last = self.store.get("last_bar")
        if last is None:
            return  # the leader has begun no bar: nothing to rebuild yet
        self._history(int(last) + 1)
        if self.tailing_orders:
            fills = self.store.fills_after(self.fill_row)  # before orders: see docstring
            orders = self.store.orders_after(self.order_row)
            if any(record.replaces is not None for _row, record in orders):
                self.tailing_orders = False  # finish rebuilds from here
                return
            self._apply(orders, fills)

    def _apply(
        self, orders: list[tuple[int, OrderRecord]], fills: list[tuple[int, FillRecord]]
    ) -> None:
        blotter = self.blotter
        audit, blotter.audit = blotter.audit, None  # rebuilding, not new events
        store, blotter.store = blotter.store, _NoWrites(blotter.store)  # type: ignore[assignment]  # a read-only view of the same store
        try:
            for row, record in orders:
                self._order(record)
                self.order_row = row
            for row, fill in fills:
                blotter.book(fill)
                self.fill_row = row
        finally:
            blotter.audit, blotter.store = audit, store

    def _order(self, record: OrderRecord) -> None:
        reopen_order(self.blotter, record, self.by_coid, self.by_engine)

    def finish(self, start_bar: int) -> int:
        """This process now leads: apply the rest; returns the bar to resume at."""
        run, store, blotter = self.run, self.store, self.blotter
        last = store.get("last_bar")
        resume = resume_bar(store, start_bar)
        self._history(resume)
        position_run(run, store, resume, first_start=last is None)
        if last is None:
            return resume
        fills = store.fills_after(self.fill_row)
        orders = store.orders_after(self.order_row)
        self._apply(orders, fills)
        # What may have changed since a row was applied: the state and closure of the
        # orders still open here (a filled order was closed by its fill).
        open_ids = [coid for coid, order in self.by_coid.items() if order.is_open]
        records = sorted(store.orders_by_id(open_ids), key=lambda r: (r.seq, r.client_order_id))
        for record in records:
            if record.replaces is None:
                blotter.states[record.client_order_id] = record.state
        for record in records:
            close_restored(blotter, self.by_coid[record.client_order_id], record)
        restore_sessions(store, run)
        return resume
