"""The rows of the live state store (`rustybt.live.state`): orders and fills."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["FillRecord", "OrderRecord"]


@dataclass(frozen=True)
class OrderRecord:
    """One row of ``orders``."""

    client_order_id: str
    seq: int
    engine_id: str
    symbol: str
    quantity: Decimal
    order_type: str
    limit_price: Decimal | None
    stop_price: Decimal | None
    time_in_force: str
    created: str
    created_bar: int
    decision_price: float
    state: str
    status: str
    venue_order_id: str | None = None
    reason: str | None = None
    closed: str | None = None
    external: bool = False
    replaces: str | None = None  # a modification: the client order id it replaces


@dataclass(frozen=True)
class FillRecord:
    """One row of ``fills`` (quantity signed: positive buys)."""

    trade_id: str
    client_order_id: str | None
    symbol: str
    quantity: Decimal
    price: Decimal
    commission: Decimal
    slippage: Decimal
    reference: float
    bar: int
    timestamp: str


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _order_record(r: tuple[object, ...] | sqlite3.Row) -> OrderRecord:
    return OrderRecord(
        client_order_id=str(r[0]),
        seq=int(str(r[1])),
        engine_id=str(r[2]),
        symbol=str(r[3]),
        quantity=Decimal(str(r[4])),
        order_type=str(r[5]),
        limit_price=_dec(None if r[6] is None else str(r[6])),
        stop_price=_dec(None if r[7] is None else str(r[7])),
        time_in_force=str(r[8]),
        created=str(r[9]),
        created_bar=int(str(r[10])),
        decision_price=float(str(r[11])),
        state=str(r[12]),
        status=str(r[13]),
        venue_order_id=None if r[14] is None else str(r[14]),
        reason=None if r[15] is None else str(r[15]),
        closed=None if r[16] is None else str(r[16]),
        external=bool(r[17]),
        replaces=None if r[18] is None else str(r[18]),
    )
