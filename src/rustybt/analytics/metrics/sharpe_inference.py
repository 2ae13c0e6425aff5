"""How much to believe a Sharpe ratio: probabilistic and deflated Sharpe ratios.

References:
    Bailey, D. H. and López de Prado, M. (2012). "The Sharpe Ratio Efficient
    Frontier". Journal of Risk 15(2), 3-44. (probabilistic Sharpe ratio)
    Bailey, D. H. and López de Prado, M. (2014). "The Deflated Sharpe Ratio:
    Correcting for Selection Bias, Backtest Overfitting and Non-Normality".
    Journal of Portfolio Management 40(5), 94-107. (deflated Sharpe ratio)

Both work on the *per-period* (non-annualised) Sharpe ratio ``SR = mean(r - rf_p)
/ std(r - rf_p, ddof=1)``; annual inputs are converted with ``SR / sqrt(P)``.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from rustybt.analytics.metrics.conventions import (
    FloatArray,
    ReturnsInput,
    per_period_rate,
    prepare_returns,
)
from rustybt.analytics.metrics.distribution import _kurtosis, _skew
from rustybt.analytics.metrics.risk_adjusted import _ratio, _std
from rustybt.analytics.metrics.special import ndtr, ndtri
from rustybt.errors import ConfigError

__all__ = [
    "EULER_MASCHERONI",
    "deflated_sharpe_ratio",
    "expected_maximum_sharpe",
    "probabilistic_sharpe_from_moments",
    "probabilistic_sharpe_ratio",
]

EULER_MASCHERONI = 0.5772156649015329


def probabilistic_sharpe_from_moments(
    sharpe: float,
    n: int,
    skew: float,
    excess_kurtosis: float,
    benchmark_sharpe: float = 0.0,
) -> float:
    """PSR from the sample moments (all Sharpe ratios per period).

    Formula (Bailey & López de Prado 2012, eq. 11, with ``g4 = excess + 3``):
    ``PSR = Phi((SR - SR*) * sqrt(n - 1) / sqrt(1 - g3 * SR + (g4 - 1) / 4 * SR ** 2))``
    where ``Phi`` is the standard normal CDF, ``g3`` the skewness and ``g4``
    the (non-excess) kurtosis of the returns.
    """
    if n < 2 or not all(math.isfinite(x) for x in (sharpe, skew, excess_kurtosis)):
        return float("nan")
    variance_term = 1.0 - skew * sharpe + (excess_kurtosis + 2.0) / 4.0 * sharpe * sharpe
    if variance_term <= 0.0:
        return float("nan")
    z = (sharpe - benchmark_sharpe) * math.sqrt(n - 1) / math.sqrt(variance_term)
    return float(ndtr(z))


def _per_period_sharpe(values: FloatArray, rf_period: float) -> float:
    if values.shape[0] < 2:
        return float("nan")
    excess = values - rf_period
    return _ratio(float(excess.mean()), _std(excess))


def _psr(values: FloatArray, rf_period: float, benchmark_per_period: float) -> float:
    return probabilistic_sharpe_from_moments(
        _per_period_sharpe(values, rf_period),
        values.shape[0],
        _skew(values),
        _kurtosis(values),
        benchmark_per_period,
    )


def probabilistic_sharpe_ratio(
    returns: ReturnsInput,
    *,
    benchmark_sharpe: float = 0.0,
    risk_free: float = 0.0,
    periods_per_year: float | None = None,
) -> float:
    """Probability that the true Sharpe ratio exceeds ``benchmark_sharpe``.

    Bailey & López de Prado (2012). ``benchmark_sharpe`` is annualised and
    converted to ``SR* = benchmark_sharpe / sqrt(P)``; see
    `probabilistic_sharpe_from_moments` for the formula. Skew and kurtosis are
    the biased sample moments of the returns (`distribution.skew`, `kurtosis`).
    """
    prepared = prepare_returns(returns, periods_per_year)
    periods = prepared.periods_per_year
    return _psr(
        prepared.values,
        per_period_rate(risk_free, periods),
        benchmark_sharpe / math.sqrt(periods),
    )


def expected_maximum_sharpe(n_trials: int, sharpe_variance: float) -> float:
    """Expected maximum Sharpe ratio of ``n_trials`` unskilled strategies.

    Formula (Bailey & López de Prado 2014, eq. 2):
    ``SR0 = sqrt(V) * ((1 - gamma) * Phi^-1(1 - 1/N) + gamma * Phi^-1(1 - 1/(N e)))``
    with ``gamma`` the Euler-Mascheroni constant and ``V`` the variance of the
    trials' Sharpe ratios (the result is in the units of ``sqrt(V)``).
    """
    if n_trials < 2:
        raise ConfigError(
            "the deflated Sharpe ratio needs at least 2 trials",
            context={"n_trials": n_trials},
        )
    if not sharpe_variance >= 0.0:
        raise ConfigError(
            "the variance of the trials' Sharpe ratios must be >= 0",
            context={"sharpe_variance": sharpe_variance},
        )
    quantiles = [ndtri(1.0 - 1.0 / n_trials), ndtri(1.0 - 1.0 / (n_trials * math.e))]
    return math.sqrt(sharpe_variance) * float(
        (1.0 - EULER_MASCHERONI) * quantiles[0] + EULER_MASCHERONI * quantiles[1]
    )


def deflated_sharpe_ratio(
    returns: ReturnsInput,
    trial_sharpe_ratios: npt.ArrayLike,
    *,
    risk_free: float = 0.0,
    periods_per_year: float | None = None,
) -> float:
    """Deflated Sharpe ratio: PSR against the best Sharpe luck alone would give.

    Bailey & López de Prado (2014). ``trial_sharpe_ratios`` are the annualised
    Sharpe ratios of *all* ``N`` configurations tried (this one included). With
    ``V = var(trials, ddof=1) / P`` (per-period units),
    ``DSR = PSR(SR* = expected_maximum_sharpe(N, V))``.
    """
    trials = np.asarray(trial_sharpe_ratios, dtype=np.float64).ravel()
    trials = trials[np.isfinite(trials)]
    prepared = prepare_returns(returns, periods_per_year)
    periods = prepared.periods_per_year
    if trials.shape[0] < 2:
        raise ConfigError(
            "pass the annualised Sharpe ratios of every trial (at least 2)",
            context={"n_trials": int(trials.shape[0])},
        )
    variance = float(np.var(trials, ddof=1)) / periods
    threshold = expected_maximum_sharpe(int(trials.shape[0]), variance)
    return _psr(prepared.values, per_period_rate(risk_free, periods), threshold)
