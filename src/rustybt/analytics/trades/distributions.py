"""Distributions of holding periods and of trade outcomes (histogram + describe)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from rustybt.data.bars import FloatArray
from rustybt.errors import ConfigError

__all__ = ["Distribution", "holding_period_distribution", "pnl_distribution"]


@dataclass(frozen=True)
class Distribution:
    """A histogram and summary statistics.

    Attributes:
        histogram: one row per bin: ``bin_left``, ``bin_right`` (right edge inclusive
            for the last bin only, as numpy does), ``count``, and for outcome
            distributions ``winners`` and ``losers``.
        stats: ``describe()`` of the values; for outcomes one column each for
            all / winners / losers.
    """

    histogram: pd.DataFrame
    stats: pd.DataFrame


def _histogram(values: FloatArray, bins: int | list[float]) -> tuple[FloatArray, FloatArray]:
    if isinstance(bins, int) and bins < 1:
        raise ConfigError("bins must be at least 1", context={"bins": bins})
    if len(values) == 0:
        return np.zeros(0), np.zeros(0)
    counts, edges = np.histogram(values, bins=bins)
    return counts.astype(np.float64), edges.astype(np.float64)


def _closed(trades: pd.DataFrame) -> pd.DataFrame:
    return trades[~trades["is_open"].astype(bool)]


def holding_period_distribution(
    trades: pd.DataFrame,
    *,
    unit: Literal["bars", "days"] = "bars",
    bins: int | list[float] = 10,
) -> Distribution:
    """Histogram of closed trades' holding periods, in bars or in days (float)."""
    closed = _closed(trades)
    if unit == "bars":
        values = closed["duration_bars"].dropna().to_numpy(np.float64)
    elif unit == "days":
        values = (closed["duration"].dt.total_seconds() / 86400.0).to_numpy(np.float64)
    else:
        raise ConfigError("unit must be 'bars' or 'days'", context={"unit": unit})
    counts, edges = _histogram(values, bins)
    histogram = pd.DataFrame(
        {"bin_left": edges[:-1], "bin_right": edges[1:], "count": counts.astype(np.int64)}
    )
    stats = pd.Series(values, dtype=np.float64).describe().to_frame(name=f"holding_{unit}")
    return Distribution(histogram=histogram, stats=stats)


def pnl_distribution(
    trades: pd.DataFrame,
    *,
    field: Literal["net_pnl", "return"] = "net_pnl",
    bins: int | list[float] = 10,
) -> Distribution:
    """Histogram of closed trades' outcomes with winners and losers counted per bin."""
    if field not in ("net_pnl", "return"):
        raise ConfigError("field must be 'net_pnl' or 'return'", context={"field": field})
    closed = _closed(trades)
    values = np.array([float(v) for v in closed[field]], dtype=np.float64)
    counts, edges = _histogram(values, bins)
    winners = np.zeros(len(counts), dtype=np.int64)
    losers = np.zeros(len(counts), dtype=np.int64)
    if len(values):
        # np.histogram puts the maximum in the last bin; digitize must do the same.
        slot = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(counts) - 1)
        np.add.at(winners, slot[values > 0], 1)
        np.add.at(losers, slot[values < 0], 1)
    histogram = pd.DataFrame(
        {
            "bin_left": edges[:-1],
            "bin_right": edges[1:],
            "count": counts.astype(np.int64),
            "winners": winners,
            "losers": losers,
        }
    )
    series = pd.Series(values, dtype=np.float64)
    stats = pd.DataFrame(
        {
            "all": series.describe(),
            "winners": series[series > 0].describe(),
            "losers": series[series < 0].describe(),
        }
    )
    return Distribution(histogram=histogram, stats=stats)
