"""Compounded returns: cumulative path, total return and CAGR."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rustybt.analytics.metrics.conventions import (
    FloatArray,
    ReturnsInput,
    prepare_returns,
)

__all__ = ["cagr", "cumulative_returns", "total_return"]


def _growth(values: FloatArray) -> float:
    """Ending value of one unit invested: ``prod(1 + r)``."""
    return float(np.prod(values + 1.0))


def _cagr_from_growth(growth: float, n: int, periods_per_year: float) -> float:
    if n < 1:
        return float("nan")
    if growth < 0.0:
        # Losing more than everything has no real compound rate.
        return float("nan")
    return float(growth ** (periods_per_year / n) - 1.0)


def cumulative_returns(returns: ReturnsInput) -> pd.Series[float]:
    """Compounded return from the start up to each observation.

    Formula: ``C_t = prod_{i<=t} (1 + r_i) - 1``.

    NaN returns are dropped (the result has one row per real observation);
    the index is the UTC-naive index of the input (a RangeIndex without one).
    """
    prepared = prepare_returns(returns, 1.0)
    path = np.cumprod(prepared.values + 1.0) - 1.0
    if prepared.index is None:
        return pd.Series(path, name="cumulative_returns")
    return pd.Series(path, index=prepared.index, name="cumulative_returns")


def total_return(returns: ReturnsInput) -> float:
    """Total compounded return over the whole series.

    Formula: ``R = prod_i (1 + r_i) - 1``. NaN for an empty series.
    """
    prepared = prepare_returns(returns, 1.0)
    if len(prepared) == 0:
        return float("nan")
    return _growth(prepared.values) - 1.0


def cagr(returns: ReturnsInput, *, periods_per_year: float | None = None) -> float:
    """Compound annual growth rate, by observation count (as empyrical).

    Formula: ``CAGR = (prod_i (1 + r_i)) ** (P / n) - 1`` where ``n`` is the
    number of (non-NaN) observations and ``P`` the periods per year.

    NaN for an empty series or when the ending value is negative.
    """
    prepared = prepare_returns(returns, periods_per_year)
    return _cagr_from_growth(_growth(prepared.values), len(prepared), prepared.periods_per_year)
