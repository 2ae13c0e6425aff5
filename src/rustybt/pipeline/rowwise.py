"""Cross-sectional (per-session) transforms, vectorised over every session at once:
rank, demean, zscore, percentile filters and quantile classifiers.

Values outside the mask (by default: assets not alive that session), NaN values and
assets with a missing group label are left out of each session's statistics and get
the missing value (NaN, False or -1), as in zipline.
"""

from __future__ import annotations

import numpy as np

from rustybt.data.bars import FloatArray
from rustybt.pipeline.kinds import Classifier, Factor, Filter
from rustybt.pipeline.term import Array, BoolArray, IntArray, Term, Workspace

__all__ = [
    "GroupedTransform",
    "PercentileFilter",
    "Quantiles",
    "Rank",
    "Winsorized",
    "rank_rows",
    "winsorize_rows",
]


def _group_codes(ws: Workspace, term: Term, groupby: Classifier | None) -> IntArray:
    """Group label per cell, -1 where the cell is masked out (or has no label)."""
    mask = ws.mask_of(term)
    if groupby is None:
        codes: IntArray = np.where(mask, 0, -1).astype(np.int64)
        return codes
    labels = ws.array(groupby).astype(np.int64)
    chosen: IntArray = np.where(mask & (labels >= 0), labels, -1)
    return chosen


def _group_order(
    keys: FloatArray, groups: IntArray, missing: BoolArray
) -> tuple[IntArray, IntArray]:
    """Per row, the cell order by (group, key), stable (ties keep asset order), and
    the group labels with missing cells moved to a last group of their own (so they
    never split a real group).

    Two stable argsorts instead of one lexsort: by key, then by group label (as
    small integers numpy radix-sorts).
    """
    last = int(groups.max(initial=0)) + 1
    label_type = np.int16 if last < np.iinfo(np.int16).max else np.int64
    group_keys = np.where(missing, last, groups).astype(np.int64)
    by_key = np.argsort(keys, axis=1, kind="stable")
    if last == 1:  # one group: the key order is the answer
        return by_key, group_keys
    regrouped = np.take_along_axis(group_keys.astype(label_type), by_key, axis=1)
    by_group = np.argsort(regrouped, axis=1, kind="stable")
    order: IntArray = np.take_along_axis(by_key, by_group, axis=1)
    return order, group_keys


def rank_rows(values: FloatArray, groups: IntArray, method: str, ascending: bool) -> FloatArray:
    """Rank each row within its groups (scipy.stats.rankdata semantics per group).

    Cells with a NaN value or a negative group are not ranked (NaN). Ties keep the
    asset order for ``ordinal``, as zipline's mergesort does.
    """
    rows, cols = values.shape
    missing = np.isnan(values) | (groups < 0)
    keys = np.where(missing, np.nan, values if ascending else -values)
    order, group_keys = _group_order(keys, groups, missing)
    g = np.take_along_axis(group_keys, order, axis=1)
    v = np.take_along_axis(keys, order, axis=1)
    position = np.broadcast_to(np.arange(cols), (rows, cols))
    new_group = np.ones((rows, cols), dtype=bool)
    new_group[:, 1:] = g[:, 1:] != g[:, :-1]
    group_start = np.maximum.accumulate(np.where(new_group, position, 0), axis=1)
    if method == "ordinal":
        ranked = (position - group_start + 1).astype(np.float64)
    else:
        new_tie = new_group.copy()
        new_tie[:, 1:] |= v[:, 1:] != v[:, :-1]
        tie_start = np.maximum.accumulate(np.where(new_tie, position, 0), axis=1)
        last_tie = np.ones((rows, cols), dtype=bool)
        last_tie[:, :-1] = new_tie[:, 1:]
        tie_end = np.minimum.accumulate(np.where(last_tie, position, cols)[:, ::-1], axis=1)[
            :, ::-1
        ]
        low = tie_start - group_start + 1
        high = tie_end - group_start + 1
        if method == "min":
            ranked = low.astype(np.float64)
        elif method == "max":
            ranked = high.astype(np.float64)
        elif method == "average":
            ranked = (low + high) / 2.0
        else:  # dense
            count = np.cumsum(new_tie, axis=1)
            ranked = (count - np.take_along_axis(count, group_start, axis=1) + 1).astype(np.float64)
    out = np.empty((rows, cols))
    np.put_along_axis(out, order, ranked, axis=1)
    out[missing] = np.nan
    return out


