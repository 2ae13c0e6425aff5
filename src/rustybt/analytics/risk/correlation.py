"""Co-movement: correlation of positions, with factors, and beta with its uncertainty.

Pairs of series are matched on the dates both have (the metrics convention,
`rustybt.analytics.metrics.conventions.align_benchmark`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from rustybt.analytics.metrics.conventions import (
    FloatArray,
    ReturnsInput,
    align_benchmark,
    prepare_returns,
)
from rustybt.analytics.metrics.rolling import rolling_beta
from rustybt.analytics.risk.distributions import t_ppf
from rustybt.analytics.risk.inputs import as_dates, filled_matrix
from rustybt.errors import ConfigError, DataNotFound

__all__ = [
    "BetaEstimate",
    "average_pairwise_correlation",
    "beta_estimate",
    "correlation_matrix",
    "factor_correlations",
    "rolling_average_correlation",
    "rolling_beta",
    "up_down_beta",
]

# Window x asset elements standardised at once by the rolling correlation.
_CHUNK_ELEMENTS = 1 << 22


def correlation_matrix(asset_returns: pd.DataFrame, *, min_periods: int = 20) -> pd.DataFrame:
    """Pearson correlation of every pair of columns.

    Complete data uses one ``np.corrcoef``; with gaps each pair uses the dates
    both have (pandas ``corr``), NaN below ``min_periods`` shared dates.
    """
    values = asset_returns.to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.isnan(values).any() and values.shape[0] >= min_periods:
        with np.errstate(divide="ignore", invalid="ignore"):
            matrix = np.corrcoef(values, rowvar=False).reshape(values.shape[1], values.shape[1])
        return pd.DataFrame(matrix, index=asset_returns.columns, columns=asset_returns.columns)
    return asset_returns.corr(min_periods=min_periods)


def average_pairwise_correlation(matrix: pd.DataFrame) -> float:
    """Mean of the off-diagonal correlations (NaN pairs skipped)."""
    values = matrix.to_numpy(dtype=np.float64)
    n = values.shape[0]
    if n < 2:
        return float("nan")
    off = values[~np.eye(n, dtype=bool)]
    return float(np.nanmean(off)) if np.isfinite(off).any() else float("nan")


def rolling_average_correlation(asset_returns: pd.DataFrame, window: int = 63) -> pd.Series[float]:
    """Average pairwise correlation over each trailing window of ``window`` dates.

    Formula: with ``z_i`` each asset standardised inside the window,
    ``sum_{i != j} rho_ij = Var(sum_i z_i) - n``, so the average is
    ``(Var(sum_i z_i) - n) / (n (n - 1))`` in O(n w) per window instead of
    O(n^2 w). Missing returns read as 0; an asset flat in a window is left out
    of that window. The first ``window - 1`` dates are NaN.
    """
    if window < 3:
        raise ConfigError("window must be at least 3 dates", context={"window": window})
    matrix = filled_matrix(asset_returns)
    n_dates = matrix.shape[0]
    out = np.full(n_dates, np.nan)
    if n_dates >= window and matrix.shape[1] >= 2:
        windows = sliding_window_view(matrix, window, axis=0)  # (t, asset, window)
        step = max(1, _CHUNK_ELEMENTS // (window * matrix.shape[1]))
        for start in range(0, windows.shape[0], step):
            out[window - 1 + start : window - 1 + start + step] = _average_correlation(
                windows[start : start + step]
            )
    return pd.Series(out, index=asset_returns.index, name="average_correlation")


def _average_correlation(block: FloatArray) -> FloatArray:
    centred = block - block.mean(axis=2, keepdims=True)
    scale = np.sqrt((centred * centred).mean(axis=2, keepdims=True))
    live = scale[..., 0] > 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(scale > 0.0, centred / scale, 0.0)
    total = z.sum(axis=1)
    n = live.sum(axis=1).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        average = ((total * total).mean(axis=1) - n) / (n * (n - 1.0))
    return np.where(n >= 2, average, np.nan)


def factor_correlations(asset_returns: pd.DataFrame, factors: pd.DataFrame) -> pd.DataFrame:
    """Correlation of each asset (rows) with each factor (columns) over shared dates."""
    assets = asset_returns.copy()
    table = factors.copy()
    assets.index = as_dates(assets.index)
    table.index = as_dates(table.index)
    shared = assets.index.intersection(table.index)
    if len(shared) < 3:
        raise DataNotFound(
            "assets and factors share fewer than 3 dates",
            context={"shared": len(shared)},
            hint="give factor data covering the backtest's dates",
        )
    joined = pd.concat([assets.loc[shared], table.loc[shared]], axis=1)
    full = joined.corr(min_periods=3).to_numpy(dtype=np.float64)
    n_assets = assets.shape[1]
    return pd.DataFrame(full[:n_assets, n_assets:], index=assets.columns, columns=table.columns)


@dataclass(frozen=True, slots=True)
class BetaEstimate:
    """An OLS beta with its uncertainty.

    Attributes:
        beta: slope of returns on benchmark returns.
        alpha: intercept per period.
        standard_error: OLS standard error of the slope.
        t_stat: ``beta / standard_error``.
        ci_low, ci_high: the confidence interval of beta (Student-t, n - 2 dof).
        confidence: the interval's level.
        r2: R squared.
        n: observations.
    """

    beta: float
    alpha: float
    standard_error: float
    t_stat: float
    ci_low: float
    ci_high: float
    confidence: float
    r2: float
    n: int


def _ols(y: FloatArray, x: FloatArray, confidence: float) -> BetaEstimate:
    n = int(y.shape[0])
    nan = float("nan")
    if n < 3:
        return BetaEstimate(nan, nan, nan, nan, nan, nan, confidence, nan, n)
    dx, dy = x - x.mean(), y - y.mean()
    sxx = float(dx @ dx)
    if sxx == 0.0:
        return BetaEstimate(nan, nan, nan, nan, nan, nan, confidence, nan, n)
    beta = float(dx @ dy) / sxx
    alpha = float(y.mean() - beta * x.mean())
    residual = dy - beta * dx
    sse = float(residual @ residual)
    syy = float(dy @ dy)
    se = float(np.sqrt(sse / (n - 2) / sxx))
    half = t_ppf(0.5 + confidence / 2.0, n - 2) * se
    with np.errstate(divide="ignore", invalid="ignore"):
        t_stat = beta / se if se > 0 else float("inf") * np.sign(beta)
    r2 = 1.0 - sse / syy if syy > 0 else nan
    return BetaEstimate(beta, alpha, se, float(t_stat), beta - half, beta + half, confidence, r2, n)


def _paired(returns: ReturnsInput, benchmark: ReturnsInput) -> tuple[FloatArray, FloatArray]:
    prepared = prepare_returns(returns, 1.0)
    values, bench, _ = align_benchmark(returns, benchmark, prepared)
    return values, bench


def beta_estimate(
    returns: ReturnsInput, benchmark: ReturnsInput, *, confidence: float = 0.95
) -> BetaEstimate:
    """Beta to a benchmark with an OLS confidence interval.

    Formulas: ``beta = S_xy / S_xx``, ``se = sqrt(SSE / (n - 2) / S_xx)``,
    ``CI = beta +- t_{(1 + c) / 2, n - 2} se`` (x = benchmark, y = returns,
    ``S`` centred sums of products).
    """
    if not 0.0 < confidence < 1.0:
        raise ConfigError(
            "confidence is a probability such as 0.95", context={"confidence": confidence}
        )
    values, bench = _paired(returns, benchmark)
    return _ols(values, bench, confidence)


def up_down_beta(
    returns: ReturnsInput, benchmark: ReturnsInput, *, confidence: float = 0.95
) -> tuple[BetaEstimate, BetaEstimate]:
    """(up beta, down beta): OLS betas on the dates the benchmark rose / fell.

    A strategy with down beta above its up beta loses more in falling markets
    than it gains in rising ones.
    """
    values, bench = _paired(returns, benchmark)
    up, down = bench > 0.0, bench < 0.0
    return _ols(values[up], bench[up], confidence), _ols(values[down], bench[down], confidence)
