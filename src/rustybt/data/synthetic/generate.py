"""Turn a `SyntheticConfig` into a `BarPanel`, a benchmark and the hidden state behind them."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rustybt.assets import Asset, AssetClass
from rustybt.data.bars import BarPanel, FloatArray

from .calendar import build_index
from .config import SyntheticConfig
from .model import AssetParams, Factors, Streams, asset_params, asset_returns, factors
from .ohlcv import Bars, BarShape, build_bars

__all__ = [
    "BENCHMARK_FIRST_LEVEL",
    "SyntheticMarket",
    "generate_bars",
    "generate_benchmark",
    "simulate",
]

#: The benchmark's level before its first bar.
BENCHMARK_FIRST_LEVEL = 1000.0


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
    index = build_index(config)
    streams = Streams(config.seed)
    params = asset_params(config, streams)
    shared = factors(config, len(index), streams)
    returns = asset_returns(config, params, shared, streams)
    bar_vol = params.vol / math.sqrt(config.bars_per_year)
    bars = build_bars(
        returns,
        first_price=params.first_price,
        bar_vol=bar_vol,
        vol_multiplier=shared.vol_multiplier,
        expected_return=(params.drift - 0.5 * params.vol**2) / config.bars_per_year,
        volume_level=params.volume_level,
        shape=_shape(config),
        rngs=(streams["gap"], streams["high"], streams["low"], streams["volume"]),
    )
    assets = _assets(config, params)
    benchmark_returns = _benchmark_log_returns(config, shared)
    if config.benchmark_as_asset:
        bars = _append_benchmark(config, bars, benchmark_returns, shared, streams)
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
    return SyntheticMarket(
        config=config,
        panel=panel,
        benchmark=_benchmark_series(config, benchmark_returns, index),
        stressed=pd.Series(shared.stressed, index=index, name="stressed"),
        params=_params_frame(config, params),
    )


def generate_bars(config: SyntheticConfig | None = None) -> BarPanel:
    """The (time x asset) OHLCV panel of ``config`` (default: `SyntheticConfig()`).

    Same config, same arrays, bit for bit. See `simulate` for the benchmark and regimes.
    """
    return simulate(config or SyntheticConfig()).panel


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


def _append_benchmark(
    config: SyntheticConfig,
    bars: Bars,
    log_returns: FloatArray,
    shared: Factors,
    streams: Streams,
) -> Bars:
    per_year = config.bars_per_year
    bar_vol = np.array([config.benchmark_vol / math.sqrt(per_year)])
    index_bars = build_bars(
        log_returns[:, None],
        first_price=np.array([BENCHMARK_FIRST_LEVEL]),
        bar_vol=bar_vol,
        vol_multiplier=shared.vol_multiplier,
        expected_return=np.array(
            [(config.benchmark_drift - 0.5 * config.benchmark_vol**2) / per_year]
        ),
        volume_level=np.array([1.0]),
        shape=_shape(config),
        rngs=(
            streams["benchmark_gap"],
            streams["benchmark_high"],
            streams["benchmark_low"],
            streams["benchmark_volume"],
        ),
    )
    # An index has no volume of its own; the universe's total is the useful stand-in.
    total_volume = bars.volume.sum(axis=1, keepdims=True)
    return Bars(
        open=np.hstack([bars.open, index_bars.open]),
        high=np.hstack([bars.high, index_bars.high]),
        low=np.hstack([bars.low, index_bars.low]),
        close=np.hstack([bars.close, index_bars.close]),
        volume=np.hstack([bars.volume, total_volume]),
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
