"""The float mirrors of the exact ledger, kept in step with each booked fill.

Valuation (a dot product per session) and the positions table read per-column float
arrays, not the Decimal ledger; the blotter calls `FillMirror.apply` after every fill.
"""

from __future__ import annotations

from decimal import Decimal

from rustybt.assets import Asset
from rustybt.data.bars import FloatArray
from rustybt.engine.ledger import Ledger

__all__ = ["FillMirror"]


class FillMirror:
    """Keeps the float mirrors of the ledger (quantity and cost basis per column, read
    by valuation and the positions table) in step with each booked fill."""

    __slots__ = ("_assets", "_cost_basis", "_ledger", "_quantities")

    def __init__(
        self,
        assets: list[Asset],
        ledger: Ledger,
        quantities: FloatArray,
        cost_basis: FloatArray,
    ) -> None:
        self._assets = assets
        self._ledger = ledger
        self._quantities = quantities
        self._cost_basis = cost_basis

    def apply(self, column: int, quantity: Decimal) -> None:
        position = self._ledger.positions.get(self._assets[column])
        if position is None:
            self._quantities[column] = 0.0
            self._cost_basis[column] = 0.0
        else:
            # The ledger keeps no zero positions: `average_cost` without its check.
            held = position.quantity
            # A whole quantity through int: float(Decimal) goes through a string
            # (~450 ns), int() ~100 ns; both round correctly, so the same float.
            whole = int(held)
            self._quantities[column] = float(whole) if whole == held else float(held)
            self._cost_basis[column] = float(position.cost / held)
