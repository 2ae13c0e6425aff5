"""Bars from log returns: consistent OHLC and volume that rises with |return|.

With ``C_t`` the close, ``s`` the asset's per-bar calm volatility and ``m_t`` the
regime multiplier (so ``s * m_t`` is the bar's local volatility)::

    C_t = C_0' * exp(r_1 + ... + r_t)               (C_0' = the asset's first price)
    O_t = C_{t-1} * exp(gap_scale * s * m_t * N_t)   (C_{-1} = first price)
    H_t = max(O_t, C_t) * exp(range_scale * s * m_t * X_t),  X_t ~ Exp(1)
    L_t = min(O_t, C_t) * exp(-range_scale * s * m_t * Y_t), Y_t ~ Exp(1)
    V_t = max(1, round(level / bars_per_session * exp(n * G_t - n² / 2)
                       * (1 + k * |r_t - E r| / s) / (1 + k * sqrt(2 / pi))))

so ``L <= min(O, C) <= max(O, C) <= H`` and every price is positive by construction.
``n`` is ``volume_noise``, ``k`` is ``volume_sensitivity``; the last divisor makes
``level`` the typical session volume in calm, Gaussian-like markets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rustybt.data.bars import FloatArray

__all__ = ["BarShape", "Bars", "build_bars"]


@dataclass(frozen=True)
class BarShape:
    """The bar-shape settings of a config, gathered for `build_bars`."""

    gap_scale: float
    range_scale: float
    volume_noise: float
    volume_sensitivity: float
    bars_per_session: int


@dataclass(frozen=True)
class Bars:
    """OHLCV arrays of shape (bars x assets)."""

    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray


def build_bars(
    returns: FloatArray,
    *,
    first_price: FloatArray,
    bar_vol: FloatArray,
    vol_multiplier: FloatArray,
    expected_return: FloatArray,
    volume_level: FloatArray,
    shape: BarShape,
    rngs: tuple[np.random.Generator, np.random.Generator, np.random.Generator, np.random.Generator],
) -> Bars:
    """OHLCV for (bars x assets) log ``returns`` (formulas in the module docstring).

    Args:
        returns: close-to-close log returns, (bars x assets).
        first_price: the price before the first bar, per asset.
        bar_vol: per-bar calm volatility, per asset.
        vol_multiplier: regime volatility multiplier, per bar.
        expected_return: mean log return per bar, per asset (centres the volume response).
        volume_level: typical volume per session, per asset.
        shape: gap, range and volume settings.
        rngs: generators for the gap, the high, the low and the volume noise.
    """
    gap_rng, high_rng, low_rng, volume_rng = rngs
    n_bars, n_assets = returns.shape
    local_vol = vol_multiplier[:, None] * bar_vol

    # Memory: at most one (bars x assets) temporary beyond the five outputs lives at
    # a time (100 x 98,280 minutes: ~80 MB each; the old version held eleven). The
    # arithmetic is the same operations on the same values, so the bars are bit for
    # bit those of before.
    close = np.cumsum(returns, axis=0)
    close += np.log(first_price)
    np.exp(close, out=close)

    open_ = gap_rng.standard_normal((n_bars, n_assets))
    open_ *= local_vol
    open_ *= shape.gap_scale
    np.exp(open_, out=open_)
    open_[0] *= first_price  # the previous close of the first bar is the first price
    open_[1:] *= close[:-1]

    high = _extension(high_rng, local_vol, shape.range_scale)
    high *= np.maximum(open_, close)
    low = _extension(low_rng, local_vol, -shape.range_scale)
    low *= np.minimum(open_, close)

    volume = _volume(
        volume_rng,
        returns,
        bar_vol=bar_vol,
        expected_return=expected_return,
        volume_level=volume_level,
        shape=shape,
    )
    return Bars(open=open_, high=high, low=low, close=close, volume=volume)


def _extension(rng: np.random.Generator, local_vol: FloatArray, scale: float) -> FloatArray:
    """exp(scale * local_vol * X), X ~ Exp(1): the factor taking max/min(O, C) to H/L."""
    factor = rng.standard_exponential(local_vol.shape)
    factor *= local_vol
    factor *= scale
    result: FloatArray = np.exp(factor, out=factor)
    return result


def _volume(
    rng: np.random.Generator,
    returns: FloatArray,
    *,
    bar_vol: FloatArray,
    expected_return: FloatArray,
    volume_level: FloatArray,
    shape: BarShape,
) -> FloatArray:
    noise = rng.standard_normal(returns.shape)
    noise *= shape.volume_noise
    noise -= 0.5 * shape.volume_noise**2
    volume = np.exp(noise, out=noise)
    move = np.subtract(returns, expected_return)
    np.abs(move, out=move)
    move *= shape.volume_sensitivity / bar_vol
    move += 1.0
    volume *= move
    mean_response = 1.0 + shape.volume_sensitivity * math.sqrt(2.0 / math.pi)
    volume *= volume_level / (shape.bars_per_session * mean_response)
    np.rint(volume, out=volume)
    np.maximum(volume, 1.0, out=volume)
    return volume
