"""Maximum adverse and favourable excursion (MAE/MFE) from the bars' highs and lows.

For a trade open from bar ``a`` to bar ``b`` (both inclusive) with entry price ``E``:

* long:  MAE = max(0, E − min(low[a..b])),  MFE = max(0, max(high[a..b]) − E)
* short: MAE = max(0, max(high[a..b]) − E), MFE = max(0, E − min(low[a..b]))

and ``mae_pct = MAE / E``, ``mfe_pct = MFE / E``. Both are distances (>= 0). The
range queries are answered by a sparse table (O(T log T) to build per asset, O(1)
per query), so 100k trades over a long panel cost a few numpy calls per asset.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from rustybt.data.bars import BarPanel, FloatArray

__all__ = ["RangeTable", "excursions"]

IntArray = npt.NDArray[np.int64]


class RangeTable:
    """Range-maximum queries over one float array (NaN ignored) via a sparse table.

    ``levels[k, i]`` is the max of ``values[i : i + 2**k]``; a query over ``[a, b]``
    is the max of two overlapping power-of-two blocks.
    """

    def __init__(self, values: FloatArray) -> None:
        data = np.where(np.isnan(values), -np.inf, values).astype(np.float64)
        n = len(data)
        depth = max(1, int(n).bit_length())
        levels = np.full((depth, max(n, 1)), -np.inf)
        levels[0, :n] = data
        for k in range(1, depth):
            half = 1 << (k - 1)
            span = n - (1 << k) + 1
            if span <= 0:
                break
            levels[k, :span] = np.maximum(levels[k - 1, :span], levels[k - 1, half : half + span])
        self._levels = levels

    def query(self, starts: IntArray, ends: IntArray) -> FloatArray:
        """Max over ``values[starts[i] .. ends[i]]`` (inclusive); NaN where all are NaN."""
        length = ends - starts + 1
        k = np.zeros(len(length), dtype=np.int64)
        positive = length > 0
        k[positive] = np.floor(np.log2(length[positive])).astype(np.int64)
        left = self._levels[k, starts]
        right = self._levels[k, np.maximum(ends - (1 << k) + 1, starts)]
        out: FloatArray = np.maximum(left, right)
        out[np.isneginf(out) | ~positive] = np.nan
        return out


def excursions(
    bars: BarPanel,
    columns: IntArray,
    starts: IntArray,
    ends: IntArray,
    signs: IntArray,
    entry_prices: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """MAE and MFE in price units for many trades at once.

    Args:
        bars: the panel holding highs and lows.
        columns: panel column of each trade's asset (-1 when the asset is not in it).
        starts, ends: entry and last bar of each trade (inclusive; -1 when unknown).
        signs: +1 for long, -1 for short.
        entry_prices: the trade's volume-weighted entry price.

    Returns:
        ``(mae, mfe)``: float arrays, NaN where the trade's bars are unknown or empty.
    """
    n = len(columns)
    highest = np.full(n, np.nan)
    lowest = np.full(n, np.nan)
    valid = (columns >= 0) & (starts >= 0) & (ends >= starts)
    for column in np.unique(columns[valid]):
        chosen = np.flatnonzero(valid & (columns == column))
        a, b = starts[chosen], ends[chosen]
        highest[chosen] = RangeTable(bars.high[:, column]).query(a, b)
        lowest[chosen] = -RangeTable(-bars.low[:, column]).query(a, b)
    long = signs > 0
    adverse = np.where(long, entry_prices - lowest, highest - entry_prices)
    favourable = np.where(long, highest - entry_prices, entry_prices - lowest)
    mae: FloatArray = np.where(np.isnan(adverse), np.nan, np.maximum(adverse, 0.0))
    mfe: FloatArray = np.where(np.isnan(favourable), np.nan, np.maximum(favourable, 0.0))
    return mae, mfe
