"""The shape of the return distribution: skew, kurtosis, tails, VaR and CVaR.

VaR sign convention: VaR and CVaR are *returns* (a quantile and a tail mean), so
a loss is negative, e.g. ``VaR_95 = -0.021`` (as empyrical; quantstats also
reports a negative number but from a normal approximation).
"""

from __future__ import annotations

import numpy as np

from rustybt.analytics.metrics.conventions import FloatArray, ReturnsInput, prepare_returns
from rustybt.errors import ConfigError

__all__ = [
    "conditional_value_at_risk",
    "kurtosis",
    "skew",
    "tail_ratio",
    "value_at_risk",
]

_NAN = float("nan")


def _central_moments(values: FloatArray) -> tuple[float, float, float]:
    deviations = values - values.mean()
    squared = deviations * deviations
    return (
        float(squared.mean()),
        float((squared * deviations).mean()),
        float((squared * squared).mean()),
    )


def _is_degenerate(values: FloatArray, m2: float) -> bool:
    # scipy's rule: a variance at floating-point noise level has no shape.
    resolution = float(np.finfo(np.float64).resolution)
    return m2 <= (resolution * float(values.mean())) ** 2


def _skew(values: FloatArray) -> float:
    if values.shape[0] == 0:
        return _NAN
    m2, m3, _ = _central_moments(values)
    if _is_degenerate(values, m2):
        return _NAN
    return float(m3 / m2**1.5)


def _kurtosis(values: FloatArray) -> float:
    if values.shape[0] == 0:
        return _NAN
    m2, _, m4 = _central_moments(values)
    if _is_degenerate(values, m2):
        return _NAN
    return float(m4 / (m2 * m2) - 3.0)


def _check_cutoff(cutoff: float) -> None:
    if not 0.0 < cutoff < 1.0:
        raise ConfigError(
            "cutoff must be a probability between 0 and 1 (0.05 for 95% VaR)",
            context={"cutoff": cutoff},
        )


def _var(values: FloatArray, cutoff: float) -> float:
    if values.shape[0] == 0:
        return _NAN
    return float(np.percentile(values, 100.0 * cutoff))


def _cvar(values: FloatArray, cutoff: float) -> float:
    if values.shape[0] == 0:
        return _NAN
    last = int((values.shape[0] - 1) * cutoff)
    return float(np.mean(np.partition(values, last)[: last + 1]))


def _tail_ratio(values: FloatArray) -> float:
    if values.shape[0] == 0:
        return _NAN
    low, high = np.percentile(values, [5.0, 95.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.abs(high) / np.abs(low))


def skew(returns: ReturnsInput) -> float:
    """Sample skewness (biased, as ``scipy.stats.skew`` and empyrical).

    Formula: ``g1 = m3 / m2 ** 1.5`` with ``m_k = mean((r - mean(r)) ** k)``.
    NaN for a constant or empty series.
    """
    return _skew(prepare_returns(returns, 1.0).values)


def kurtosis(returns: ReturnsInput) -> float:
    """Excess kurtosis (Fisher, biased, as ``scipy.stats.kurtosis``).

    Formula: ``g2 = m4 / m2 ** 2 - 3`` (0 for a normal distribution).
    NaN for a constant or empty series.
    """
    return _kurtosis(prepare_returns(returns, 1.0).values)


def value_at_risk(returns: ReturnsInput, cutoff: float = 0.05) -> float:
    """Historical value at risk: the ``cutoff`` quantile of returns.

    Formula: ``VaR = percentile(r, 100 * cutoff)`` with linear interpolation;
    negative for a loss (``cutoff=0.05`` is the 95% VaR).
    """
    _check_cutoff(cutoff)
    return _var(prepare_returns(returns, 1.0).values, cutoff)


def conditional_value_at_risk(returns: ReturnsInput, cutoff: float = 0.05) -> float:
    """Historical conditional VaR (expected shortfall): mean of the worst returns.

    Formula: with ``k = floor((n - 1) * cutoff)``, the mean of the ``k + 1``
    smallest returns (as empyrical). Negative for a loss.
    """
    _check_cutoff(cutoff)
    return _cvar(prepare_returns(returns, 1.0).values, cutoff)


def tail_ratio(returns: ReturnsInput) -> float:
    """Ratio of the right tail to the left tail.

    Formula: ``|percentile(r, 95)| / |percentile(r, 5)|``; 0.25 means the
    typical bad day is four times the typical good day.
    """
    return _tail_ratio(prepare_returns(returns, 1.0).values)
