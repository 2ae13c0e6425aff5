"""Calendar views: daily, monthly and annual compounded returns, tables and stats.

A period's return compounds the observations inside it:
``R_period = prod_{t in period} (1 + r_t) - 1``. Periods are calendar days,
months and years of the UTC-naive index. For daily data "day" is each
observation; for intraday bars it compounds the bars of each date. Without a
`DatetimeIndex` "day" means each observation and months/years are unavailable.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from rustybt.analytics.metrics.conventions import (
    FloatArray,
    PreparedReturns,
    ReturnsInput,
    prepare_returns,
)
from rustybt.errors import ConfigError

__all__ = [
    "Period",
    "average_loss",
    "average_win",
    "best_return",
    "monthly_returns_table",
    "period_returns",
    "win_rate",
    "worst_return",
]

Period = Literal["day", "month", "year"]
_UNITS: dict[str, str] = {"day": "D", "month": "M", "year": "Y"}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _compound_by(
    prepared: PreparedReturns, period: Period
) -> tuple[FloatArray, npt.NDArray[np.datetime64] | None]:
    """Compounded return per calendar period and the period keys (None: no index)."""
    if period not in _UNITS:
        raise ConfigError("period must be 'day', 'month' or 'year'", context={"period": period})
    values = prepared.values
    if prepared.index is None:
        if period != "day":
            raise ConfigError(
                f"{period}ly returns need a DatetimeIndex on the returns",
                context={"period": period},
            )
        return values, None
    stamps = prepared.index.values
    if period == "day" and not prepared.intraday:
        return values, stamps.astype("datetime64[D]")
    keys = stamps.astype(f"datetime64[{_UNITS[period]}]")
    if keys.shape[0] == 0:
        return values, keys
    starts = np.concatenate(([0], np.flatnonzero(keys[1:] != keys[:-1]) + 1))
    compounded: FloatArray = np.multiply.reduceat(values + 1.0, starts) - 1.0
    return compounded, keys[starts]


def _best(values: FloatArray) -> float:
    return float(values.max()) if values.shape[0] else float("nan")


def _worst(values: FloatArray) -> float:
    return float(values.min()) if values.shape[0] else float("nan")


def _win_rate(values: FloatArray) -> float:
    wins = int(np.count_nonzero(values > 0.0))
    losses = int(np.count_nonzero(values < 0.0))
    return wins / (wins + losses) if wins + losses else float("nan")


def _average_win(values: FloatArray) -> float:
    wins = values[values > 0.0]
    return float(wins.mean()) if wins.shape[0] else float("nan")


def _average_loss(values: FloatArray) -> float:
    losses = values[values < 0.0]
    return float(losses.mean()) if losses.shape[0] else float("nan")


def period_returns(returns: ReturnsInput, period: Period = "month") -> pd.Series[float]:
    """Compounded return of each calendar day, month or year.

    Formula: ``R_k = prod_{t in k} (1 + r_t) - 1``. Indexed by a `PeriodIndex`
    (a RangeIndex for "day" without a DatetimeIndex). Periods with no
    observation are absent, not zero.
    """
    prepared = prepare_returns(returns, 1.0)
    values, keys = _compound_by(prepared, period)
    name = f"{period}ly_returns" if period != "day" else "daily_returns"
    if keys is None:
        return pd.Series(values, name=name)
    index = pd.DatetimeIndex(keys.astype("datetime64[ns]")).to_period(_UNITS[period])
    return pd.Series(values, index=index, name=name)


def monthly_returns_table(returns: ReturnsInput) -> pd.DataFrame:
    """Year x month table of compounded monthly returns, with the year's return.

    Rows are years, columns ``Jan``..``Dec`` then ``Year`` (the compounded
    return of the observations in that year). A month without observations is
    NaN. Needs a DatetimeIndex.
    """
    prepared = prepare_returns(returns, 1.0)
    monthly, month_keys = _compound_by(prepared, "month")
    yearly, year_keys = _compound_by(prepared, "year")
    if month_keys is None or year_keys is None:  # unreachable: month/year raise first
        raise ConfigError("monthly returns need a DatetimeIndex on the returns")
    years = year_keys.astype(np.int64) + 1970
    months_since_epoch = month_keys.astype(np.int64)
    table = np.full((years.shape[0], 13), np.nan)
    rows = np.searchsorted(years, months_since_epoch // 12 + 1970)
    table[rows, months_since_epoch % 12] = monthly
    table[:, 12] = yearly
    return pd.DataFrame(table, index=pd.Index(years, name="year"), columns=[*_MONTHS, "Year"])


def best_return(returns: ReturnsInput, period: Period = "day") -> float:
    """Best compounded return of any single day, month or year: ``max_k R_k``."""
    return _best(_compound_by(prepare_returns(returns, 1.0), period)[0])


def worst_return(returns: ReturnsInput, period: Period = "day") -> float:
    """Worst compounded return of any single day, month or year: ``min_k R_k``."""
    return _worst(_compound_by(prepare_returns(returns, 1.0), period)[0])


def win_rate(returns: ReturnsInput, period: Period = "day") -> float:
    """Share of winning periods among periods that moved.

    Formula: ``#(R_k > 0) / #(R_k != 0)``. Flat periods (no position, market
    closed) are neither wins nor losses (as quantstats). NaN if none moved.
    """
    return _win_rate(_compound_by(prepare_returns(returns, 1.0), period)[0])


def average_win(returns: ReturnsInput, period: Period = "day") -> float:
    """Mean return of winning periods: ``mean(R_k | R_k > 0)``; NaN without wins."""
    return _average_win(_compound_by(prepare_returns(returns, 1.0), period)[0])


def average_loss(returns: ReturnsInput, period: Period = "day") -> float:
    """Mean return of losing periods: ``mean(R_k | R_k < 0)`` (negative); NaN without losses."""
    return _average_loss(_compound_by(prepare_returns(returns, 1.0), period)[0])
