"""Terms (the nodes of a pipeline) and the workspace that computes them.

Every term is computed once, vectorised, over a whole block of sessions: a
(sessions x assets) array. Row ``r`` of any term holds what is known on the
*morning* of session ``r``, so raw columns are shifted by one session (the value of
``close`` on session ``r`` is the close of session ``r - 1``). That single shift is
zipline's no-look-ahead rule, applied in one place.

A windowed term at row ``r`` reads its inputs' rows ``r - window_length + 1 .. r``.
The workspace extends the block back by the longest chain of windows (the
*lookback*) so the first requested session already sees full windows; rows before
the data's first bar are NaN, as for an asset that had not started trading.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from rustybt.assets import Asset
from rustybt.data.bars import BarPanel, FloatArray
from rustybt.errors import ConfigError

__all__ = ["Array", "BoolArray", "IntArray", "PipelineError", "Term", "Workspace"]

# Any: one cache holds float64 factors, bool filters and int64 classifiers.
Array = npt.NDArray[Any]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


class PipelineError(ConfigError):
    """A pipeline, factor, filter or classifier is built or used incorrectly."""


class Term:
    """A node of the pipeline graph: computes one (sessions x assets) array.

    Attributes:
        inputs: the terms read by this one.
        window_length: rows of each input read per output row (0: same row only).
        window_safe: whether another term may read this one through a window
            (zipline's rule: only values comparable across days, such as returns,
            ranks and z-scores; raw bar columns are safe here because our bars are
            not adjusted after the fact).
        mask: a Filter restricting which assets the term is computed for.
    """

    window_length: int = 0
    window_safe: bool = False
    dtype: np.dtype[Any] = np.dtype(np.float64)  # Any: float, bool or int64 per kind
    missing_value: object = np.nan

    def __init__(self, *, inputs: Sequence[Term] = (), mask: Term | None = None) -> None:
        self.inputs: tuple[Term, ...] = tuple(inputs)
        self.mask = mask

    # Terms are graph nodes compared by identity; operators such as ``==`` build new
    # terms, so hashing must not depend on them.
    __hash__ = object.__hash__

    def dependencies(self) -> tuple[Term, ...]:
        """Terms that must be computed first: inputs, mask (and groupby, in subclasses)."""
        return (*self.inputs, *(() if self.mask is None else (self.mask,)))

    def compute_block(self, ws: Workspace) -> Array | dict[str, FloatArray]:
        """The whole (rows x assets) array of this term (or named arrays for a
        multi-output term)."""
        raise NotImplementedError  # every concrete term overrides it

    def graph_repr(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"{self.graph_repr()}()"


class Workspace:
    """The arrays of one pipeline computation over rows ``first_row .. last_row``
    of ``panel`` (``first_row`` may be negative: padded rows before the data).

    Args:
        panel: daily bars; each column's row ``r`` is its value at the close of
            session ``r``.
        first_output: panel row of the first session whose output is wanted.
        last_output: panel row of the last one.
        lookback: extra rows each term must be valid for before ``first_output``.
    """

    def __init__(
        self,
        panel: BarPanel,
        first_output: int,
        last_output: int,
        lookback: dict[int, int],
    ) -> None:
        self.panel = panel
        self.lookback = lookback
        depth = max(lookback.values(), default=0)
        self.first_row = first_output - depth  # panel row of workspace row 0
        self.rows = last_output - self.first_row + 1
        self.output_start = first_output - self.first_row  # workspace row of first output
        self.assets: tuple[Asset, ...] = panel.assets
        self.asset_index = pd.Index(panel.assets, dtype=object)
        self.n_assets = len(panel.assets)
        positions = np.arange(self.first_row, last_output + 1)
        valid = positions >= 0
        self.dates = pd.DatetimeIndex(
            np.where(valid, panel.index.asi8[np.clip(positions, 0, None)], np.iinfo(np.int64).min)
        ).tz_localize("UTC")
        self._raw: dict[str, FloatArray] = {}
        self._cache: dict[int, Array | dict[str, FloatArray]] = {}
        self._keep: list[Term] = []  # keeps cached terms alive so ids stay unique
        self.alive = self._lifetimes(positions)

    # -- raw data ------------------------------------------------------------------
    def raw(self, field: str) -> FloatArray:
        """The field as known each morning: row r holds the panel's row r - 1."""
        found = self._raw.get(field)
        if found is not None:
            return found
        source = self.panel.field(field)
        out = np.full((self.rows, self.n_assets), np.nan)
        lo = max(self.first_row - 1, 0)  # first panel row read
        hi = self.first_row - 1 + self.rows  # one past the last panel row read
        if hi > lo:
            out[lo - (self.first_row - 1) :] = source[lo:hi]
        out.flags.writeable = False
        self._raw[field] = out
        return out

    def _lifetimes(self, positions: IntArray) -> BoolArray:
        """zipline's AssetExists: alive on a session after its first bar and up to
        (including) its last one, so day one of a listing has no data yet."""
        has_bar = ~np.isnan(self.panel.close)
        n = len(self.panel.index)
        first = np.where(has_bar.any(axis=0), has_bar.argmax(axis=0), n)
        last = np.where(has_bar.any(axis=0), n - 1 - has_bar[::-1].argmax(axis=0), -1)
        column = positions[:, None]
        alive: BoolArray = (column > first[None, :]) & (column <= last[None, :])
        alive.flags.writeable = False
        return alive

    # -- terms ---------------------------------------------------------------------
    def valid_from(self, term: Term) -> int:
        """First workspace row where ``term`` must hold full-window values."""
        return self.output_start - self.lookback.get(id(term), 0)

    def compute(self, term: Term) -> Array | dict[str, FloatArray]:
        key = id(term)
        found = self._cache.get(key)
        if found is None:
            found = term.compute_block(self)
            for array in found.values() if isinstance(found, dict) else (found,):
                array.flags.writeable = False  # user compute() functions get read-only views
            self._cache[key] = found
            self._keep.append(term)
        return found

    def array(self, term: Term) -> Array:
        found = self.compute(term)
        if isinstance(found, dict):
            raise PipelineError(
                f"{term.graph_repr()} has several outputs; use one of them",
                context={"outputs": sorted(found)},
                hint="e.g. BollingerBands(...).upper",
            )
        return found

    def mask_of(self, term: Term) -> BoolArray:
        """Where ``term`` is computed: assets alive that session and in its mask."""
        if term.mask is None:
            return self.alive
        chosen: BoolArray = self.alive & self.array(term.mask).astype(bool)
        return chosen


def plan_lookback(roots: Iterable[Term]) -> dict[int, int]:
    """Extra rows each term needs before the first output (by term id).

    A windowed term valid from row ``r`` needs its inputs from ``r - window + 1``;
    masks and group labels are read on the same rows.
    """
    order: list[Term] = []
    seen: set[int] = set()

    def visit(term: Term) -> None:
        stack: list[tuple[Term, bool]] = [(term, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in node.dependencies())

    for root in roots:
        visit(root)
    lookback: dict[int, int] = {id(t): 0 for t in order}
    for node in reversed(order):  # parents before children
        own = lookback[id(node)]
        window = max(node.window_length - 1, 0)
        inputs = {id(t) for t in node.inputs}
        for child in node.dependencies():
            extra = window if id(child) in inputs else 0
            lookback[id(child)] = max(lookback[id(child)], own + extra)
    return lookback
