"""Restart: rebuild the engine's state from the state store, then resume after the
last bar begun (or at it, when the process that began it died before deciding it and
kept nothing of it: `resume_bar`).

The ledger is rebuilt by booking the stored fills again, in arrival order, through
the same `Blotter.book_fill` as live fills (exact Decimal, so the books are what
they were to the cent); orders come back with their stored states; closed
sessions' performance rows and the risk state (peak equity, session start) are
reloaded; the bars before the resume point are written into the live panel as
history (the strategy sees them through ``data.history``, never trades on them).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pandas as pd

from rustybt.data.bars import FloatArray
from rustybt.engine.orders import Order, OrderStatus
from rustybt.engine.runner import _Run
from rustybt.live.broker_blotter import BrokerBlotter, order_from_record
from rustybt.live.broker_modify import restore_replacement
from rustybt.live.feeds import Feed, history_rows
from rustybt.live.state import CLOSED, NOT_SENT, OrderRecord, StateStore

__all__ = ["restore_sessions", "restore_state", "save_session"]

BoolArray = npt.NDArray[np.bool_]

_SNAPSHOT = ("portfolio_value", "cash", "positions_value", "long_exposure", "short_exposure")


def save_session(store: StateStore, run: _Run, decided: int | None = None) -> None:
    """Keep a just-closed session's perf row, its positions and the risk state (and mark
    bar ``decided`` decided), in one transaction."""
    tracker = run.tracker
    session = tracker.sessions_closed - 1
    columns = tracker._columns
    row: dict[str, object] = {name: float(values[session]) for name, values in columns.items()}
    row["fills"] = int(tracker._fill_counts[session])
    parts = tracker._position_parts
    if parts and parts[-1][0] == session:
        _, held, quantity, price, basis = parts[-1]
        row["positions"] = [held.tolist(), quantity.tolist(), price.tolist(), basis.tolist()]
    recorded = {
        name: float(values[session])
        for name, values in run.recorder.values.items()
        if values[session] == values[session]  # NaN: nothing recorded that session
    }
    if recorded:
        row["recorded"] = recorded
    controls = run.context._controls
    with store.batch():
        store.add_session(session, row)
        store.set_json(
            "risk",
            {
                "session": str(controls._equity_session),
                "session_start_equity": controls.session_start_equity,
                "peak_equity": controls.peak_equity,
            },
        )
        if decided is not None:  # the session's last bar is decided with its row
            store.set("decided_bar", str(decided))


def restore_sessions(store: StateStore, run: _Run) -> None:
    tracker = run.tracker
    rows = store.sessions()
    for session, row in sorted(rows.items()):
        for name, values in tracker._columns.items():
            values[session] = float(str(row[name]))
        tracker._fill_counts[session] = int(str(row["fills"]))
        recorded = row.get("recorded")
        if isinstance(recorded, dict):
            for name, value in recorded.items():
                column = run.recorder.values.get(name)
                if column is None:
                    column = run.recorder.values[name] = np.full(len(run.layout.sessions), np.nan)
                column[session] = float(value)
        positions = row.get("positions")
        if isinstance(positions, list):
            held, quantity, price, basis = (np.asarray(p) for p in positions)
            tracker._position_parts.append((session, held.astype(np.int64), quantity, price, basis))
    if rows:
        last = max(rows)
        tracker._session = last + 1
        tracker._commission_seen = float(run.ledger.commissions)
        tracker._slippage_seen = float(run.ledger.slippage)
    risk = store.get_json("risk")
    if isinstance(risk, dict):
        controls = run.context._controls
        controls.session_start_equity = float(str(risk.get("session_start_equity", 0.0)))
        controls.peak_equity = float(str(risk.get("peak_equity", 0.0)))
        day = risk.get("session")
        controls._equity_session = (
            pd.Timestamp(str(day)).date() if day not in (None, "None") else None
        )


def reopen_order(
    blotter: BrokerBlotter,
    record: OrderRecord,
    by_coid: dict[str, Order],
    by_engine: dict[str, Order],
) -> None:
    """Re-create one stored order as an open engine order in ``blotter`` (a replacement
    record updates the order it replaces); closures are applied later (`close_restored`)."""
    coid = record.client_order_id
    if record.replaces is not None and record.engine_id in by_engine:
        order = by_engine[record.engine_id]
        by_coid[coid] = order
        restore_replacement(blotter, record, order)
        return
    order = order_from_record(record, blotter)
    if record.external:
        order.id = coid
        order.decision_price = float("nan")
    by_coid[coid] = order
    by_engine[record.engine_id] = order
    blotter.coids[coid] = order
    blotter.states[coid] = record.state
    blotter.all_orders.append(order)
    blotter.open_orders.append(order)
    blotter._pending[order.asset] = blotter.pending(order.asset) + order.quantity


def close_restored(blotter: BrokerBlotter, order: Order, record: OrderRecord) -> None:
    """Close ``order`` as its final stored ``record`` says (after its fills were booked)."""
    if record.replaces is not None and record.state == NOT_SENT:
        return  # a modification that did not happen closes nothing
    if record.state in (CLOSED, NOT_SENT) and order.is_open:
        status = OrderStatus(record.status)
        when = pd.Timestamp(record.closed) if record.closed else order.created
        blotter._release(order)
        blotter.open_orders.remove(order)
        order.close(status, when, record.reason)


def _restore_orders(store: StateStore, blotter: BrokerBlotter) -> None:
    records = store.orders()
    by_coid: dict[str, Order] = {}
    by_engine: dict[str, Order] = {}
    audit, blotter.audit = blotter.audit, None  # rebuilding, not new events
    try:
        for record in records:
            reopen_order(blotter, record, by_coid, by_engine)
        with store.batch():  # `book` re-marks filled orders closed: one commit, not one each
            for fill in store.fills():
                blotter.book(fill)
        for record in records:
            close_restored(blotter, by_coid[record.client_order_id], record)
    finally:
        blotter.audit = audit


def resume_bar(store: StateStore, start_bar: int) -> int:
    """The bar to trade first after a restart or takeover.

    Normally the one after the last bar begun: a bar is marked begun before it is
    decided, so none is decided twice. But a process killed between the two (while it
    booked the venue's news, or while the strategy ran) leaves that bar decided by
    nobody. It is decided now when nothing of it was kept: it was not marked decided,
    no order was created at it (no intent persisted: nothing was sent) and the
    strategy's state was not saved after it. Deciding it again is then deciding it
    for the first time. A session's last bar is marked decided in the transaction
    that keeps the session's result (`save_session`), so it too is decided once. A
    store from before the decided mark existed resumes after the begun bar."""
    last = store.get("last_bar")
    if last is None:
        return start_bar
    begun = int(last)
    decided = store.get("decided_bar")
    if decided is not None and int(decided) < begun and not store.acted_at(begun):
        return begun
    return begun + 1


def position_run(run: _Run, store: StateStore, resume: int, *, first_start: bool) -> None:
    """Point the engine at ``resume`` (a cold restart and a standby's takeover alike): the
    data's bar, the next order id after every stored one, and the session the run began
    in (stored on a first start, so a restart's metrics start where the session did)."""
    run.data.bar = resume - 1
    run.context._next_order_id = store.max_seq()
    if first_start:
        store.set("first_session", str(int(run.layout.session_of_bar[resume])))
    first = int(store.get("first_session") or 0)
    run.tracker.first_session = first
    run.tracker._session = max(run.tracker._session, first)


def restore_state(
    run: _Run,
    blotter: BrokerBlotter,
    store: StateStore,
    feed: Feed,
    start_bar: int,
    write: Callable[[int, dict[str, FloatArray], BoolArray], None],
) -> int:
    """Rebuild after a restart (no-op on a first start); returns the bar to resume at."""
    last = store.get("last_bar")
    resume = resume_bar(store, start_bar)
    # History: already-closed bars, never traded on again, written as one block.
    rows, present = history_rows(feed, 0, resume)
    write(0, rows, present)
    position_run(run, store, resume, first_start=last is None)
    if last is not None:
        _restore_orders(store, blotter)
        restore_sessions(store, run)
    return resume
