"""Paper and live trading: the engine's strategy, orders and ledger driven by a feed and a `Broker`.

Submodules with heavy or optional dependencies (adapters, the health server) are
imported lazily by their users; this package imports only the protocol.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rustybt.live.broker import (
    Broker,
    CommandResult,
    OrderRequest,
    Outcome,
    VenueFill,
    VenueOrder,
    VenueOrderStatus,
)

if TYPE_CHECKING:
    from rustybt.live.feeds import ReplayFeed
    from rustybt.live.paper import PaperBroker
    from rustybt.live.runner import LiveRunner
    from rustybt.live.state import StateStore

_LAZY = {
    "LiveRunner": "rustybt.live.runner",
    "PaperBroker": "rustybt.live.paper",
    "ReplayFeed": "rustybt.live.feeds",
    "StateStore": "rustybt.live.state",
}


def __getattr__(name: str) -> object:
    """The runner, paper broker, replay feed and state store, imported on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rustybt.live' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "Broker",
    "CommandResult",
    "LiveRunner",
    "OrderRequest",
    "Outcome",
    "PaperBroker",
    "ReplayFeed",
    "StateStore",
    "VenueFill",
    "VenueOrder",
    "VenueOrderStatus",
]
