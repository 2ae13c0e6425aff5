"""Turn a `SyntheticConfig` into a `BarPanel`, a benchmark and the hidden state behind them."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rustybt.assets import Asset, AssetClass
from rustybt.data.bars import BarPanel, FloatArray

from .calendar import build_index
from .config import SyntheticConfig
from .model import AssetParams, Factors, ReturnBlocks, Streams, asset_params, factors
from .ohlcv import FACTOR_FIELDS, BarBlocks, Bars, BarShape
from .pipeline import draw_on_two_threads

__all__ = [
    "BENCHMARK_FIRST_LEVEL",
    "SyntheticMarket",
    "generate_bars",
    "generate_benchmark",
    "simulate",
]

#: The benchmark's level before its first bar.
BENCHMARK_FIRST_LEVEL = 1000.0

#: Elements (bars x assets) in one block of the generator's working arrays: 128 KB
#: each, so the returns, the scratch array and the five bar blocks being written
#: stay in a core's L2 cache (1 MB here) between the passes over them.
BLOCK_ELEMENTS = 16_384

#: From this many bars x assets on, the random draws are shared between the caller
#: and a worker thread (`draw_on_two_threads`). 500 x 2,520 (1.26 M), fresh
#: processes, 2 cores: 0.117-0.121 -> 0.074-0.087 s wall for 0.117-0.121 ->
#: 0.131-0.160 s CPU (benchmarks/README.md, "Data generation"). Small panels stay on
#: one thread: the thread's start and hand-overs would cost more than they save,
#: and its own memory (~2 MB: stack and malloc arena) would raise the peak of
#: panels such as 1 x 250,000.
THREAD_MIN_ELEMENTS = 1_000_000

#: Blocks per task of the threads: a batch of blocks is drawn in one go (fewer
#: hand-overs; the caller steals work at batch boundaries).
SHOCK_BATCH_BLOCKS = 8

#: Batches past the caller's that the worker thread may draw (memory: one batch of
#: shocks each, 1 MB at 8 blocks).
BATCHES_AHEAD = 2


@dataclass(frozen=True)
class SyntheticMarket:
    """A generated market: the bars, the benchmark and the state that produced them.

    Attributes:
        config: what was generated.
        panel: the bars (plus the benchmark as a last column when
            ``config.benchmark_as_asset``).
        benchmark: simple returns of the benchmark index per bar, named
            ``config.benchmark_symbol``.
        stressed: True on bars of the stressed volatility regime.
        params: one row per asset (not the benchmark): sector, first_price, drift,
            vol, market_loading, sector_loading, idio_loading, volume_level.
    """

    config: SyntheticConfig
    panel: BarPanel
    benchmark: pd.Series
    stressed: pd.Series
    params: pd.DataFrame


def simulate(config: SyntheticConfig) -> SyntheticMarket:
    """Generate the bars, the benchmark and the regime path of ``config``."""
    panel, shared, params, benchmark_returns = _generate(config)
    return SyntheticMarket(
        config=config,
        panel=panel,
        benchmark=_benchmark_series(config, benchmark_returns, panel.index),
        stressed=pd.Series(shared.stressed, index=panel.index, name="stressed"),
        params=_params_frame(config, params),
    )


def generate_bars(config: SyntheticConfig | None = None) -> BarPanel:
    """The (time x asset) OHLCV panel of ``config`` (default: `SyntheticConfig()`).

    Same config, same arrays, bit for bit. See `simulate` for the benchmark and regimes.
    """
    return _generate(config or SyntheticConfig())[0]


def _generate(config: SyntheticConfig) -> tuple[BarPanel, Factors, AssetParams, FloatArray]:
    index = build_index(config)
    streams = Streams(config.seed)
    params = asset_params(config, streams)
    shared = factors(config, len(index), streams)
    benchmark_returns = _benchmark_log_returns(config, shared)
    bars = _bars(config, params, shared, streams, benchmark_returns)
    assets = _assets(config, params)
    if config.benchmark_as_asset:
        assets = (
            *assets,
            Asset(config.benchmark_symbol, AssetClass.INDEX, exchange=_exchange(config)),
        )
    panel = BarPanel(
        index=index,
        assets=assets,
        open=bars.open,
        high=bars.high,
        low=bars.low,
        close=bars.close,
        volume=bars.volume,
        frequency=config.frequency,
    )
    return panel, shared, params, benchmark_returns


def generate_benchmark(config: SyntheticConfig | None = None) -> pd.Series:
    """Simple returns of the benchmark index on the panel's index.

    The index follows the market shock ``M_t`` that drives every asset::

        log return_t = benchmark_drift / P - (benchmark_vol * m_t)² / (2 P)
                       + stress_drift / P * [t stressed] + benchmark_vol / sqrt(P) * m_t * M_t

    so it is exactly the series `simulate` reports, without generating the assets.
    Its level is ``1000 * (1 + returns).cumprod()``.
    """
    config = config or SyntheticConfig()
    index = build_index(config)
    shared = factors(config, len(index), Streams(config.seed))
    return _benchmark_series(config, _benchmark_log_returns(config, shared), index)


def _shape(config: SyntheticConfig) -> BarShape:
    return BarShape(
        gap_scale=config.gap_scale,
        range_scale=config.range_scale,
        volume_noise=config.volume_noise,
        volume_sensitivity=config.volume_sensitivity,
        bars_per_session=config.bars_per_session,
    )


def _benchmark_log_returns(config: SyntheticConfig, shared: Factors) -> FloatArray:
    per_year = config.bars_per_year
    returns = shared.market * (config.benchmark_vol / math.sqrt(per_year))
    returns *= shared.vol_multiplier
    returns += config.benchmark_drift / per_year
    returns -= 0.5 * config.benchmark_vol**2 / per_year * shared.vol_multiplier**2
    returns += shared.stress_drift
    return returns


def _benchmark_series(
    config: SyntheticConfig, log_returns: FloatArray, index: pd.DatetimeIndex
) -> pd.Series:
    return pd.Series(np.expm1(log_returns), index=index, name=config.benchmark_symbol)


def _bars(
    config: SyntheticConfig,
    params: AssetParams,
    shared: Factors,
    streams: Streams,
    benchmark_returns: FloatArray,
) -> Bars:
    """The panel's five arrays, written a block of bars at a time (see `BLOCK_ELEMENTS`),
    with the index as a last column when ``config.benchmark_as_asset``."""
    n_bars, n_assets = len(shared.market), config.n_assets
    width = n_assets + 1 if config.benchmark_as_asset else n_assets
    out = Bars(*(np.empty((n_bars, width)) for _ in range(5)))
    returns_of = ReturnBlocks(config, params, shared, streams)
    per_year = config.bars_per_year
    bars_of = BarBlocks(
        first_price=params.first_price,
        bar_vol=params.vol / math.sqrt(per_year),
        vol_multiplier=shared.vol_multiplier,
        expected_return=(params.drift - 0.5 * params.vol**2) / per_year,
        volume_level=params.volume_level,
        shape=_shape(config),
        rngs=(streams["gap"], streams["high"], streams["low"], streams["volume"]),
    )
    step = max(1, BLOCK_ELEMENTS // n_assets)
    blocks = [slice(start, min(start + step, n_bars)) for start in range(0, n_bars, step)]
    returns = np.empty((min(step, n_bars), n_assets))
    scratch = np.empty_like(returns)
    with_index = (
        _IndexColumn(config, shared, streams, benchmark_returns, returns.shape)
        if config.benchmark_as_asset
        else None
    )
    threaded = n_bars * n_assets >= THREAD_MIN_ELEMENTS and _usable_cpus() >= 2
    # Threaded, every bar field's random factors are drawn with the shocks (on
    # either thread); the index's column is staged, so it draws its own.
    drawn = FACTOR_FIELDS if threaded and with_index is None else ()
    own = tuple(name for name in FACTOR_FIELDS if name not in drawn)
    shocks_of = (
        draw_on_two_threads(
            returns_of, bars_of, out, blocks, drawn, scratch, SHOCK_BATCH_BLOCKS, BATCHES_AHEAD
        )
        if threaded
        else ((rows, returns_of.draw_shocks(rows.stop - rows.start)) for rows in blocks)
    )
    for rows, shocks in shocks_of:
        count = rows.stop - rows.start
        returns_of.fill(rows, shocks, returns[:count], scratch[:count])
        if with_index is None:
            block = out.block(rows)
            bars_of.draw_factors(rows, block, scratch[:count], own)
            bars_of.finish(rows, returns[:count], block, scratch[:count])
        else:
            with_index.fill(bars_of, rows, returns[:count], scratch[:count], out)
    return out


def _usable_cpus() -> int:
    """CPUs this process may run on: pinned to one (taskset, a cpuset), the second
    thread would only add its hand-overs (2,000 x 2,520: 0.475 -> 0.549 s)."""
    if hasattr(os, "sched_getaffinity"):  # Linux; elsewhere all CPUs count
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class _IndexColumn:
    """Appends the index as the panel's last column (``benchmark_as_asset``).

    The asset blocks are staged in contiguous arrays and copied in, because the
    arithmetic must run on the layout it always ran on to give the same bits (a
    vectorised ``exp`` may round differently on strided data). The index's volume
    is the universe's total: an index has no volume of its own.
    """

    def __init__(
        self,
        config: SyntheticConfig,
        shared: Factors,
        streams: Streams,
        log_returns: FloatArray,
        block_shape: tuple[int, int],
    ) -> None:
        self._bars_of = _index_blocks(config, shared, streams)
        self._log_returns = log_returns
        self._staged = Bars(*(np.empty(block_shape) for _ in range(5)))
        column = (block_shape[0], 1)
        self._index = Bars(*(np.empty(column) for _ in range(5)))
        self._scratch = np.empty(column)

    def fill(
        self, bars_of: BarBlocks, rows: slice, returns: FloatArray, scratch: FloatArray, out: Bars
    ) -> None:
        """Write the assets' and the index's bars of ``rows`` into ``out``."""
        count, n_assets = returns.shape
        block = self._staged.block(slice(0, count))
        bars_of.fill(rows, returns, block, scratch)
        index = self._index.block(slice(0, count))
        self._bars_of.fill(rows, self._log_returns[rows, None], index, self._scratch[:count])
        for name in ("open", "high", "low", "close"):
            target = getattr(out, name)
            target[rows, :n_assets] = getattr(block, name)
            target[rows, n_assets:] = getattr(index, name)
        out.volume[rows, :n_assets] = block.volume
        out.volume[rows, n_assets] = block.volume.sum(axis=1)


def _index_blocks(config: SyntheticConfig, shared: Factors, streams: Streams) -> BarBlocks:
    """The index's bars; no volume stream, since its volume is the universe's total."""
    per_year = config.bars_per_year
    return BarBlocks(
        first_price=np.array([BENCHMARK_FIRST_LEVEL]),
        bar_vol=np.array([config.benchmark_vol / math.sqrt(per_year)]),
        vol_multiplier=shared.vol_multiplier,
        expected_return=np.array(
            [(config.benchmark_drift - 0.5 * config.benchmark_vol**2) / per_year]
        ),
        volume_level=np.array([1.0]),
        shape=_shape(config),
        rngs=(streams["benchmark_gap"], streams["benchmark_high"], streams["benchmark_low"], None),
    )


def _exchange(config: SyntheticConfig) -> str:
    return "24/7" if config.asset_class is AssetClass.CRYPTO else "XNYS"


def _assets(config: SyntheticConfig, params: AssetParams) -> tuple[Asset, ...]:
    sectors = config.sector_names
    if config.asset_class is AssetClass.CRYPTO:
        return tuple(
            Asset.crypto(symbol, sector=sectors[int(k)])
            for symbol, k in zip(config.symbol_list(), params.sector, strict=True)
        )
    return tuple(
        Asset(symbol, AssetClass.EQUITY, sector=sectors[int(k)], exchange="XNYS")
        for symbol, k in zip(config.symbol_list(), params.sector, strict=True)
    )


def _params_frame(config: SyntheticConfig, params: AssetParams) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sector": [config.sector_names[int(k)] for k in params.sector],
            "first_price": params.first_price,
            "drift": params.drift,
            "vol": params.vol,
            "market_loading": params.market_loading,
            "sector_loading": params.sector_loading,
            "idio_loading": params.idio_loading,
            "volume_level": params.volume_level,
        },
        index=pd.Index(config.symbol_list(), name="symbol"),
    )
