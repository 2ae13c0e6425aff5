"""Metrics against a benchmark: alpha, beta, information ratio, capture, correlation.

Strategy ``r`` and benchmark ``b`` are first paired on the observations both
have (see `conventions.align_benchmark`); ``n`` below counts those pairs.
"""

from __future__ import annotations

import numpy as np

from rustybt.analytics.metrics.conventions import (
    FloatArray,
    ReturnsInput,
    align_benchmark,
    per_period_rate,
    prepare_returns,
)
from rustybt.analytics.metrics.returns import _cagr_from_growth, _growth
from rustybt.analytics.metrics.risk_adjusted import _ratio, _std

__all__ = [
    "alpha",
    "alpha_beta",
    "beta",
    "correlation",
    "down_capture",
    "information_ratio",
    "tracking_error",
    "up_capture",
]

_NAN = float("nan")


def _beta(values: FloatArray, bench: FloatArray) -> float:
    if values.shape[0] < 2:
        return _NAN
    centred = bench - bench.mean()
    variance = float(np.mean(centred * centred))
    if variance < 1.0e-30:
        return _NAN
    return float(np.mean(centred * values)) / variance


def _alpha(
    values: FloatArray, bench: FloatArray, beta: float, rf_period: float, periods: float
) -> float:
    if values.shape[0] < 2:
        return _NAN
    residual = (values - rf_period) - beta * (bench - rf_period)
    return float(residual.mean()) * periods


def _information_ratio(values: FloatArray, bench: FloatArray, periods: float) -> float:
    if values.shape[0] < 2:
        return _NAN
    active = values - bench
    return _ratio(float(active.mean()), _std(active)) * float(np.sqrt(periods))


def _tracking_error(values: FloatArray, bench: FloatArray, periods: float) -> float:
    return _std(values - bench) * float(np.sqrt(periods))


def _capture(values: FloatArray, bench: FloatArray, periods: float) -> float:
    n = values.shape[0]
    return _ratio(
        _cagr_from_growth(_growth(values), n, periods),
        _cagr_from_growth(_growth(bench), n, periods),
    )


def _up_capture(values: FloatArray, bench: FloatArray, periods: float) -> float:
    up = bench > 0.0
    return _capture(values[up], bench[up], periods)


def _down_capture(values: FloatArray, bench: FloatArray, periods: float) -> float:
    down = bench < 0.0
    return _capture(values[down], bench[down], periods)


def _correlation(values: FloatArray, bench: FloatArray) -> float:
    if values.shape[0] < 2:
        return _NAN
    x = values - values.mean()
    y = bench - bench.mean()
    return _ratio(float(x @ y), float(np.sqrt((x @ x) * (y @ y))))


def _paired(
    returns: ReturnsInput, benchmark: ReturnsInput, periods_per_year: float | None
) -> tuple[FloatArray, FloatArray, float]:
    strategy = prepare_returns(returns, periods_per_year)
    values, bench, _ = align_benchmark(returns, benchmark, strategy)
    return values, bench, strategy.periods_per_year


def beta(returns: ReturnsInput, benchmark: ReturnsInput) -> float:
    """Beta: sensitivity of the strategy to the benchmark.

    Formula: ``beta = cov(r, b) / var(b)`` over the paired observations
    (population moments; the ratio does not depend on ddof). A constant
    risk-free rate cancels out. NaN when the benchmark does not move.
    """
    values, bench, _ = _paired(returns, benchmark, 1.0)
    return _beta(values, bench)


def alpha(
    returns: ReturnsInput,
    benchmark: ReturnsInput,
    *,
    risk_free: float = 0.0,
    periods_per_year: float | None = None,
) -> float:
    """Jensen's alpha, annualised arithmetically.

    Formula: ``alpha = P * mean((r - rf_p) - beta * (b - rf_p))``, the CAPM
    regression intercept scaled to a year the way a mean return is.
    empyrical compounds instead, ``(1 + alpha / P) ** P - 1``; see docs/metrics.md.
    """
    values, bench, periods = _paired(returns, benchmark, periods_per_year)
    rf_period = per_period_rate(risk_free, periods)
    return _alpha(values, bench, _beta(values, bench), rf_period, periods)


def alpha_beta(
    returns: ReturnsInput,
    benchmark: ReturnsInput,
    *,
    risk_free: float = 0.0,
    periods_per_year: float | None = None,
) -> tuple[float, float]:
    """``(alpha(...), beta(...))`` computed from one alignment."""
    values, bench, periods = _paired(returns, benchmark, periods_per_year)
    b = _beta(values, bench)
    return _alpha(values, bench, b, per_period_rate(risk_free, periods), periods), b


def information_ratio(
    returns: ReturnsInput, benchmark: ReturnsInput, *, periods_per_year: float | None = None
) -> float:
    """Annualised information ratio of the active return ``a = r - b``.

    Formula: ``IR = mean(a) / std(a, ddof=1) * sqrt(P)``. (empyrical's
    ``excess_sharpe`` is the same ratio without the ``sqrt(P)``.)
    """
    values, bench, periods = _paired(returns, benchmark, periods_per_year)
    return _information_ratio(values, bench, periods)


def tracking_error(
    returns: ReturnsInput, benchmark: ReturnsInput, *, periods_per_year: float | None = None
) -> float:
    """Annualised tracking error: ``TE = std(r - b, ddof=1) * sqrt(P)``."""
    values, bench, periods = _paired(returns, benchmark, periods_per_year)
    return _tracking_error(values, bench, periods)


def up_capture(
    returns: ReturnsInput, benchmark: ReturnsInput, *, periods_per_year: float | None = None
) -> float:
    """Up-market capture: strategy CAGR over benchmark CAGR on benchmark-up periods.

    Formula: with ``U = {t : b_t > 0}``, ``CAGR(r_U) / CAGR(b_U)`` where each
    CAGR uses ``n = |U|`` (as empyrical's ``up_capture``).
    """
    values, bench, periods = _paired(returns, benchmark, periods_per_year)
    return _up_capture(values, bench, periods)


def down_capture(
    returns: ReturnsInput, benchmark: ReturnsInput, *, periods_per_year: float | None = None
) -> float:
    """Down-market capture: ``CAGR(r_D) / CAGR(b_D)`` with ``D = {t : b_t < 0}``.

    Below 1 means the strategy loses less than the benchmark when it falls.
    """
    values, bench, periods = _paired(returns, benchmark, periods_per_year)
    return _down_capture(values, bench, periods)


def correlation(returns: ReturnsInput, benchmark: ReturnsInput) -> float:
    """Pearson correlation of paired returns: ``cov(r, b) / (std(r) * std(b))``."""
    values, bench, _ = _paired(returns, benchmark, 1.0)
    return _correlation(values, bench)
