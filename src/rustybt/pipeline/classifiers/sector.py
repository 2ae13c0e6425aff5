"""The sector of each asset, as the catalog stores it (``Asset.sector``)."""

from __future__ import annotations

import numpy as np

from rustybt.pipeline.kinds import Classifier
from rustybt.pipeline.term import Array, Workspace

__all__ = ["Sector"]


class Sector(Classifier):
    """Group assets by ``Asset.sector`` (set at ingestion: ``sectors={symbol: name}``).

    Labels are the sector names in sorted order; an asset without a sector is
    missing (-1 inside, NaN in the output's Categorical column) and is left out of
    grouped ranks and z-scores. Use ``Sector().eq("Energy")`` for a filter.
    """

    def label_names(self, ws: Workspace) -> tuple[str, ...]:
        return tuple(sorted({a.sector for a in ws.assets if a.sector is not None}))

    def compute_block(self, ws: Workspace) -> Array:
        names = self.label_names(ws)
        position = {name: code for code, name in enumerate(names)}
        codes = np.array(
            [-1 if a.sector is None else position[a.sector] for a in ws.assets], dtype=np.int64
        )
        return np.where(ws.alive, codes[None, :], -1)
