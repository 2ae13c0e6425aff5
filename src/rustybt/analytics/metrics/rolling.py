"""Rolling metrics over a window of ``w`` observations, vectorised.

Each result has one value per observation (after the NaN policy) and NaN for the
first ``w - 1``, labelled by the window's last observation. Windows are counted
in observations, not calendar time. Means and variances come from cumulative
sums of *centred* returns (subtracting the overall mean first keeps the
``sum(x^2) - sum(x)^2 / w`` step accurate); drawdowns from numpy sliding windows.

Accuracy: the cumulative-sum variance has an absolute error of roughly machine
epsilon times the series' total sum of squares, far below any quoted digit for
return series; a window whose variance is many orders of magnitude smaller than
the rest of the series is the one case where it shows. Windows of identical
values are detected exactly and get a standard deviation of exactly 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from rustybt.analytics.metrics.conventions import (
    FloatArray,
    PreparedReturns,
    ReturnsInput,
    align_benchmark,
    per_period_rate,
    prepare_returns,
)
from rustybt.errors import ConfigError

__all__ = [
    "rolling_beta",
    "rolling_max_drawdown",
    "rolling_sharpe",
    "rolling_volatility",
]

# Elements per sliding-window chunk: bounds memory for long minute series.
_CHUNK_ELEMENTS = 1 << 21


def _check_window(window: int) -> None:
    if window < 2:
        raise ConfigError("window must be at least 2 observations", context={"window": window})


def _window_sums(x: FloatArray, window: int) -> FloatArray:
    cumulative = np.concatenate(([0.0], np.cumsum(x)))
    out: FloatArray = cumulative[window:] - cumulative[:-window]
    return out


def _constant_windows(x: FloatArray, window: int) -> np.ndarray[tuple[int], np.dtype[np.bool_]]:
    """True where every value in the window is identical (its std is exactly 0)."""
    changes = np.concatenate(([0], np.cumsum(x[1:] != x[:-1])))
    constant: np.ndarray[tuple[int], np.dtype[np.bool_]] = (
        changes[window - 1 :] - changes[: changes.shape[0] - window + 1]
    ) == 0
    return constant


def _rolling_mean_std(x: FloatArray, window: int) -> tuple[FloatArray, FloatArray]:
    centre = float(x.mean())
    centred = x - centre
    s1 = _window_sums(centred, window)
    s2 = _window_sums(centred * centred, window)
    variance = np.maximum((s2 - s1 * s1 / window) / (window - 1), 0.0)
    std = np.where(_constant_windows(x, window), 0.0, np.sqrt(variance))
    return s1 / window + centre, std


def _full(values: FloatArray, window: int, n: int) -> FloatArray:
    out = np.full(n, np.nan)
    out[window - 1 :] = values
    return out


def _series(values: FloatArray, prepared: PreparedReturns, name: str) -> pd.Series[float]:
    if prepared.index is None:
        return pd.Series(values, name=name)
    return pd.Series(values, index=prepared.index, name=name)


def rolling_volatility(
    returns: ReturnsInput, window: int, *, periods_per_year: float | None = None
) -> pd.Series[float]:
    """Annualised volatility over each window: ``std(r_window, ddof=1) * sqrt(P)``."""
    prepared = prepare_returns(returns, periods_per_year)
    n = len(prepared)
    _check_window(window)
    if n < window:
        return _series(np.full(n, np.nan), prepared, "rolling_volatility")
    _, std = _rolling_mean_std(prepared.values, window)
    annual = std * np.sqrt(prepared.periods_per_year)
    return _series(_full(annual, window, n), prepared, "rolling_volatility")


def rolling_sharpe(
    returns: ReturnsInput,
    window: int,
    *,
    risk_free: float = 0.0,
    periods_per_year: float | None = None,
) -> pd.Series[float]:
    """Annualised Sharpe ratio over each window.

    Formula: ``mean(r_w - rf_p) / std(r_w, ddof=1) * sqrt(P)`` (the excess
    return's std equals the return's std for a constant ``rf_p``).
    """
    prepared = prepare_returns(returns, periods_per_year)
    n = len(prepared)
    _check_window(window)
    if n < window:
        return _series(np.full(n, np.nan), prepared, "rolling_sharpe")
    periods = prepared.periods_per_year
    mean, std = _rolling_mean_std(prepared.values, window)
    with np.errstate(divide="ignore", invalid="ignore"):
        sharpe = (mean - per_period_rate(risk_free, periods)) / std * np.sqrt(periods)
    return _series(_full(sharpe, window, n), prepared, "rolling_sharpe")


def rolling_beta(returns: ReturnsInput, benchmark: ReturnsInput, window: int) -> pd.Series[float]:
    """Beta over each window of paired observations: ``cov(r_w, b_w) / var(b_w)``.

    The strategy and benchmark are paired first (inner join on dates); the
    window counts pairs. NaN where the benchmark is flat in the window.
    """
    prepared = prepare_returns(returns, 1.0)
    values, bench, index = align_benchmark(returns, benchmark, prepared)
    n = values.shape[0]
    _check_window(window)
    out = np.full(n, np.nan)
    if n >= window:
        x = bench - bench.mean()
        y = values - values.mean()
        sx = _window_sums(x, window)
        sy = _window_sums(y, window)
        sxx = _window_sums(x * x, window)
        sxy = _window_sums(x * y, window)
        variance = (sxx - sx * sx / window) / window
        covariance = (sxy - sx * sy / window) / window
        flat = (variance < 1.0e-30) | _constant_windows(bench, window)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[window - 1 :] = np.where(flat, np.nan, covariance / variance)
    if index is None:
        return pd.Series(out, name="rolling_beta")
    return pd.Series(out, index=index, name="rolling_beta")


def rolling_max_drawdown(returns: ReturnsInput, window: int) -> pd.Series[float]:
    """Maximum drawdown inside each window, equity restarting at 1 before it.

    Formula: for the window ``r_{t-w+1..t}``, ``E_k = prod (1 + r)`` within it
    and ``MDD_t = min_k E_k / max(1, max_{j<=k} E_j) - 1``.
    """
    prepared = prepare_returns(returns, 1.0)
    n = len(prepared)
    _check_window(window)
    out = np.full(n, np.nan)
    if n >= window:
        growth = sliding_window_view(prepared.values + 1.0, window)
        rows = max(1, _CHUNK_ELEMENTS // window)
        for start in range(0, growth.shape[0], rows):
            equity = np.cumprod(growth[start : start + rows], axis=1)
            peak = np.maximum(np.maximum.accumulate(equity, axis=1), 1.0)
            stop = window - 1 + start + equity.shape[0]
            out[window - 1 + start : stop] = (equity / peak - 1.0).min(axis=1)
    return _series(out, prepared, "rolling_max_drawdown")
