"""Rolling-window statistics over a whole (rows x assets) block at once.

Row ``r`` of each result covers input rows ``r - window + 1 .. r``; rows without a
full window hold partial results that the workspace never reads (it extends the
block back by the lookback). NaN policy follows numpy's nan-functions, as
zipline's factors do: nanmean / nanstd skip NaN (NaN when nothing is left), nansum
of nothing is 0, a plain weighted average propagates NaN.
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


def rolling_mean(values: FloatArray, window: int) -> FloatArray:
    result: FloatArray = pd.DataFrame(values).rolling(window, min_periods=1).mean().to_numpy()
    return result


def rolling_sum(values: FloatArray, window: int) -> FloatArray:
    result: FloatArray = pd.DataFrame(values).rolling(window, min_periods=0).sum().to_numpy()
    return result


def rolling_std(values: FloatArray, window: int) -> FloatArray:
    """Population standard deviation (ddof=0, numpy's nanstd)."""
    frame = pd.DataFrame(values).rolling(window, min_periods=1)
    result: FloatArray = frame.std(ddof=0).to_numpy()
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
