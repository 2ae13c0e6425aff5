"""ccxt's unified order and trade records → `VenueOrder` and `VenueFill`.

ccxt hands numbers over as floats; each becomes a Decimal through its shortest
repr (``Decimal(str(x))``), which gives back the venue's decimal string exactly
for up to 15 significant digits (Binance sends 8 decimals). A record missing
what an order or fill must have raises a transient `BrokerError`
(`rustybt.live.adapters.records`), which the caller treats as "reply could not
be read" (UNKNOWN after a command).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd

from rustybt.errors import BrokerError
from rustybt.live.adapters.records import decimal_or_none, side_of, unreadable_record
from rustybt.live.broker import VenueFill, VenueOrder, VenueOrderStatus

__all__ = ["decimal_or_none", "parse_ccxt_order", "parse_ccxt_trade"]

_STATUS = {
    "open": VenueOrderStatus.OPEN,
    "closed": VenueOrderStatus.FILLED,
    "canceled": VenueOrderStatus.CANCELLED,
    "cancelled": VenueOrderStatus.CANCELLED,
    "canceling": VenueOrderStatus.OPEN,
    "expired": VenueOrderStatus.EXPIRED,
    "rejected": VenueOrderStatus.REJECTED,
}


def _timestamp(value: object) -> pd.Timestamp | None:
    if value is None:
        return None
    if not isinstance(value, (int, float)):
        raise BrokerError(f"the venue sent timestamp {value!r}", transient=True)
    return pd.Timestamp(int(value), unit="ms", tz="UTC")


def parse_ccxt_order(raw: dict[str, Any], *, venue: str) -> VenueOrder:  # Any: ccxt records
    """One ccxt order record as a `VenueOrder`."""
    if not isinstance(raw, dict):
        raise BrokerError(
            f"{venue} sent an order that is not a record: {str(raw)[:200]!r}", transient=True
        )
    info = raw.get("info") if isinstance(raw.get("info"), dict) else {}
    # A cancel reply names the cancel request in clientOrderId and the order in origClientOrderId.
    client_id = (info or {}).get("origClientOrderId") or raw.get("clientOrderId")
    status = _STATUS.get(str(raw.get("status")))
    quantity = decimal_or_none(raw.get("amount"))
    if not client_id or status is None or quantity is None or not raw.get("symbol"):
        raise unreadable_record(venue, "an order record", raw.get("info", raw))
    filled = decimal_or_none(raw.get("filled")) or Decimal(0)
    if status is VenueOrderStatus.OPEN and filled > 0:
        status = VenueOrderStatus.PARTIALLY_FILLED
    stop = decimal_or_none(raw.get("triggerPrice") or raw.get("stopPrice")) or None
    limit_type = raw.get("type") == "limit"
    if stop:
        order_type = "stop_limit" if limit_type else "stop"
    else:
        order_type = "limit" if limit_type else str(raw.get("type") or "market")
    price = decimal_or_none(raw.get("price")) if limit_type else None
    return VenueOrder(
        client_order_id=str(client_id),
        venue_order_id=str(raw["id"]) if raw.get("id") is not None else None,
        symbol=str(raw["symbol"]),
        side=side_of(raw.get("side"), venue, f"order {client_id}"),
        quantity=quantity,
        filled_quantity=filled,
        average_price=decimal_or_none(raw.get("average")) if filled else None,
        status=status,
        order_type=order_type,
        limit_price=price or None,
        stop_price=stop,
        created_at=_timestamp(raw.get("timestamp")),
    )


def parse_ccxt_trade(raw: dict[str, Any], *, venue: str) -> VenueFill:  # Any: ccxt records
    """One ccxt trade record (an execution of ours) as a `VenueFill`."""
    if not isinstance(raw, dict) or raw.get("id") is None:
        raise BrokerError(
            f"{venue} sent a trade without an id",
            context={"record": str(raw)[:300]},
            transient=True,
        )
    quantity = decimal_or_none(raw.get("amount"))
    price = decimal_or_none(raw.get("price"))
    timestamp = _timestamp(raw.get("timestamp"))
    if quantity is None or price is None or timestamp is None or not raw.get("symbol"):
        raise unreadable_record(venue, "a trade record", raw)
    fee = raw.get("fee") if isinstance(raw.get("fee"), dict) else {}
    return VenueFill(
        trade_id=str(raw["id"]),
        client_order_id=None,  # filled in by the broker from the order id
        venue_order_id=str(raw["order"]) if raw.get("order") is not None else None,
        symbol=str(raw["symbol"]),
        side=side_of(raw.get("side"), venue, f"trade {raw['id']}"),
        quantity=quantity,
        price=price,
        commission=decimal_or_none((fee or {}).get("cost")) or Decimal(0),
        commission_asset=(fee or {}).get("currency"),
        timestamp=timestamp,
    )
