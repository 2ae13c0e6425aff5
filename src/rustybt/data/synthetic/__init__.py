"""Deterministic synthetic market data: the embedded demo data set and test fixture.

A regime-switching factor model (market + sector + idiosyncratic Student-t shocks,
calm/stressed volatility, jumps) produces close-to-close returns; consistent OHLC
bars and return-sensitive volume are built around them, on NYSE-like sessions for
equities or 24/7 for crypto. Everything is vectorised numpy seeded from one integer,
so the same `SyntheticConfig` yields bit-identical arrays on every run.

    >>> from rustybt.data.synthetic import demo_panel, demo_benchmark
    >>> panel = demo_panel()          # 20 stocks in 5 sectors, 2015-2018 daily
    >>> benchmark = demo_benchmark()  # DEMO_INDEX simple returns, same index

See docs/demo-data.md for the model and its parameters.
"""

from __future__ import annotations

from .calendar import build_index, nyse_holidays
from .config import SECTOR_NAMES, SyntheticConfig
from .demo import CRYPTO_SYMBOLS, benchmark_panel, demo_benchmark, demo_config, demo_panel
from .generate import (
    BENCHMARK_FIRST_LEVEL,
    SyntheticMarket,
    generate_bars,
    generate_benchmark,
    simulate,
)

__all__ = [
    "BENCHMARK_FIRST_LEVEL",
    "CRYPTO_SYMBOLS",
    "SECTOR_NAMES",
    "SyntheticConfig",
    "SyntheticMarket",
    "benchmark_panel",
    "build_index",
    "demo_benchmark",
    "demo_config",
    "demo_panel",
    "generate_bars",
    "generate_benchmark",
    "nyse_holidays",
    "simulate",
]
