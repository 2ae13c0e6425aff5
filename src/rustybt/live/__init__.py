"""Paper and live trading: the engine's strategy, orders and ledger driven by a feed and a `Broker`.

Submodules with heavy or optional dependencies (adapters, the health server) are
imported lazily by their users; this package imports only the protocol.
"""

from __future__ import annotations

from rustybt.live.broker import (
    Broker,
    CommandResult,
    OrderRequest,
    Outcome,
    VenueFill,
    VenueOrder,
    VenueOrderStatus,
)

__all__ = [
    "Broker",
    "CommandResult",
    "OrderRequest",
    "Outcome",
    "VenueFill",
    "VenueOrder",
    "VenueOrderStatus",
]
