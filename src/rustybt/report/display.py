"""Thin long series for display: never one point per minute in a chart.

`thin` keeps at most ``max_points`` points by taking, in each of
``max_points / 2`` equal buckets, the lowest and the highest value in time
order (min-max decimation), so peaks and troughs such as the maximum drawdown
stay visible where plain striding would skip them.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

__all__ = ["MAX_POINTS", "thin", "thin_frame"]

MAX_POINTS = 1_000


def thin(series: pd.Series, max_points: int = MAX_POINTS) -> pd.Series:
    """``series`` without NaNs, min-max decimated to at most ``max_points`` points."""
    clean = series.dropna()
    n = len(clean)
    if n <= max_points:
        return clean
    buckets = max(max_points // 2, 1)
    edges = np.linspace(0, n, buckets + 1).astype(np.int64)
    values = clean.to_numpy(dtype=np.float64)
    keep: list[int] = []
    for lo, hi in itertools.pairwise(edges):
        if hi <= lo:
            continue
        chunk = values[lo:hi]
        first, second = sorted((lo + int(np.argmin(chunk)), lo + int(np.argmax(chunk))))
        keep.append(first)
        if second != first:
            keep.append(second)
    return clean.iloc[sorted(set(keep))]


def thin_frame(frame: pd.DataFrame, max_points: int = MAX_POINTS) -> pd.DataFrame:
    """Every k-th row of ``frame`` (and the last) so at most ``max_points`` remain.

    Used where columns must share one index (stacked areas), which min-max
    decimation per column would break.
    """
    n = len(frame)
    if n <= max_points:
        return frame
    step = int(np.ceil(n / (max_points - 1)))
    rows = np.unique(np.r_[np.arange(0, n, step), n - 1])
    return frame.iloc[rows]