def winsorize_rows(values: FloatArray, groups: IntArray, low: float, high: float) -> FloatArray:
    """zipline's winsorize per row and group: with ``n`` values in the group sorted,
    those below position ``int(low * n)`` take that position's value and those from
    ``ceil(high * n)`` on take the value just before it. NaN and masked cells: NaN."""
    rows, cols = values.shape
    missing = np.isnan(values) | (groups < 0)
    order, group_keys = _group_order(np.where(missing, np.nan, values), groups, missing)
    g = np.take_along_axis(group_keys, order, axis=1)
    v = np.take_along_axis(values, order, axis=1)
    position = np.broadcast_to(np.arange(cols), (rows, cols))
    new_group = np.ones((rows, cols), dtype=bool)
    new_group[:, 1:] = g[:, 1:] != g[:, :-1]
    start = np.maximum.accumulate(np.where(new_group, position, 0), axis=1)
    last = np.ones((rows, cols), dtype=bool)
    last[:, :-1] = new_group[:, 1:]
    end = np.minimum.accumulate(np.where(last, position, cols)[:, ::-1], axis=1)[:, ::-1]
    size = end - start + 1
    within = position - start
    lower = np.minimum((low * size).astype(np.int64), size - 1)
    upper = np.ceil(high * size).astype(np.int64)
    floor_value = np.take_along_axis(v, start + lower, axis=1)
    cap_value = np.take_along_axis(v, np.maximum(start + upper - 1, 0), axis=1)
    clipped = np.where(within < lower, floor_value, v)
    clipped = np.where((within >= upper) & (upper < size), cap_value, clipped)
    out = np.empty((rows, cols))
    np.put_along_axis(out, order, clipped, axis=1)
    out[missing] = np.nan
    return out


class Rank(Factor):
    window_safe = True

    def __init__(
        self,
        factor: Factor,
        *,
        method: str,
        ascending: bool,
        mask: Filter | None,
        groupby: Classifier | None,
    ) -> None:
        super().__init__(inputs=[factor], mask=mask)
        self.method, self.ascending, self.groupby = method, ascending, groupby

    def dependencies(self) -> tuple[Term, ...]:
        extra = () if self.groupby is None else (self.groupby,)
        return (*super().dependencies(), *extra)

    def compute_block(self, ws: Workspace) -> Array:
        values = ws.array(self.inputs[0]).astype(np.float64)
        return rank_rows(values, _group_codes(ws, self, self.groupby), self.method, self.ascending)

    def graph_repr(self) -> str:
        return f"Rank({self.inputs[0]!r}, method={self.method!r})"


