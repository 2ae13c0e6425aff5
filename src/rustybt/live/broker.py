"""The typed `Broker` protocol: every venue (paper, ccxt, alpaca) speaks it.

The protocol is synchronous because the venue client libraries (ccxt, alpaca-py)
are; the asyncio runner wraps calls in ``asyncio.to_thread``.

The three-outcome rule: every command ends in exactly one `Outcome`:

- ``DONE``: a definitive venue result (accepted, cancelled, modified, or rejected
  by the venue with a reason).
- ``FAILED``: a definitive local failure; nothing reached the venue (validation,
  connection refused before sending, a risk check).
- ``UNKNOWN``: the request may have reached the venue but we cannot tell
  (timeout, disconnect, 5xx after send, unparsable reply). An unknown submit is
  NEVER resent blindly: it is resolved by `Broker.order_status` with the same
  client order id, by the fill stream, or by reconciliation.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Protocol, runtime_checkable

import pandas as pd

from rustybt.errors import OrderError, RustyBTError

__all__ = [
    "Broker",
    "CommandResult",
    "OrderRequest",
    "OrderSide",
    "OrderType",
    "Outcome",
    "TimeInForce",
    "VenueFill",
    "VenueOrder",
    "VenueOrderStatus",
]

OrderSide = Literal["buy", "sell"]
OrderType = Literal["market", "limit", "stop", "stop_limit"]
TimeInForce = Literal["day", "gtc"]


class Outcome(enum.Enum):
    """How a broker command ended (the three-outcome rule)."""

    DONE = "done"
    FAILED = "failed"
    UNKNOWN = "unknown"


class VenueOrderStatus(enum.Enum):
    """An order's state as the venue reports it."""

    NEW = "new"
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    EXPIRED = "expired"

    @property
    def is_open(self) -> bool:
        """True while the order can still fill or be cancelled."""
        return self in (
            VenueOrderStatus.NEW,
            VenueOrderStatus.OPEN,
            VenueOrderStatus.PARTIALLY_FILLED,
        )


@dataclass(frozen=True)
class OrderRequest:
    """What we ask a venue to do; the client order id is deterministic, never random."""

    client_order_id: str
    symbol: str
    side: OrderSide
    quantity: Decimal
    order_type: OrderType
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: TimeInForce = "gtc"

    def __post_init__(self) -> None:
        if not self.client_order_id:
            raise OrderError("An order request needs a client order id")
        if self.side not in ("buy", "sell"):
            raise OrderError(
                f"Order side must be 'buy' or 'sell', not {self.side!r}",
                context={"client_order_id": self.client_order_id},
            )
        if (
            not isinstance(self.quantity, Decimal)
            or not self.quantity.is_finite()
            or self.quantity <= 0
        ):
            raise OrderError(
                f"Order quantity must be a positive Decimal, not {self.quantity!r}",
                context={"client_order_id": self.client_order_id},
                hint="send the absolute quantity and the side separately",
            )
        if self.order_type in ("limit", "stop_limit") and self.limit_price is None:
            raise OrderError(
                f"A {self.order_type} order needs a limit price",
                context={"client_order_id": self.client_order_id},
            )
        if self.order_type in ("stop", "stop_limit") and self.stop_price is None:
            raise OrderError(
                f"A {self.order_type} order needs a stop price",
                context={"client_order_id": self.client_order_id},
            )


@dataclass(frozen=True)
class VenueOrder:
    """An order as the venue knows it."""

    client_order_id: str
    venue_order_id: str | None
    symbol: str
    side: OrderSide
    quantity: Decimal
    filled_quantity: Decimal
    average_price: Decimal | None
    status: VenueOrderStatus
    order_type: str
    limit_price: Decimal | None
    stop_price: Decimal | None
    created_at: pd.Timestamp | None
    reason: str | None = None


@dataclass(frozen=True)
class VenueFill:
    """One execution reported by the venue; deduplicated by ``trade_id``."""

    trade_id: str
    client_order_id: str | None
    venue_order_id: str | None
    symbol: str
    side: OrderSide
    quantity: Decimal
    price: Decimal
    commission: Decimal
    commission_asset: str | None
    timestamp: pd.Timestamp
    # The pre-slippage price the fill is measured against (the paper broker knows it:
    # the bar's open or the limit/stop); None for real venues (the decision price is used).
    reference_price: Decimal | None = None


@dataclass(frozen=True)
class CommandResult:
    """The outcome of one broker command, with the venue's view of the order when known."""

    outcome: Outcome
    order: VenueOrder | None = None
    error: RustyBTError | None = None


@runtime_checkable
class Broker(Protocol):
    """A venue: submit/cancel/modify orders and read its books."""

    name: str

    def submit(self, request: OrderRequest) -> CommandResult:
        """Send a new order; never retried by the caller when the outcome is UNKNOWN."""
        ...

    def cancel(self, client_order_id: str) -> CommandResult:
        """Cancel an open order."""
        ...

    def modify(self, client_order_id: str, replacement: OrderRequest) -> CommandResult:
        """Replace an open order (cancel-replace where the venue lacks modify)."""
        ...

    def order_status(self, client_order_id: str) -> VenueOrder | None:
        """The venue's view of an order; None when the venue does not know it.

        Raises `BrokerError` (transient) when it cannot tell.
        """
        ...

    def open_orders(self) -> list[VenueOrder]:
        """Every open order on the account (ours and external)."""
        ...

    def recent_orders(self, since: pd.Timestamp) -> list[VenueOrder]:
        """Open and recently closed orders created at or after ``since`` (for reconciliation)."""
        ...

    def fills_since(self, cursor: str | None) -> tuple[list[VenueFill], str | None]:
        """Fills after the opaque ``cursor`` (None: from the start) and the next cursor."""
        ...

    def positions(self) -> dict[str, Decimal]:
        """Symbol -> signed quantity."""
        ...

    def balances(self) -> dict[str, Decimal]:
        """Currency -> total balance."""
        ...

    def close(self) -> None:
        """Release connections; the broker is not used afterwards."""
        ...
