"""alpaca-py's `Order` models and FILL activity records → `VenueOrder` and `VenueFill`.

Alpaca sends quantities and prices as decimal strings; they become Decimals
as they are. A record missing what an order or fill must have raises
a transient `BrokerError` (treated as "reply could not be read").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd

from rustybt.errors import BrokerError
from rustybt.live.adapters.records import decimal_or_none, side_of, unreadable_record
from rustybt.live.broker import VenueFill, VenueOrder, VenueOrderStatus

__all__ = ["parse_alpaca_fill", "parse_alpaca_order"]

_STATUS = {
    "new": VenueOrderStatus.NEW,
    "pending_new": VenueOrderStatus.NEW,
    "accepted": VenueOrderStatus.NEW,
    "accepted_for_bidding": VenueOrderStatus.NEW,
    "held": VenueOrderStatus.NEW,
    "calculated": VenueOrderStatus.OPEN,
    "pending_cancel": VenueOrderStatus.OPEN,
    "pending_replace": VenueOrderStatus.OPEN,
    "stopped": VenueOrderStatus.OPEN,
    "suspended": VenueOrderStatus.OPEN,
    "partially_filled": VenueOrderStatus.PARTIALLY_FILLED,
    "filled": VenueOrderStatus.FILLED,
    "done_for_day": VenueOrderStatus.EXPIRED,
    "expired": VenueOrderStatus.EXPIRED,
    "canceled": VenueOrderStatus.CANCELLED,
    "replaced": VenueOrderStatus.CANCELLED,
    "rejected": VenueOrderStatus.REJECTED,
}


def _value(field: object) -> str | None:
    """An enum's value or the plain value, as text."""
    if field is None:
        return None
    return str(getattr(field, "value", field))


def _utc(value: object) -> pd.Timestamp | None:
    if value is None:
        return None
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]  # datetime or ISO text from alpaca-py
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def parse_alpaca_order(raw: Any) -> VenueOrder:  # Any: alpaca-py's Order model
    status_text = _value(getattr(raw, "status", None)) or ""
    status = _STATUS.get(status_text)
    quantity = decimal_or_none(getattr(raw, "qty", None))
    client_id = getattr(raw, "client_order_id", None)
    if status is None or quantity is None or not client_id or not getattr(raw, "symbol", None):
        raise unreadable_record("alpaca", "an order", raw)
    filled = decimal_or_none(getattr(raw, "filled_qty", None)) or Decimal(0)
    average = decimal_or_none(getattr(raw, "filled_avg_price", None))
    reason = "replaced by " + str(raw.replaced_by) if status_text == "replaced" else None
    return VenueOrder(
        client_order_id=str(client_id),
        venue_order_id=str(raw.id),
        symbol=str(raw.symbol),
        side=side_of(_value(raw.side), "alpaca", f"order {client_id}"),
        quantity=quantity,
        filled_quantity=filled,
        average_price=average if filled else None,
        status=status,
        order_type=_value(getattr(raw, "type", None) or getattr(raw, "order_type", None))
        or "market",
        limit_price=decimal_or_none(getattr(raw, "limit_price", None)),
        stop_price=decimal_or_none(getattr(raw, "stop_price", None)),
        created_at=_utc(getattr(raw, "created_at", None)),
        reason=reason,
    )


def parse_alpaca_fill(row: Any) -> VenueFill:  # Any: a JSON record of the activities endpoint
    if not isinstance(row, dict) or not row.get("id"):
        raise BrokerError(
            "alpaca sent a fill activity without an id",
            context={"record": str(row)[:300]},
            transient=True,
        )
    quantity = decimal_or_none(row.get("qty"))
    price = decimal_or_none(row.get("price"))
    timestamp = _utc(row.get("transaction_time"))
    if quantity is None or price is None or timestamp is None or not row.get("symbol"):
        raise unreadable_record("alpaca", "a fill activity", row)
    return VenueFill(
        trade_id=str(row["id"]),
        client_order_id=None,  # filled in by the broker from the order id
        venue_order_id=str(row["order_id"]) if row.get("order_id") else None,
        symbol=str(row["symbol"]),
        side=side_of(row.get("side"), "alpaca", f"fill {row['id']}"),
        quantity=quantity,
        price=price,
        commission=Decimal(0),  # Alpaca equities: no per-trade commission
        commission_asset="USD",
        timestamp=timestamp,
    )
