"""Modifying a live order: a replacement sent through `Broker.modify`, never resent.

A modification is an order intent of its own: it gets the next deterministic client
order id of its engine order (``<client id>.m<n>``), is persisted (``replaces``:
the client id it replaces) BEFORE it is sent, and ends in one of the three outcomes:

- DONE, the venue accepted the replacement: the engine order takes the new
  quantity and prices (``order.modified`` in the audit log); the replaced venue
  order is marked ``replaced`` and its earlier fills stay booked on the order;
- FAILED or venue-rejected: nothing changed at the venue's side of this order
  (a cancel-replace venue may have cancelled the old order: the next sync reads
  that and closes the order); the order keeps its fields (``order.modify_refused``);
- UNKNOWN: the replacement's client id becomes the order's; like an unknown
  submit it is resolved by `Broker.order_status` (by sync or reconciliation),
  never by sending it again. Found: the change takes effect. Unknown to the
  venue: the modification did not happen and the order goes back to the id it had.

The engine order keeps its id throughout, so ``context.get_order`` and the result's
order table are the backtest's.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pandas as pd

from rustybt.engine.blotter import Blotter
from rustybt.engine.order_modify import OrderChange
from rustybt.engine.orders import Order
from rustybt.live.broker import CommandResult, Outcome, VenueOrder, VenueOrderStatus
from rustybt.live.crashpoints import crash_point
from rustybt.live.state import INTENT, NOT_SENT, REPLACED, SENT, UNKNOWN, OrderRecord

if TYPE_CHECKING:
    from rustybt.live.broker_blotter import BrokerBlotter

__all__ = ["confirm_replacement", "modify_at_broker", "replacement_missing", "restore_replacement"]


def modify_at_broker(
    blotter: BrokerBlotter, order: Order, change: OrderChange, when: pd.Timestamp
) -> bool:
    """Send ``change`` of ``order`` as a replacement (see the module docstring)."""
    from rustybt.live.broker_blotter import _record, _request

    if not change.changes(order):
        return True
    coid = blotter.coid(order)
    state = blotter.states.get(coid)
    if not order.id.isdigit():
        reason = f"{coid} is an external order: modify it where it was placed"
        blotter.modify_refused(order, when, reason)
        return False
    if state != SENT:
        reason = f"order {coid} is not confirmed by the venue yet ({state}); modify it later"
        blotter.modify_refused(order, when, reason)
        return False
    root = blotter.root_coid(order)
    number = sum(1 for other in blotter.coids.values() if other is order)
    new = f"{root}.m{number}"
    record = replace(
        _record(order, new, state=INTENT),
        quantity=change.quantity,
        limit_price=change.limit_price,
        stop_price=change.stop_price,
        replaces=coid,
    )
    blotter.store.add_order(record)
    blotter.coids[new] = order
    blotter.states[new] = INTENT
    blotter.replaces[new] = coid
    blotter.current[order.id] = new
    blotter.pending_changes[new] = change
    crash_point("modify_after_persist_before_send")
    request = _request(order, new)
    request = replace(
        request,
        quantity=abs(change.quantity - order.filled),
        limit_price=change.limit_price,
        stop_price=change.stop_price,
    )
    result = blotter.broker.modify(coid, request)
    crash_point("modify_after_send_before_ack")
    blotter.events.command("modify", new, result)
    return _outcome(blotter, order, new, result, when)


def _outcome(
    blotter: BrokerBlotter, order: Order, new: str, result: CommandResult, when: pd.Timestamp
) -> bool:
    if result.outcome is Outcome.UNKNOWN:
        blotter._set_state(new, UNKNOWN)
        blotter.events.order_unknown(order, new, when, result.error)
        return False
    venue = result.order
    if (
        result.outcome is not Outcome.DONE
        or venue is None
        or venue.client_order_id != new
        or venue.status is VenueOrderStatus.REJECTED
    ):
        reason = (
            (venue.reason if venue is not None else None)
            or (result.error.message if result.error is not None else None)
            or "the venue did not accept the replacement"
        )
        _revert(blotter, new, when, reason)
        blotter.modify_refused(order, when, reason)
        return False
    confirm_replacement(blotter, new, order, venue, when)
    return True


def confirm_replacement(
    blotter: BrokerBlotter,
    new: str,
    order: Order,
    venue: VenueOrder | None,
    when: pd.Timestamp,
) -> None:
    """The venue has the replacement (its order record, or a fill of it, says so): it
    becomes the order's, with the new fields."""
    blotter._set_state(new, SENT, venue_order_id=None if venue is None else venue.venue_order_id)
    old = blotter.replaces.get(new)
    if old is not None:
        blotter._set_state(old, REPLACED)
    change = blotter.pending_changes.pop(new, None)
    if change is not None and order.is_open:
        Blotter.modify(blotter, order, change, when)  # the engine's: fields, pending, audit


def replacement_missing(blotter: BrokerBlotter, new: str, when: pd.Timestamp) -> None:
    """The venue never got the replacement: the order goes back to the id it replaced."""
    _revert(blotter, new, when, "the replacement never reached the venue")
    blotter.events.order_reconciled(new, "not at venue", "modification did not happen")


def _revert(blotter: BrokerBlotter, new: str, when: pd.Timestamp, reason: str) -> None:
    order = blotter.coids[new]
    blotter.pending_changes.pop(new, None)
    blotter.states[new] = NOT_SENT
    blotter.store.update_order(new, state=NOT_SENT, reason=reason, closed=when.isoformat())
    old = blotter.replaces.get(new)
    if old is not None:
        blotter.current[order.id] = old


def restore_replacement(blotter: BrokerBlotter, record: OrderRecord, order: Order) -> None:
    """Rebuild one stored modification of ``order`` after a restart (before its fills)."""
    coid = record.client_order_id
    blotter.coids[coid] = order
    blotter.states[coid] = record.state
    if record.replaces is not None:
        blotter.replaces[coid] = record.replaces
    if record.state == NOT_SENT:
        return
    blotter.current[order.id] = coid
    change = OrderChange(record.quantity, record.limit_price, record.stop_price)
    if record.state in (INTENT, UNKNOWN):
        blotter.pending_changes[coid] = change  # resolved by reconciliation
        return
    blotter._release(order)
    change.apply(order)
    blotter._pending[order.asset] = blotter.pending(order.asset) + order.remaining
