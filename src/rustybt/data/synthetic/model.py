"""The return model: a regime-switching factor model with Student-t shocks and jumps.

For asset i in sector k at bar t, with per-bar volatility ``s_i = vol_i / sqrt(P)``
(P = bars per year) and regime multiplier ``m_t`` (1 when calm,
``stress_vol_multiplier`` when stressed)::

    z_it = beta_i * M_t + gamma_i * S_kt + delta_i * E_it,  delta_i = sqrt(1 - beta_i² - gamma_i²)
    r_it = mu_i / P - (s_i * m_t)² / 2 + stress_drift / P * [t stressed] + s_i * m_t * z_it + J_it

M, S and E are independent Student-t draws scaled to unit variance, so ``z_it`` has
unit variance, the calm-regime volatility of asset i is ``vol_i``, and the
``-(s_i * m_t)² / 2`` term keeps its expected simple return at ``mu_i`` a year (plus
``stress_drift`` while stressed) in either regime; ``J_it`` is a
Laplace-sized jump that happens with probability ``jumps_per_year / P``. ``r`` is
the close-to-close log return.

Every component draws from its own child of ``SeedSequence(seed)``, so each array
depends only on the seed and its own shape, never on the order of the calls.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from rustybt.data.bars import FloatArray

from .config import SyntheticConfig

__all__ = ["AssetParams", "Factors", "ReturnBlocks", "Streams", "asset_params", "factors"]

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

#: One random stream per component; the order is part of the output's identity.
STREAM_NAMES: tuple[str, ...] = (
    "params",
    "regime",
    "market",
    "sector",
    "idio",
    "jumps",
    "gap",
    "high",
    "low",
    "volume",
    "benchmark_gap",
    "benchmark_high",
    "benchmark_low",
    "benchmark_volume",
)


class Streams:
    """Independent generators, one per named component, all derived from one seed."""

    def __init__(self, seed: int) -> None:
        children = np.random.SeedSequence(seed).spawn(len(STREAM_NAMES))
        self._rngs = {
            name: np.random.default_rng(child)
            for name, child in zip(STREAM_NAMES, children, strict=True)
        }

    def __getitem__(self, name: str) -> np.random.Generator:
        return self._rngs[name]


# The internal records are NamedTuples: a frozen dataclass costs ~1-3 ms to build
# at import (generated methods compiled by exec), a NamedTuple ~0.1 ms.
class AssetParams(NamedTuple):
    """Per-asset parameters, each an array of length n_assets."""

    sector: IntArray
    first_price: FloatArray
    drift: FloatArray
    vol: FloatArray
    market_loading: FloatArray
    sector_loading: FloatArray
    idio_loading: FloatArray
    volume_level: FloatArray


class Factors(NamedTuple):
    """What every asset shares at each bar: the regime and the market shock."""

    stressed: BoolArray
    vol_multiplier: FloatArray
    stress_drift: FloatArray
    market: FloatArray


def asset_params(config: SyntheticConfig, streams: Streams) -> AssetParams:
    """Draw each asset's parameters (one row of uniforms per asset, so asset i's
    parameters do not depend on how many assets follow it)."""
    n = config.n_assets
    u = streams["params"].random((n, 6))
    price_lo, price_hi = np.log(config.price_range)
    volume_lo, volume_hi = np.log(config.volume_range)
    beta = _scale(u[:, 3], config.market_loading_range)
    gamma = _scale(u[:, 4], config.sector_loading_range)
    return AssetParams(
        sector=np.arange(n, dtype=np.int64) % config.n_sectors,
        first_price=np.exp(price_lo + u[:, 0] * (price_hi - price_lo)),
        drift=_scale(u[:, 1], config.drift_range),
        vol=_scale(u[:, 2], config.vol_range),
        market_loading=beta,
        sector_loading=gamma,
        idio_loading=np.sqrt(1.0 - beta**2 - gamma**2),
        volume_level=np.exp(volume_lo + u[:, 5] * (volume_hi - volume_lo)),
    )


def factors(config: SyntheticConfig, n_bars: int, streams: Streams) -> Factors:
    """The regime path and the market shock for ``n_bars`` bars."""
    stressed = regime_path(
        streams["regime"], n_bars, config.calm_persistence, config.stressed_persistence
    )
    return Factors(
        stressed=stressed,
        vol_multiplier=np.where(stressed, config.stress_vol_multiplier, 1.0),
        stress_drift=np.where(stressed, config.stress_drift / config.bars_per_year, 0.0),
        market=unit_t(streams["market"], config.tail_df, (n_bars,)),
    )


class ReturnBlocks:
    """The (bars x assets) close-to-close log returns, one block of bars at a time.

    The formula is the module docstring's. Blocks keep the working arrays small
    enough to stay in cache (the whole-array version wrote and re-read ten 40 MB
    arrays at 2,000 x 2,520). The values are bit for bit those of the whole-array
    computation: each stream is drawn in the same row-major order, and every
    element goes through the same float64 operations in the same order (so no
    factor may be merged with another: ``x * a * b`` is not ``x * (a * b)``).
    """

    def __init__(
        self, config: SyntheticConfig, params: AssetParams, shared: Factors, streams: Streams
    ) -> None:
        n_bars = len(shared.market)
        per_year = config.bars_per_year
        self._df = config.tail_df
        self._n_assets = config.n_assets
        self._idio = streams["idio"]
        self._jumps = streams["jumps"]
        self._sectors = unit_t(streams["sector"], config.tail_df, (n_bars, config.n_sectors))
        self._sector_of = params.sector
        self._params = params
        self._shared = shared
        self._bar_vol = params.vol / math.sqrt(per_year)
        self._drift = params.drift / per_year
        self._half_variance = 0.5 * shared.vol_multiplier**2
        self._variance = params.vol**2 / per_year
        self._jump_probability = config.jumps_per_year / per_year
        self._jump_mean = config.jump_mean
        self._jump_scale = config.jump_scale

    def draw_shocks(self, n_bars: int) -> FloatArray:
        """The unit-variance idiosyncratic shocks ``E`` of the next ``n_bars`` bars.

        The costliest draw (Student-t: a normal and a gamma per element), apart from
        `fill` so that another thread can draw the next blocks meanwhile; blocks
        must be drawn in bar order.
        """
        return unit_t(self._idio, self._df, (n_bars, self._n_assets))

    def fill(self, rows: slice, shocks: FloatArray, out: FloatArray, scratch: FloatArray) -> None:
        """Write the returns of bars ``rows`` into ``out``, from their ``shocks``.

        ``shocks`` come from `draw_shocks`; ``scratch`` has ``out``'s shape and is reused.
        """
        params, shared = self._params, self._shared
        np.multiply(shocks, params.idio_loading, out=out)
        out += np.multiply(shared.market[rows, None], params.market_loading, out=scratch)
        self._sectors[rows].take(self._sector_of, axis=1, out=scratch, mode="clip")
        scratch *= params.sector_loading
        out += scratch
        out *= self._bar_vol
        out *= shared.vol_multiplier[rows, None]
        out += self._drift
        out -= np.multiply(self._half_variance[rows, None], self._variance, out=scratch)
        out += shared.stress_drift[rows, None]
        self._add_jumps(out, scratch)

    def _add_jumps(self, returns: FloatArray, scratch: FloatArray) -> None:
        probability = self._jump_probability
        if probability == 0.0 or (self._jump_scale == 0.0 and self._jump_mean == 0.0):
            return
        u = self._jumps.random(out=scratch)
        hit = np.flatnonzero(u < probability)
        # Given a jump, u / probability is uniform on (0, 1) and independent of the
        # jump's occurrence: reusing it for the size saves a second full-size draw.
        v = u.reshape(-1)[hit] / probability
        size = np.where(
            v < 0.5,
            np.log(2.0 * np.maximum(v, 1e-300)),
            -np.log(np.maximum(2.0 - 2.0 * v, 1e-300)),
        )
        returns.reshape(-1)[hit] += self._jump_mean + self._jump_scale * size


def regime_path(
    rng: np.random.Generator, n_bars: int, calm_persistence: float, stressed_persistence: float
) -> BoolArray:
    """A two-state Markov chain (True = stressed) started from its stationary law.

    Simulated as alternating sojourns with geometric lengths (mean ``1 / (1 - p)``),
    which is the same chain as stepping bar by bar, without a Python loop.
    """
    leave_calm, leave_stressed = 1.0 - calm_persistence, 1.0 - stressed_persistence
    state = bool(rng.random() < leave_calm / (leave_calm + leave_stressed))
    mean_pair = 1.0 / leave_calm + 1.0 / leave_stressed
    chunk = max(16, int(2 * n_bars / mean_pair) + 16)
    states: list[BoolArray] = []
    lengths: list[IntArray] = []
    covered = 0
    while covered < n_bars:
        first, second = (leave_stressed, leave_calm) if state else (leave_calm, leave_stressed)
        pair = np.empty(2 * chunk, dtype=np.int64)
        pair[0::2] = rng.geometric(first, chunk)
        pair[1::2] = rng.geometric(second, chunk)
        flags = np.empty(2 * chunk, dtype=np.bool_)
        flags[0::2], flags[1::2] = state, not state
        states.append(flags)
        lengths.append(pair)
        covered += int(pair.sum())
    path: BoolArray = np.repeat(np.concatenate(states), np.concatenate(lengths))[:n_bars]
    return path


def unit_t(rng: np.random.Generator, df: float, shape: tuple[int, ...]) -> FloatArray:
    """Student-t draws scaled to unit variance (Gaussian when ``df`` is infinite)."""
    if math.isinf(df):
        return rng.standard_normal(shape)
    draws: FloatArray = rng.standard_t(df, shape)
    draws *= math.sqrt((df - 2.0) / df)
    return draws


def _scale(u: FloatArray, bounds: tuple[float, float]) -> FloatArray:
    lo, hi = bounds
    scaled: FloatArray = lo + u * (hi - lo)
    return scaled
