"""The conventions every metric shares, decided once.

* **Periods per year** ``P`` is inferred from the index (see
  `infer_periods_per_year`) and can always be overridden with
  ``periods_per_year=``. Input without a `DatetimeIndex` uses 252.
* **Risk-free rate** is an *annual* rate, converted geometrically to one period:
  ``rf_p = (1 + rf) ** (1 / P) - 1``.
* **NaN policy**: a NaN return means "no observation". Every NaN (leading,
  interior or trailing) is dropped before any metric is computed, so ``n`` is the
  number of real observations everywhere (CAGR, Sharpe, drawdowns, tables).
  ``inf`` is not a return: it raises `ValidationError`.
* **Time zones**: tz-aware and naive indexes are both accepted. Daily or coarser
  series are labelled by their session *date* as written in their own zone
  (``2024-06-03 00:00+01:00`` is 3 June), so a tz-aware strategy and a tz-naive
  benchmark align on the same sessions. Intraday bars are converted to UTC and
  made naive, so bars from different zones align on the same instant.
* **Benchmarks** are aligned to the strategy on the dates both have (an inner
  join after the NaN policy); the strategy's own metrics never see the benchmark.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from rustybt.engine.result import BacktestResult
from rustybt.errors import ConfigError, ValidationError

__all__ = [
    "DEFAULT_PERIODS_PER_YEAR",
    "FloatArray",
    "PreparedReturns",
    "ReturnsInput",
    "align_benchmark",
    "infer_periods_per_year",
    "per_period_rate",
    "prepare_returns",
]

FloatArray = npt.NDArray[np.float64]
# A BacktestResult stands for its own ``perf["returns"]``.
ReturnsInput: TypeAlias = "pd.Series[float] | FloatArray | Sequence[float] | BacktestResult"

DEFAULT_PERIODS_PER_YEAR = 252.0
TRADING_DAYS = 252.0
CALENDAR_DAYS = 365.0
NS_PER_DAY = 86_400 * 10**9
# Share of observations on Saturday/Sunday above which a series trades 24/7.
# Equities have none; a 24/7 asset has 2/7 (28.6 %); a few stray weekend prints
# in an equity file must not flip the convention.
WEEKEND_SHARE_24_7 = 0.10
# Median spacing below this many days means intraday bars.
INTRADAY_BELOW_DAYS = 0.75
# (upper bound of median spacing in days, periods per year) for coarser data.
_COARSE_SPACINGS: tuple[tuple[float, float], ...] = (
    (10.0, 52.0),  # weekly
    (45.0, 12.0),  # monthly
    (135.0, 4.0),  # quarterly
)


@dataclass(frozen=True, slots=True)
class PreparedReturns:
    """Returns after the NaN and time-zone policy: what every metric works on.

    Attributes:
        values: finite float64 returns, NaN rows removed.
        index: UTC-naive timestamps of ``values`` (dates for daily or coarser
            data), or None when the input had no `DatetimeIndex`.
        periods_per_year: the ``P`` used to annualise.
        intraday: True when the index spacing is below a day.
    """

    values: FloatArray
    index: pd.DatetimeIndex | None
    periods_per_year: float
    intraday: bool

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def label(self, position: int) -> pd.Timestamp | int:
        """The index label at ``position`` (the position itself without an index)."""
        if self.index is None:
            return position
        return pd.Timestamp(self.index[position])


def per_period_rate(annual_rate: float, periods_per_year: float) -> float:
    """An annual rate as a per-period rate, geometrically.

    Formula: ``r_p = (1 + r_annual) ** (1 / P) - 1``.
    """
    if annual_rate == 0.0:
        return 0.0
    if annual_rate <= -1.0:
        raise ConfigError(
            "an annual rate must be above -100%",
            context={"annual_rate": annual_rate},
        )
    return float((1.0 + annual_rate) ** (1.0 / periods_per_year) - 1.0)


def _utc_naive(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    if index.tz is None:
        return index
    return index.tz_convert("UTC").tz_localize(None)


def _wall_clock(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    # A daily label means a session date in its own zone: 2024-06-03 00:00
    # Europe/London is the 3 June session even though it is 2 June 23:00 UTC.
    if index.tz is None:
        return index
    return index.tz_localize(None)


def _median_spacing_days(ns: npt.NDArray[np.int64]) -> float:
    return float(np.median(np.diff(ns))) / NS_PER_DAY


def _weekend_share(ns: npt.NDArray[np.int64]) -> float:
    # 1970-01-01 was a Thursday, so (days + 3) % 7 numbers Monday as 0.
    weekday = (ns // NS_PER_DAY + 3) % 7
    weekend = int(np.count_nonzero(weekday >= 5))
    return weekend / int(ns.shape[0])


def _median_bars_per_day(ns: npt.NDArray[np.int64]) -> float:
    days = ns // NS_PER_DAY
    breaks = np.flatnonzero(np.diff(days)) + 1
    edges = np.concatenate(([0], breaks, [days.shape[0]]))
    return float(np.median(np.diff(edges)))


def infer_periods_per_year(index: pd.DatetimeIndex) -> float:
    """Periods per year implied by a timestamp index.

    Rules (``d`` = median spacing in days, weekend = at least 10% of the
    observations fall on Saturday or Sunday; weekdays and dates are read in UTC
    for intraday bars and on the index's own wall clock for daily or coarser
    data):

    * ``d < 0.75`` (intraday): weekend -> ``365 * 1 day / d`` (e.g. 24/7 minute
      bars: 365 * 1440); otherwise ``252 * median bars per date`` (US equity
      minutes: 252 * 390, 24/5 FX minutes: 252 * 1440).
    * ``0.75 <= d < 4`` (daily): 365 with weekends (24/7 assets), else 252.
    * ``d < 10`` weekly: 52; ``d < 45`` monthly: 12; ``d < 135`` quarterly: 4;
      otherwise yearly: 1.

    Fewer than two timestamps cannot show a spacing: 252 is used.
    """
    ns = _utc_naive(index).asi8
    if ns.shape[0] < 2:
        return DEFAULT_PERIODS_PER_YEAR
    spacing = _median_spacing_days(ns)
    if spacing >= INTRADAY_BELOW_DAYS:
        ns = _wall_clock(index).asi8
    if spacing <= 0.0:
        raise ValidationError(
            "returns index has repeated timestamps; give one return per period",
            context={"first": str(index[0]), "last": str(index[-1])},
        )
    weekend = _weekend_share(ns) >= WEEKEND_SHARE_24_7
    if spacing < INTRADAY_BELOW_DAYS:
        if weekend:
            return CALENDAR_DAYS / spacing
        return TRADING_DAYS * _median_bars_per_day(ns)
    if spacing < 4.0:
        return CALENDAR_DAYS if weekend else TRADING_DAYS
    for upper, periods in _COARSE_SPACINGS:
        if spacing < upper:
            return periods
    return 1.0


def _check_periods(periods_per_year: float) -> float:
    if not np.isfinite(periods_per_year) or periods_per_year <= 0:
        raise ConfigError(
            "periods_per_year must be a positive number (252 daily equities, 365 crypto)",
            context={"periods_per_year": periods_per_year},
        )
    return float(periods_per_year)


def _as_values(returns: ReturnsInput) -> tuple[FloatArray, pd.DatetimeIndex | None]:
    given: object = returns  # widened: callers without type checking pass DataFrames
    if isinstance(given, pd.DataFrame):
        raise ConfigError(
            "pass one returns Series, not a DataFrame",
            context={"columns": list(map(str, given.columns))[:5]},
        )
    values: FloatArray
    if isinstance(returns, BacktestResult):
        returns = returns.returns
    if isinstance(returns, pd.Series):
        values = np.asarray(returns.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
        index = returns.index if isinstance(returns.index, pd.DatetimeIndex) else None
        return values, index
    values = np.asarray(returns, dtype=np.float64)
    if values.ndim != 1:
        raise ConfigError(
            "returns must be one-dimensional",
            context={"shape": values.shape},
        )
    return values, None


def prepare_returns(
    returns: ReturnsInput,
    periods_per_year: float | None = None,
    *,
    intraday: bool | None = None,
) -> PreparedReturns:
    """Apply the NaN, time-zone and periods-per-year conventions to ``returns``.

    Args:
        returns: simple (not log) returns per period, as a Series (ideally with
            a `DatetimeIndex`), numpy array or sequence.
        periods_per_year: override the inferred ``P``.
        intraday: force the daily/intraday decision (used to align a benchmark
            the way its strategy was aligned); inferred from spacing when None.

    Raises:
        ValidationError: infinite returns, or an index that is not strictly
            increasing.
        ConfigError: a DataFrame, a 2-D array or a non-positive ``periods_per_year``.
    """
    values, index = _as_values(returns)
    if np.isinf(values).any():
        position = int(np.flatnonzero(np.isinf(values))[0])
        raise ValidationError(
            "returns contain an infinite value; a return must be a finite fraction",
            context={
                "position": position,
                "label": str(index[position]) if index is not None else position,
            },
        )
    keep = ~np.isnan(values)
    has_nan = not bool(keep.all())
    if has_nan:
        values = values[keep]
    if index is None:
        periods = DEFAULT_PERIODS_PER_YEAR if periods_per_year is None else periods_per_year
        return PreparedReturns(values, None, _check_periods(periods), bool(intraday))
    if has_nan:
        index = index[keep]
    ns = _utc_naive(index).asi8
    if ns.shape[0] > 1 and not bool((np.diff(ns) > 0).all()):
        raise ValidationError(
            "returns index must be strictly increasing (sort it and drop duplicates)",
            context={"first": str(index[0]), "last": str(index[-1])},
        )
    if intraday is None:
        intraday = ns.shape[0] > 1 and _median_spacing_days(ns) < INTRADAY_BELOW_DAYS
    if intraday:
        index = _utc_naive(index)
    else:
        index = _wall_clock(index).normalize()
        if ns.shape[0] > 1 and not bool((np.diff(index.asi8) > 0).all()):
            raise ValidationError(
                "daily returns index has two observations on one date",
                context={"first": str(index[0]), "last": str(index[-1])},
            )
    periods = infer_periods_per_year(index) if periods_per_year is None else periods_per_year
    return PreparedReturns(values, index, _check_periods(periods), intraday)


def align_benchmark(
    returns: ReturnsInput, benchmark: ReturnsInput, strategy: PreparedReturns
) -> tuple[FloatArray, FloatArray, pd.DatetimeIndex | None]:
    """Pair strategy and benchmark returns on the observations both have.

    With a `DatetimeIndex` on both, each goes through `prepare_returns` (NaNs
    dropped, UTC-naive, dates for daily data) and the two are inner-joined on
    their labels. Otherwise the raw inputs must have the same length; they pair
    by position and a position where either is NaN is dropped.

    Args:
        returns: the strategy returns as given by the caller.
        benchmark: the benchmark returns as given by the caller.
        strategy: ``prepare_returns(returns)``, already computed.

    Returns:
        (strategy values, benchmark values, shared index or None).
    """
    bench = prepare_returns(benchmark, strategy.periods_per_year, intraday=strategy.intraday)
    if strategy.index is not None and bench.index is not None:
        shared, left, right = np.intersect1d(
            strategy.index.asi8, bench.index.asi8, assume_unique=True, return_indices=True
        )
        index = pd.DatetimeIndex(shared.astype("datetime64[ns]"))
        return strategy.values[left], bench.values[right], index
    raw_strategy, _ = _as_values(returns)
    raw_bench, _ = _as_values(benchmark)
    if raw_strategy.shape[0] != raw_bench.shape[0]:
        raise ValidationError(
            "without a DatetimeIndex on both, strategy and benchmark must have equal length",
            context={"strategy": raw_strategy.shape[0], "benchmark": raw_bench.shape[0]},
        )
    both = ~(np.isnan(raw_strategy) | np.isnan(raw_bench))
    return raw_strategy[both], raw_bench[both], None
