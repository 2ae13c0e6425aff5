"""Volatility and risk-adjusted ratios: Sharpe, Sortino, Calmar, Omega, stability.

``P`` is periods per year and ``rf_p = (1 + rf) ** (1 / P) - 1`` the per-period
risk-free rate (see `conventions`). Every rate argument here is annual.
"""

from __future__ import annotations

import numpy as np

from rustybt.analytics.metrics.conventions import (
    FloatArray,
    ReturnsInput,
    per_period_rate,
    prepare_returns,
)
from rustybt.analytics.metrics.drawdown import _max_drawdown
from rustybt.analytics.metrics.returns import _cagr_from_growth, _growth

__all__ = [
    "annual_volatility",
    "calmar_ratio",
    "downside_deviation",
    "omega_ratio",
    "sharpe_ratio",
    "sortino_ratio",
    "stability",
]

_NAN = float("nan")


def _std(values: FloatArray) -> float:
    """Sample standard deviation (ddof=1); exactly 0 for a constant series.

    A constant series can leave a ~1e-18 residue in floating point; forcing 0
    keeps a ratio over it infinite instead of an arbitrary 1e15 (as empyrical).
    """
    if values.shape[0] < 2:
        return _NAN
    if values.max() == values.min():
        return 0.0
    return float(np.std(values, ddof=1))


def _ratio(numerator: float, denominator: float) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(numerator) / np.float64(denominator))


def _annual_volatility(values: FloatArray, periods_per_year: float) -> float:
    return _std(values) * float(np.sqrt(periods_per_year))


def _sharpe(values: FloatArray, rf_period: float, periods_per_year: float) -> float:
    if values.shape[0] < 2:
        return _NAN
    excess = values - rf_period if rf_period != 0.0 else values
    return _ratio(float(excess.mean()), _std(excess)) * float(np.sqrt(periods_per_year))


def _downside(values: FloatArray, target_period: float, periods_per_year: float) -> float:
    if values.shape[0] < 1:
        return _NAN
    shortfall = np.minimum(values - target_period, 0.0)
    return float(np.sqrt(np.mean(shortfall * shortfall)) * np.sqrt(periods_per_year))


def _sortino(
    values: FloatArray, target_period: float, periods_per_year: float, downside: float
) -> float:
    if values.shape[0] < 2:
        return _NAN
    mean_excess = float(np.mean(values - target_period)) * periods_per_year
    return _ratio(mean_excess, downside)


def _calmar(cagr_value: float, max_dd: float) -> float:
    if not max_dd < 0.0:
        return _NAN
    ratio = cagr_value / abs(max_dd)
    return _NAN if np.isinf(ratio) else ratio


def _omega(values: FloatArray, threshold_period: float) -> float:
    if values.shape[0] < 2:
        return _NAN
    excess = values - threshold_period
    gains = float(excess[excess > 0.0].sum())
    losses = -float(excess[excess < 0.0].sum())
    return gains / losses if losses > 0.0 else _NAN


def _stability(values: FloatArray) -> float:
    if values.shape[0] < 2:
        return _NAN
    log_equity = np.cumsum(np.log1p(values))
    time = np.arange(values.shape[0], dtype=np.float64)
    time -= time.mean()
    centred = log_equity - log_equity.mean()
    sxx = float(time @ time)
    syy = float(centred @ centred)
    if syy == 0.0:
        # A flat equity curve: linregress reports r = 0 for a constant target.
        return 0.0
    sxy = float(time @ centred)
    return sxy * sxy / (sxx * syy)


def annual_volatility(returns: ReturnsInput, *, periods_per_year: float | None = None) -> float:
    """Annualised volatility of returns.

    Formula: ``sigma_annual = std(r, ddof=1) * sqrt(P)``. NaN below 2 observations.
    """
    prepared = prepare_returns(returns, periods_per_year)
    return _annual_volatility(prepared.values, prepared.periods_per_year)


def sharpe_ratio(
    returns: ReturnsInput, *, risk_free: float = 0.0, periods_per_year: float | None = None
) -> float:
    """Annualised Sharpe ratio.

    Formula: ``SR = mean(r - rf_p) / std(r - rf_p, ddof=1) * sqrt(P)`` with the
    annual ``risk_free`` rate converted to ``rf_p`` geometrically.

    NaN below 2 observations; +/-inf when the excess returns are constant and
    non-zero; NaN when they are constant zero (as empyrical).
    """
    prepared = prepare_returns(returns, periods_per_year)
    periods = prepared.periods_per_year
    return _sharpe(prepared.values, per_period_rate(risk_free, periods), periods)


def downside_deviation(
    returns: ReturnsInput,
    *,
    required_return: float = 0.0,
    periods_per_year: float | None = None,
) -> float:
    """Annualised downside deviation below a required (annual) return.

    Formula: ``DD = sqrt(mean(min(r - m_p, 0) ** 2)) * sqrt(P)`` over *all*
    observations (a period above the target counts as a zero shortfall), with
    ``m_p = (1 + required_return) ** (1 / P) - 1``. This is empyrical's
    ``downside_risk``.
    """
    prepared = prepare_returns(returns, periods_per_year)
    periods = prepared.periods_per_year
    return _downside(prepared.values, per_period_rate(required_return, periods), periods)


def sortino_ratio(
    returns: ReturnsInput,
    *,
    required_return: float = 0.0,
    periods_per_year: float | None = None,
) -> float:
    """Annualised Sortino ratio against a required (annual) return.

    Formula: ``Sortino = mean(r - m_p) * P / DD`` where ``DD`` is
    `downside_deviation` with the same target ``m_p``. `performance_metrics`
    uses the risk-free rate as the target. NaN below 2 observations; +inf
    when no period falls below the target.
    """
    prepared = prepare_returns(returns, periods_per_year)
    periods = prepared.periods_per_year
    target = per_period_rate(required_return, periods)
    downside = _downside(prepared.values, target, periods)
    return _sortino(prepared.values, target, periods, downside)


def calmar_ratio(returns: ReturnsInput, *, periods_per_year: float | None = None) -> float:
    """Calmar ratio: compound annual growth over the worst drawdown.

    Formula: ``Calmar = CAGR / |MDD|``. NaN when there is no drawdown.
    """
    prepared = prepare_returns(returns, periods_per_year)
    values = prepared.values
    growth = _growth(values)
    return _calmar(
        _cagr_from_growth(growth, values.shape[0], prepared.periods_per_year),
        _max_drawdown(values),
    )


def omega_ratio(
    returns: ReturnsInput, *, threshold: float = 0.0, periods_per_year: float | None = None
) -> float:
    """Omega ratio: probability-weighted gains over losses around a threshold.

    Formula: ``Omega = sum(max(r - tau_p, 0)) / sum(max(tau_p - r, 0))`` with the
    annual ``threshold`` converted to ``tau_p = (1 + threshold) ** (1 / P) - 1``.
    NaN below 2 observations or with no period below the threshold.
    `performance_metrics` uses the risk-free rate as the threshold.
    """
    prepared = prepare_returns(returns, periods_per_year)
    periods = prepared.periods_per_year
    if threshold <= -1.0:
        return _NAN
    return _omega(prepared.values, per_period_rate(threshold, periods))


def stability(returns: ReturnsInput) -> float:
    """Stability: R-squared of log equity regressed on time.

    Formula: with ``y_t = sum_{i<=t} log(1 + r_i)`` and ``t = 0..n-1``,
    ``stability = corr(t, y) ** 2``. 1 is a perfectly steady compounding curve.
    NaN below 2 observations.
    """
    return _stability(prepare_returns(returns, 1.0).values)
