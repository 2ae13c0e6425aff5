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
from typing import NamedTuple

import numpy as np

from rustybt.data.bars import FloatArray

__all__ = ["FACTOR_FIELDS", "BarBlocks", "BarGenerators", "BarShape", "Bars"]

#: The gap, high, low and volume generators (volume None: the caller supplies volume).
BarGenerators = tuple[
    np.random.Generator, np.random.Generator, np.random.Generator, np.random.Generator | None
]


#: From this many assets on, the running sum adds whole rows (one numpy call per
#: bar) instead of calling cumsum (measured crossover: ~150 assets).
ROW_ADD_MIN_ASSETS = 256

#: The fields whose random factors `BarBlocks.draw_factors` can draw.
FACTOR_FIELDS: tuple[str, ...] = ("open", "high", "low", "volume")


# NamedTuples, not frozen dataclasses: ~0.1 ms to build at import instead of ~1-3 ms.
class BarShape(NamedTuple):
    """The bar-shape settings of a config, gathered for `BarBlocks`."""

    gap_scale: float
    range_scale: float
    volume_noise: float
    volume_sensitivity: float
    bars_per_session: int


class Bars(NamedTuple):
    """OHLCV arrays of shape (bars x assets)."""

    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def block(self, rows: slice) -> Bars:
        """The five arrays' ``rows`` (views)."""
        return Bars(
            open=self.open[rows],
            high=self.high[rows],
            low=self.low[rows],
            close=self.close[rows],
            volume=self.volume[rows],
        )


class BarBlocks:
    """OHLCV from log returns, one block of bars at a time (formulas in the module docstring).

    The blocks must come in order: the running sum of returns and the last close
    carry from one block to the next. Each element goes through the same float64
    operations, in the same order, as the whole-array computation, and each
    generator is drawn in the same row-major order, so the bars are bit for bit
    independent of the block size.

    Args:
        first_price: the price before the first bar, per asset.
        bar_vol: per-bar calm volatility, per asset.
        vol_multiplier: regime volatility multiplier, per bar.
        expected_return: mean log return per bar, per asset (centres the volume response).
        volume_level: typical volume per session, per asset.
        shape: gap, range and volume settings.
        rngs: generators for the gap, the high, the low and the volume noise (None
            when the caller replaces the volume and skips it).
    """

    def __init__(
        self,
        *,
        first_price: FloatArray,
        bar_vol: FloatArray,
        vol_multiplier: FloatArray,
        expected_return: FloatArray,
        volume_level: FloatArray,
        shape: BarShape,
        rngs: BarGenerators,
    ) -> None:
        self._gap_rng, self._high_rng, self._low_rng, self._volume_rng = rngs
        self._shape = shape
        self._bar_vol = bar_vol
        self._vol_multiplier = vol_multiplier
        self._expected_return = expected_return
        self._log_first_price = np.log(first_price)
        self._move_scale = shape.volume_sensitivity / bar_vol
        mean_response = 1.0 + shape.volume_sensitivity * math.sqrt(2.0 / math.pi)
        self._volume_scale = volume_level / (shape.bars_per_session * mean_response)
        self._running_sum: FloatArray | None = None  # sum of all returns before the block
        self._previous_close = first_price

    def fill(self, rows: slice, returns: FloatArray, out: Bars, scratch: FloatArray) -> None:
        """Write the bars of ``rows`` (whose log ``returns`` are given) into ``out``.

        Every array has the block's (bars x assets) shape and is C-contiguous;
        ``scratch`` is reused working space. ``out.volume`` is left alone when the
        volume generator is None.
        """
        self.draw_factors(rows, out, scratch, FACTOR_FIELDS)
        self.finish(rows, returns, out, scratch)

    def draw_factors(
        self, rows: slice, out: Bars, scratch: FloatArray, fields: tuple[str, ...]
    ) -> None:
        """Write the random factors of ``fields`` of bars ``rows`` into ``out``.

        The factors are the part of a bar that does not depend on the returns:
        ``exp(gap_scale * s * m_t * N_t)`` in ``open``, the two range extensions in
        ``high`` and ``low``, ``exp(n * G_t - n² / 2)`` in ``volume``; `finish`
        multiplies them by the prices. Each field's generator must see its blocks
        in bar order, but the fields are independent, so different threads may
        draw different fields (see `pipeline.draw_on_two_threads`).
        ``scratch`` has the block's shape and is overwritten.
        """
        if not fields:
            return
        shape = self._shape
        local_vol = np.multiply(self._vol_multiplier[rows, None], self._bar_vol, out=scratch)
        if "open" in fields:
            gap = self._gap_rng.standard_normal(out=out.open)
            gap *= local_vol
            gap *= shape.gap_scale
            np.exp(gap, out=gap)
        if "high" in fields:
            _extension(self._high_rng, local_vol, shape.range_scale, out.high)
        if "low" in fields:
            _extension(self._low_rng, local_vol, -shape.range_scale, out.low)
        if "volume" in fields and self._volume_rng is not None:
            noise_scale = shape.volume_noise
            noise = self._volume_rng.standard_normal(out=out.volume)
            noise *= noise_scale
            noise -= 0.5 * noise_scale**2
            np.exp(noise, out=noise)

    def finish(self, rows: slice, returns: FloatArray, out: Bars, scratch: FloatArray) -> None:
        """Turn the factors `draw_factors` wrote for ``rows`` into the bars, from ``returns``."""
        close = _running_sum(returns, self._running_sum, out.close)
        self._running_sum = close[-1].copy()
        close += self._log_first_price
        np.exp(close, out=close)
        open_ = out.open
        open_[0] *= self._previous_close  # the previous close of the first bar
        open_[1:] *= close[:-1]
        self._previous_close = close[-1].copy()
        high, low = out.high, out.low
        high *= np.maximum(open_, close, out=scratch)
        low *= np.minimum(open_, close, out=scratch)
        if self._volume_rng is not None:
            move = np.subtract(returns, self._expected_return, out=scratch)
            np.abs(move, out=move)
            move *= self._move_scale
            move += 1.0
            volume = out.volume
            volume *= move
            volume *= self._volume_scale
            np.rint(volume, out=volume)
            np.maximum(volume, 1.0, out=volume)


def _running_sum(returns: FloatArray, before: FloatArray | None, out: FloatArray) -> FloatArray:
    """``out_t = out_{t-1} + r_t`` down each column, from ``before`` (None: from ``r_0``).

    The same additions as one ``cumsum`` over all bars, so the same bits. numpy's
    cumsum down axis 0 walks one column at a time (~3.5 ns per element, the add
    latency); on a wide block adding whole rows is several times faster.
    """
    if out.shape[1] < ROW_ADD_MIN_ASSETS:
        if before is None:
            return np.cumsum(returns, axis=0, out=out)
        np.add(before, returns[0], out=out[0])
        out[1:] = returns[1:]
        return np.cumsum(out, axis=0, out=out)
    previous = out[0]
    if before is None:
        previous[...] = returns[0]
    else:
        np.add(before, returns[0], out=previous)
    for row in range(1, len(out)):
        current = out[row]
        np.add(previous, returns[row], out=current)
        previous = current
    return out


def _extension(
    rng: np.random.Generator, local_vol: FloatArray, scale: float, out: FloatArray
) -> None:
    """exp(scale * local_vol * X), X ~ Exp(1), into ``out``: the factor taking max/min(O, C) to H/L."""
    factor = rng.standard_exponential(out=out)
    factor *= local_vol
    factor *= scale
    np.exp(factor, out=factor)
