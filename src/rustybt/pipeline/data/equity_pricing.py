"""`EquityPricing` / `USEquityPricing`: the bar columns as pipeline inputs.

``EquityPricing.close`` is a `BoundColumn`: read through a window by a factor, or
``.latest`` for the previous session's value. Both datasets read the same bars
(ours are not split by country); two names keep zipline imports working.
"""

from __future__ import annotations

import numpy as np

from rustybt.pipeline.custom import Latest
from rustybt.pipeline.term import Array, Term, Workspace

__all__ = ["BoundColumn", "DataSet", "EquityPricing", "USEquityPricing"]


class BoundColumn(Term):
    """One bar field (open, high, low, close, volume) as known each morning."""

    window_safe = True
    dtype = np.dtype(np.float64)
    missing_value: object = np.nan

    def __init__(self, dataset: str, name: str) -> None:
        super().__init__()
        self.dataset = dataset
        self.name = name

    @property
    def latest(self) -> Latest:
        """The previous session's value, as a Factor."""
        return Latest(inputs=[self])

    def compute_block(self, ws: Workspace) -> Array:
        return ws.raw(self.name)

    def graph_repr(self) -> str:
        return f"{self.dataset}.{self.name}"

    def __repr__(self) -> str:
        return f"{self.dataset}.{self.name}::float64"


class DataSet:
    """A named group of columns (zipline's DataSet, for the bar fields only)."""

    columns: tuple[BoundColumn, ...] = ()


class EquityPricing(DataSet):
    """Daily OHLCV bars of every asset in the data."""

    open = BoundColumn("EquityPricing", "open")
    high = BoundColumn("EquityPricing", "high")
    low = BoundColumn("EquityPricing", "low")
    close = BoundColumn("EquityPricing", "close")
    volume = BoundColumn("EquityPricing", "volume")
    columns = (open, high, low, close, volume)


class USEquityPricing(DataSet):
    """zipline's US name for the same bars."""

    open = BoundColumn("USEquityPricing", "open")
    high = BoundColumn("USEquityPricing", "high")
    low = BoundColumn("USEquityPricing", "low")
    close = BoundColumn("USEquityPricing", "close")
    volume = BoundColumn("USEquityPricing", "volume")
    columns = (open, high, low, close, volume)