class GroupedTransform(Factor):
    """``demean`` (x - mean) or ``zscore`` ((x - mean) / std, ddof=0) per session and group."""

    window_safe = True

    def __init__(
        self, factor: Factor, kind: str, *, mask: Filter | None, groupby: Classifier | None
    ) -> None:
        super().__init__(inputs=[factor], mask=mask)
        self.kind, self.groupby = kind, groupby

    def dependencies(self) -> tuple[Term, ...]:
        extra = () if self.groupby is None else (self.groupby,)
        return (*super().dependencies(), *extra)

    def compute_block(self, ws: Workspace) -> Array:
        values = ws.array(self.inputs[0]).astype(np.float64)
        groups = _group_codes(ws, self, self.groupby)
        rows, _ = values.shape
        width = int(groups.max(initial=-1)) + 1
        if width == 0:
            return np.full(values.shape, np.nan)
        grouped = groups >= 0
        counted = grouped & ~np.isnan(values)
        key = np.arange(rows)[:, None] * width + np.where(grouped, groups, 0)
        size = rows * width
        count = np.bincount(key[counted], minlength=size)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.bincount(key[counted], weights=values[counted], minlength=size) / count
            centred = values - mean[key]
            if self.kind == "zscore":
                squares = np.bincount(key[counted], weights=centred[counted] ** 2, minlength=size)
                centred = centred / np.sqrt(squares / count)[key]
        return np.where(grouped, centred, np.nan)

    def graph_repr(self) -> str:
        return f"{self.kind}({self.inputs[0]!r})"


class Winsorized(Factor):
    """Values beyond the session's percentiles (fractions 0-1) clipped to them."""

    def __init__(
        self,
        factor: Factor,
        low: float,
        high: float,
        *,
        mask: Filter | None,
        groupby: Classifier | None,
    ) -> None:
        super().__init__(inputs=[factor], mask=mask)
        self.low, self.high, self.groupby = low, high, groupby
        self.window_safe = factor.window_safe

    def dependencies(self) -> tuple[Term, ...]:
        extra = () if self.groupby is None else (self.groupby,)
        return (*super().dependencies(), *extra)

    def compute_block(self, ws: Workspace) -> Array:
        values = ws.array(self.inputs[0]).astype(np.float64)
        return winsorize_rows(values, _group_codes(ws, self, self.groupby), self.low, self.high)


class PercentileFilter(Filter):
    """True where ``lower <= value <= upper``, bounds being the session's percentiles
    of the masked values (numpy's linear interpolation, as zipline)."""

    def __init__(
        self, factor: Factor, low: float, high: float, *, mask: Filter | None = None
    ) -> None:
        super().__init__(inputs=[factor], mask=mask)
        self.low, self.high = low, high

    def compute_block(self, ws: Workspace) -> Array:
        mask = ws.mask_of(self)
        data = np.where(mask, ws.array(self.inputs[0]), np.nan)
        usable = ~np.isnan(data).all(axis=1)
        bounds = np.full((2, ws.rows), np.nan)
        if usable.any():
            bounds[:, usable] = np.nanpercentile(data[usable], [self.low, self.high], axis=1)
        with np.errstate(invalid="ignore"):
            found: BoolArray = (bounds[0][:, None] <= data) & (data <= bounds[1][:, None])
        return found & mask


class Quantiles(Classifier):
    """Per session: label 0..bins-1 as ``pandas.qcut(row, bins, labels=False)``."""

    def __init__(self, factor: Factor, bins: int, *, mask: Filter | None = None) -> None:
        super().__init__(inputs=[factor], mask=mask)
        self.bins = bins

    def compute_block(self, ws: Workspace) -> Array:
        mask = ws.mask_of(self)
        data = np.where(mask, ws.array(self.inputs[0]), np.nan)
        usable = ~np.isnan(data).all(axis=1)
        out = np.full(data.shape, -1, dtype=np.int64)
        if not usable.any() or self.bins == 1:
            out[~np.isnan(data)] = 0
            return out
        # pandas.qcut computes its edges as percentiles of linspace(0, 1) * 100; the
        # same rounding keeps values that sit on an edge in the same bin.
        inner = (np.linspace(0.0, 1.0, self.bins + 1) * 100.0)[1:-1]
        edges = np.full((len(inner), ws.rows), np.nan)
        edges[:, usable] = np.nanpercentile(data[usable], inner, axis=1)
        with np.errstate(invalid="ignore"):
            labels = (data[None, :, :] > edges[:, :, None]).sum(axis=0)
        return np.where(np.isnan(data), -1, labels).astype(np.int64)
