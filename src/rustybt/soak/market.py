"""The soak market: a seeded random walk both processes rebuild identically.

The broker fills at these prices and the feed delivers them as bars, so neither
process needs the other to know the price of bar ``n``. Prices are whole cents,
so fills and commissions are exact in Decimal. Bad bars (NaN, high < low, whole
missing bars, re-delivered bars) are planned here too, from the same seed, so the
checker knows what was injected.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from rustybt.assets import Asset, AssetClass
from rustybt.data.bars import BarPanel, FloatArray, Frequency

__all__ = ["SYMBOLS", "BadBars", "Market"]

SYMBOLS = ("SOAKA", "SOAKB", "SOAKC")
_START = pd.Timestamp("2024-01-01 00:00", tz="UTC")


@dataclass(frozen=True)
class BadBars:
    """Where the feed is corrupted: bar -> kind (``nan``, ``high_low``, ``gap``, ``duplicate``)."""

    kinds: dict[int, str]

    def count(self, kind: str) -> int:
        return sum(1 for k in self.kinds.values() if k == kind)


class Market:
    """``bars`` minute bars of `SYMBOLS` from ``seed`` (the same everywhere)."""

    def __init__(self, seed: int, bars: int, *, bad_rate: float = 0.01) -> None:
        self.seed, self.bars = seed, bars
        rng = np.random.default_rng(seed)
        steps = rng.normal(0.0, 0.002, size=(bars, len(SYMBOLS)))
        close = np.round(100.0 * np.exp(np.cumsum(steps, axis=0)), 2)
        open_ = np.round(np.vstack([close[:1], close[:-1]]), 2)
        spread = np.round(np.abs(rng.normal(0.0, 0.05, size=close.shape)), 2)
        self.close: FloatArray = close.astype(np.float64)
        self.open: FloatArray = open_.astype(np.float64)
        self.high: FloatArray = (np.maximum(open_, close) + spread).astype(np.float64)
        low = np.maximum(np.minimum(open_, close) - spread, 0.01)
        self.low: FloatArray = low.astype(np.float64)
        self.volume: FloatArray = np.full(close.shape, 1e9)
        self.assets = tuple(
            Asset(s, AssetClass.CRYPTO, fractional=False, exchange="24/7") for s in SYMBOLS
        )
        self.index = pd.date_range(_START, periods=bars, freq="1min")
        plan = random.Random(seed * 7919 + 1)
        kinds = ("nan", "high_low", "gap", "duplicate")
        self.bad = BadBars(
            {n: plan.choice(kinds) for n in range(5, bars) if plan.random() < bad_rate}
        )

    def price(self, symbol: str, bar: int) -> Decimal:
        """The broker's fill price for ``symbol`` at ``bar``: the bar's close, in cents."""
        bar = min(max(bar, 0), self.bars - 1)
        return Decimal(f"{self.close[bar, SYMBOLS.index(symbol)]:.2f}")

    def panel(self) -> BarPanel:
        return BarPanel(
            index=self.index,
            assets=self.assets,
            open=self.open.copy(),
            high=self.high.copy(),
            low=self.low.copy(),
            close=self.close.copy(),
            volume=self.volume.copy(),
            frequency=Frequency.MINUTE,
        )
