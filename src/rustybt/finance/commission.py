"""zipline's commission models, with zipline's parameter names and defaults.

Each is the engine's model (`rustybt.engine.execution`) under zipline's
signature; the engine's own classes keep their defaults (see docs/zipline.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from rustybt.engine import execution as _engine
from rustybt.engine.execution import CommissionModel, NoCommission

__all__ = [
    "DEFAULT_MINIMUM_COST_PER_EQUITY_TRADE",
    "DEFAULT_PER_DOLLAR_COST",
    "DEFAULT_PER_SHARE_COST",
    "CommissionModel",
    "NoCommission",
    "PerDollar",
    "PerShare",
    "PerTrade",
]

DEFAULT_PER_SHARE_COST = 0.001  # zipline: 0.1 cent per share
DEFAULT_PER_DOLLAR_COST = 0.0015  # zipline: 0.15 cent per dollar traded
DEFAULT_MINIMUM_COST_PER_EQUITY_TRADE = 0.0  # zipline: no minimum


@dataclass(frozen=True, slots=True)
class PerShare(_engine.PerShare):
    """``cost`` per share traded, at least ``min_trade_cost`` per order (zipline's
    defaults: 0.001 per share, no minimum)."""

    cost: float = DEFAULT_PER_SHARE_COST
    min_trade_cost: float = DEFAULT_MINIMUM_COST_PER_EQUITY_TRADE


@dataclass(frozen=True, slots=True)
class PerTrade(_engine.PerTrade):
    """A flat ``cost`` per order, charged on its first fill (zipline's default: 0)."""

    cost: float = DEFAULT_MINIMUM_COST_PER_EQUITY_TRADE


class PerDollar(_engine.PerDollar):
    """``cost`` per dollar traded (zipline's default: 0.0015, i.e. 15 bps)."""

    __slots__ = ()

    def __init__(self, cost: float = DEFAULT_PER_DOLLAR_COST) -> None:
        super().__init__(rate=cost)

    @property
    def cost(self) -> float:
        return self.rate

    def __repr__(self) -> str:
        return f"PerDollar(cost={self.rate})"
