"""The embedded demo universe and the speed-benchmark panels."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from rustybt.assets import AssetClass
from rustybt.data.bars import BarPanel, Frequency

from .config import CRYPTO_DAY_MINUTES, EQUITY_SESSION_MINUTES, SyntheticConfig, as_enum
from .generate import generate_bars, generate_benchmark

__all__ = ["CRYPTO_SYMBOLS", "benchmark_panel", "demo_benchmark", "demo_config", "demo_panel"]

CRYPTO_SYMBOLS: tuple[str, ...] = ("DEMOBTC", "DEMOETH", "DEMOSOL")

#: Demo seeds, picked among 40..59 for a rising index with a few stress episodes
#: (the demo should look like an ordinary market, not a 40% crash).
EQUITY_DEMO_SEED = 43
CRYPTO_DEMO_SEED = 45

#: Per-bar persistences for minute bars: calm spells of ~2,000 minutes, stressed of ~500.
MINUTE_CALM_PERSISTENCE = 0.9995
MINUTE_STRESSED_PERSISTENCE = 0.998


def demo_config(
    frequency: Frequency | str = Frequency.DAILY,
    asset_class: AssetClass | str = AssetClass.EQUITY,
) -> SyntheticConfig:
    """The config behind `demo_panel`.

    * equity, daily: 20 stocks ``SYN000``..``SYN019`` in 5 sectors, the NYSE-like
      sessions from 2015-01-02 to 2018-12-31 (1,007 bars).
    * equity, minute: the same 20 stocks, 20 sessions of 390 minute bars from 2015-01-02.
    * crypto, daily: DEMOBTC, DEMOETH, DEMOSOL, every day from 2020-01-01 to 2023-12-31.
    * crypto, minute: the same coins, 30 days of 1,440 minute bars from 2024-01-01.
    """
    minute = as_enum(Frequency, frequency, "frequency") is Frequency.MINUTE
    if as_enum(AssetClass, asset_class, "asset_class") is AssetClass.EQUITY:
        base = SyntheticConfig(n_assets=20, n_sectors=5, start="2015-01-02", seed=EQUITY_DEMO_SEED)
        if minute:
            return replace(
                base,
                frequency=Frequency.MINUTE,
                n_bars=20 * EQUITY_SESSION_MINUTES,
                calm_persistence=MINUTE_CALM_PERSISTENCE,
                stressed_persistence=MINUTE_STRESSED_PERSISTENCE,
            )
        return replace(base, end="2018-12-31")
    crypto = SyntheticConfig(
        n_assets=len(CRYPTO_SYMBOLS),
        n_sectors=1,
        symbols=CRYPTO_SYMBOLS,
        sector_names=("Crypto",),
        asset_class=AssetClass.CRYPTO,
        seed=CRYPTO_DEMO_SEED,
        start="2020-01-01",
        end="2023-12-31",
        benchmark_symbol="DEMO_CRYPTO_INDEX",
        price_range=(20.0, 40_000.0),
        drift_range=(0.10, 0.40),
        vol_range=(0.50, 0.90),
        market_loading_range=(0.60, 0.75),
        sector_loading_range=(0.20, 0.35),
        tail_df=3.5,
        stress_vol_multiplier=1.6,
        jumps_per_year=4.0,
        jump_scale=0.05,
        volume_range=(1e3, 1e5),
        benchmark_drift=0.15,
        benchmark_vol=0.60,
    )
    if minute:
        return replace(
            crypto,
            frequency=Frequency.MINUTE,
            start="2024-01-01",
            end=None,
            n_bars=30 * CRYPTO_DAY_MINUTES,
            calm_persistence=MINUTE_CALM_PERSISTENCE,
            stressed_persistence=MINUTE_STRESSED_PERSISTENCE,
        )
    return crypto


def demo_panel(
    frequency: Frequency | str = Frequency.DAILY,
    asset_class: AssetClass | str = AssetClass.EQUITY,
) -> BarPanel:
    """The demo bars used by ``make demo``, the examples and the docs (see `demo_config`)."""
    return generate_bars(demo_config(frequency, asset_class))


def demo_benchmark(
    frequency: Frequency | str = Frequency.DAILY,
    asset_class: AssetClass | str = AssetClass.EQUITY,
) -> pd.Series:
    """Simple returns of the demo index (``DEMO_INDEX``) on the `demo_panel` index."""
    return generate_benchmark(demo_config(frequency, asset_class))


def benchmark_panel(
    n_assets: int = 500,
    n_bars: int = 2520,
    frequency: Frequency | str = Frequency.DAILY,
    *,
    asset_class: AssetClass | str = AssetClass.EQUITY,
    seed: int = 42,
) -> BarPanel:
    """A panel for the speed benchmarks, e.g. 500 x 2,520 daily or 1 x 250,000 minute bars.

    Starts 2010-01-04; minute bars use the minute regime persistences of the demo.
    """
    config = SyntheticConfig(
        n_assets=n_assets,
        n_sectors=min(n_assets, 11),
        n_bars=n_bars,
        frequency=as_enum(Frequency, frequency, "frequency"),
        asset_class=as_enum(AssetClass, asset_class, "asset_class"),
        seed=seed,
        start="2010-01-04",
    )
    if config.frequency is Frequency.MINUTE:
        config = replace(
            config,
            calm_persistence=MINUTE_CALM_PERSISTENCE,
            stressed_persistence=MINUTE_STRESSED_PERSISTENCE,
        )
    return generate_bars(config)
