"""Layer 3, outliers: price spikes on log returns with a robust scale, and volume bursts.

Price spikes are measured on close-to-close log returns ``r_t = ln(c_t / c_t-1)``
of each asset, never on price levels, so a trend is not an outlier. The scale is
the asset's median absolute deviation over the whole data being validated (one
*global* scale per asset, ``1.4826 * MAD`` ~ the standard deviation for normal
returns): it is robust to the spikes themselves, and a rolling scale would need
a warm-up and would adapt to, then miss, a run of bad prints. Bar t is an outlier
when

    |r_t - median(r)| > spike_z * 1.4826 * MAD(r)   and   |r_t| > spike_min_move.

An outlier the next bar undoes (opposite sign, ``|r_t + r_t+1| <= revert_fraction
* |r_t|``) is a *bad print* (the price comes back: a typo, a halved close); the
reverting bar itself is not flagged. Any other outlier is a *level shift*: an
unadjusted split or spin-off, or a real move, reported when ``|r_t| >
shift_min_move`` too. Both are warnings by default. Two neighbouring bars that
undo each other in turn (as on a day of swapped rows) are both flagged.

Volume bursts compare each volume with the rolling median of the asset's
``volume_window`` previous volumes.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from rustybt.data.validation.rules import Rule
from rustybt.data.validation.settings import SymbolSettings

__all__ = ["MAD_TO_SIGMA", "log_returns", "outlier_masks"]

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: 1 / Phi^-1(3/4): makes the MAD of normal data estimate its standard deviation.
MAD_TO_SIGMA = 1.4826


def log_returns(close: FloatArray, same_asset: BoolArray) -> FloatArray:
    """``ln(c_t / c_t-1)`` where row t-1 is the same asset, NaN elsewhere."""
    returns = np.full(len(close), np.nan)
    # Zero, negative or huge prices (damaged files) give inf/NaN returns; the other
    # validation layers report those rows, so numpy's warning would only be noise.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        returns[1:] = np.log(close[1:] / close[:-1])
    returns[~same_asset] = np.nan
    return returns


def _robust_scores(returns: FloatArray, codes: IntArray) -> tuple[FloatArray, FloatArray]:
    """Per row: ``|r - median(r)|`` and ``1.4826 * MAD`` of the row's asset."""
    series = pd.Series(returns)
    centre = series.groupby(codes).transform("median").to_numpy()
    deviation = np.abs(returns - centre)
    mad = pd.Series(deviation).groupby(codes).transform("median").to_numpy()
    return deviation, MAD_TO_SIGMA * mad


def _volume_baseline(volume: FloatArray, position: IntArray, windows: IntArray) -> FloatArray:
    """Median of the ``window`` previous volumes of the same asset (rows grouped by
    asset, in time order); NaN for an asset's first ``window`` bars."""
    baseline = np.full(len(volume), np.nan)
    series = pd.Series(volume)
    for window in np.unique(windows):
        rows = windows == window
        rolled = series.rolling(int(window), min_periods=int(window)).median().to_numpy()
        previous = np.full(len(volume), np.nan)
        previous[1:] = rolled[:-1]
        # A window reaching back into the previous asset's rows is not a baseline.
        previous[position < window] = np.nan
        baseline[rows] = previous[rows]
    return baseline


def outlier_masks(
    stamps: IntArray,
    codes: IntArray,
    close: FloatArray,
    volume: FloatArray,
    settings: SymbolSettings,
) -> dict[Rule, BoolArray]:
    """Layer 3 masks over rows that are unique per (timestamp, symbol), any order."""
    order = np.lexsort((stamps, codes))
    sym = codes[order]
    same = np.zeros(len(order), dtype=bool)
    same[1:] = sym[1:] == sym[:-1]
    returns = log_returns(close[order], same)
    deviation, scale = _robust_scores(returns, sym)
    limit = np.maximum(settings.floats("spike_z", sym) * scale, 0.0)
    with np.errstate(invalid="ignore"):
        outlier = (deviation > limit) & (np.abs(returns) > settings.floats("spike_min_move", sym))
        following = np.full(len(order), np.nan)
        following[:-1] = returns[1:]
        reverts = (np.sign(following) == -np.sign(returns)) & (
            np.abs(returns + following) <= settings.floats("revert_fraction", sym) * np.abs(returns)
        )
    bad_print = outlier & reverts
    reversal = np.zeros(len(order), dtype=bool)
    reversal[1:] = bad_print[:-1]
    with np.errstate(invalid="ignore"):
        large = np.abs(returns) > settings.floats("shift_min_move", sym)
    level_shift = outlier & large & ~bad_print & ~reversal

    starts = np.flatnonzero(~same)
    position = np.arange(len(order)) - np.repeat(starts, np.diff(np.append(starts, len(order))))
    windows = settings.per_symbol("volume_window").astype(np.int64)[sym]
    baseline = _volume_baseline(volume[order], position, windows)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = volume[order] / baseline
        spike = (baseline > 0) & (ratio > settings.floats("volume_ratio", sym))

    masks: dict[Rule, BoolArray] = {}
    for rule, sorted_mask in (
        (Rule.BAD_PRINT, bad_print),
        (Rule.LEVEL_SHIFT, level_shift),
        (Rule.VOLUME_SPIKE, spike),
    ):
        mask: BoolArray = np.zeros(len(order), dtype=bool)
        mask[order] = sorted_mask
        masks[rule] = mask
    return masks
