"""Filters that do not read prices: a fixed set of assets, and "alive today"."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from rustybt.assets import Asset
from rustybt.pipeline.kinds import Filter
from rustybt.pipeline.term import Array, BoolArray, PipelineError, Workspace

__all__ = ["AssetExists", "StaticAssets", "StaticSids"]


class AssetExists(Filter):
    """True where an asset is alive: after its first bar, up to its last one
    (zipline's lifetimes). Every term's default mask."""

    def compute_block(self, ws: Workspace) -> Array:
        alive: Array = ws.alive
        return alive


class StaticAssets(Filter):
    """True for the given assets (objects or symbols), on every session they are alive."""

    def __init__(self, assets: Iterable[Asset | str]) -> None:
        super().__init__()
        chosen = list(assets)
        for item in chosen:
            if not isinstance(item, Asset | str):
                raise PipelineError(
                    f"StaticAssets takes assets or symbols, not {type(item).__name__}",
                    hint="use StaticSids for integer ids",
                )
        self.symbols = frozenset(a.symbol if isinstance(a, Asset) else a for a in chosen)

    def compute_block(self, ws: Workspace) -> Array:
        columns = np.array([a.symbol in self.symbols for a in ws.assets], dtype=bool)
        chosen: BoolArray = ws.alive & columns[None, :]
        return chosen

    def graph_repr(self) -> str:
        return f"StaticAssets({sorted(self.symbols)})"


class StaticSids(Filter):
    """True for the given sids. An asset's sid is its position in the data's asset
    order (sorted by symbol for catalog and CSV data): ``data.assets[sid]``."""

    def __init__(self, sids: Iterable[int]) -> None:
        super().__init__()
        chosen = list(sids)
        for sid in chosen:
            if not isinstance(sid, int | np.integer) or isinstance(sid, bool) or sid < 0:
                raise PipelineError(f"StaticSids takes non-negative integers, not {sid!r}")
        self.sids = frozenset(int(s) for s in chosen)

    def compute_block(self, ws: Workspace) -> Array:
        unknown = sorted(s for s in self.sids if s >= ws.n_assets)
        if unknown:
            raise PipelineError(
                f"StaticSids: sid(s) {unknown} are not in the data ({ws.n_assets} assets)",
                hint="a sid is the asset's position in the data's assets",
            )
        columns = np.zeros(ws.n_assets, dtype=bool)
        columns[sorted(self.sids)] = True
        return ws.alive & columns[None, :]
