"""Rolling-window statistics over a whole (rows x assets) block at once.

Row ``r`` of each result covers input rows ``r - window + 1 .. r``; rows without a
full window hold partial results that the workspace never reads (it extends the
block back by the lookback). NaN policy follows numpy's nan-functions, as
zipline's factors do: nanmean / nanstd skip NaN (NaN when nothing is left), nansum
of nothing is 0, a plain weighted average propagates NaN; an infinite value makes
the window's sum and mean infinite (NaN if both signs) and its std NaN.

Sums come from running totals (no per-window loop) whose rounding errors are
carried exactly in a second running total, and each column is first shifted by
its first finite value. (The last bits of a result can depend on where the
computed block starts: runs over different date ranges agree to about 1e-15
relative, not bit for bit.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rustybt.data.bars import FloatArray

__all__ = ["lag", "rolling_mean", "rolling_std", "rolling_sum", "weighted_average"]


def lag(values: FloatArray, k: int) -> FloatArray:
    """``out[r] = values[r - k]`` (NaN for the first ``k`` rows)."""
    if k == 0:
        return values
    out = np.full(values.shape, np.nan)
    if k < len(values):
        out[k:] = values[:-k]
    return out


def _running_total(values: FloatArray) -> FloatArray:
    """Cumulative sums down the rows, with a zero row on top. Row by row: numpy's
    cumsum along axis 0 of a C-ordered block walks it column-wise and is slower."""
    totals = np.empty((len(values) + 1, *values.shape[1:]))
    totals[0] = 0.0
    totals[1:] = values
    for row in range(1, len(totals)):
        np.add(totals[row], totals[row - 1], out=totals[row])
    return totals


def _differences(totals: FloatArray, window: int) -> FloatArray:
    rows = len(totals) - 1
    result = np.empty(totals[1:].shape)
    head = min(window, rows)
    result[:head] = totals[1 : head + 1]  # windows that start at the first row
    result[head:] = totals[head + 1 :] - totals[1 : rows - head + 1]
    return result


def _window_total(values: FloatArray, window: int) -> FloatArray:
    """Sum over each window of an array without NaN (running-total differences).

    The rounding error of every step of the running total is recovered exactly
    (Knuth's TwoSum) and carried in a second running total, so a window's sum is
    as precise as summing the window itself, however large the earlier values were.
    """
    high = _running_total(values)
    previous, total = high[:-1], high[1:]
    step = total - previous
    error = (previous - (total - step)) + (values - step)
    low = _running_total(error)
    result: FloatArray = _differences(high, window) + _differences(low, window)
    return result


class _Windows:
    """Counts and shifted sums of the finite values of every window."""

    def __init__(self, values: FloatArray, window: int) -> None:
        finite = np.isfinite(values)
        # The shift is each column's first finite value: known before any window
        # that holds a value, so it can never carry later data into earlier rows.
        first = np.take_along_axis(values, finite.argmax(axis=0)[None, :], axis=0)[0]
        shift = np.where(finite.any(axis=0), first, 0.0)
        centred = np.where(finite, values - shift, 0.0)
        self.shift = shift
        if finite.all():
            sizes = np.minimum(np.arange(1, len(values) + 1), window).astype(np.float64)
            self.count = np.broadcast_to(sizes[:, None], values.shape)
        else:
            self.count = _window_total(finite.astype(np.float64), window)
        self.total = _window_total(centred, window)
        self.has_inf = bool(np.isinf(values).any())
        if self.has_inf:
            self.up = _window_total((values == np.inf).astype(np.float64), window)
            self.down = _window_total((values == -np.inf).astype(np.float64), window)

    def infinite(self, result: FloatArray) -> FloatArray:
        """Windows holding an infinity: +inf, -inf, or NaN when both signs."""
        if not self.has_inf:
            return result
        result = np.where(self.up > 0, np.inf, result)
        result = np.where(self.down > 0, -np.inf, result)
        return np.where((self.up > 0) & (self.down > 0), np.nan, result)


def rolling_sum(values: FloatArray, window: int) -> FloatArray:
    """``nansum`` of each window (0 for a window without values)."""
    stats = _Windows(values, window)
    return stats.infinite(stats.total + stats.count * stats.shift)


def rolling_mean(values: FloatArray, window: int) -> FloatArray:
    """``nanmean`` of each window."""
    stats = _Windows(values, window)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = stats.total / stats.count + stats.shift
    return stats.infinite(np.where(stats.count > 0, mean, np.nan))


def rolling_std(values: FloatArray, window: int) -> FloatArray:
    """``nanstd`` (population, ddof=0) of each window.

    pandas' online (Welford) update, not running sums of squares: those lose
    precision when the values sit far from their shift (a price that has grown
    tenfold, volumes in the billions).
    """
    frame = pd.DataFrame(np.where(np.isfinite(values), values, np.nan))
    result: FloatArray = frame.rolling(window, min_periods=1).std(ddof=0).to_numpy()
    infinite = np.isinf(values)
    if infinite.any():  # numpy: a window holding an infinity has a NaN std
        touched = _window_total(infinite.astype(np.float64), window) > 0
        result = np.where(touched, np.nan, result)
    return result


def weighted_average(values: FloatArray, weights: FloatArray) -> FloatArray:
    """``numpy.average(window, weights=weights, axis=0)`` for every window (oldest row
    first in ``weights``); any NaN in the window gives NaN."""
    window = len(weights)
    total = np.zeros(values.shape)
    for k, weight in enumerate(weights):
        total += weight * lag(values, window - 1 - k)
    result: FloatArray = total / weights.sum()
    return result
