"""Value at risk and expected shortfall of a return series: historical, normal, Cornish-Fisher.

**Sign convention (all of `rustybt.analytics.risk`)**: VaR and CVaR are
*returns*, so a loss is **negative** (``VaR_95 = -0.021`` means "on 1 day in 20
we lose at least 2.1%"), exactly as `rustybt.analytics.metrics.value_at_risk`
and empyrical. Currency figures are the same numbers times the portfolio value,
so they are negative P&L too. ``level`` is the confidence (0.95, 0.99); the tail
probability is ``alpha = 1 - level``.

Horizons (``horizon = h`` periods):

* historical: quantile of the *overlapping* compounded h-period returns
  ``prod(1 + r_{t-h+1..t}) - 1`` (consecutive windows share h - 1 days, so the
  effective sample is about n / h);
* parametric and Cornish-Fisher: square-root-of-time, ``mu_h = h mu`` and
  ``sigma_h = sqrt(h) sigma`` (assumes i.i.d. returns; understates risk when
  volatility clusters or returns trend).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from rustybt.analytics.metrics.conventions import FloatArray, ReturnsInput, prepare_returns
from rustybt.analytics.metrics.distribution import (
    conditional_value_at_risk,
    kurtosis,
    skew,
    value_at_risk,
)
from rustybt.analytics.risk.distributions import norm_cdf, norm_pdf, norm_ppf
from rustybt.errors import ConfigError

__all__ = [
    "DEFAULT_LEVELS",
    "VaREstimate",
    "VaRMethod",
    "check_horizon",
    "check_level",
    "cornish_fisher_quantile",
    "estimate_var",
    "horizon_returns",
    "tail_probability",
    "var_table",
]

VaRMethod = Literal["historical", "parametric", "cornish_fisher"]
METHODS: tuple[VaRMethod, ...] = ("historical", "parametric", "cornish_fisher")
DEFAULT_LEVELS: tuple[float, ...] = (0.95, 0.99)
_NAN = float("nan")


@dataclass(frozen=True, slots=True)
class VaREstimate:
    """One VaR/CVaR figure.

    Attributes:
        method: how it was estimated.
        level: confidence (0.95 for 95% VaR).
        horizon: periods ahead.
        var: value at risk as a return (negative = loss).
        cvar: expected shortfall (mean return beyond the VaR), negative = loss.
        n: observations used.
    """

    method: str
    level: float
    horizon: int
    var: float
    cvar: float
    n: int

    def in_currency(self, portfolio_value: float) -> tuple[float, float]:
        """(VaR, CVaR) in currency: the returns times ``portfolio_value``."""
        return self.var * portfolio_value, self.cvar * portfolio_value


def check_level(level: float) -> float:
    """Validate a confidence level strictly between 0.5 and 1."""
    if not 0.5 < level < 1.0:
        raise ConfigError(
            "level is a confidence between 0.5 and 1 (0.95 for 95% VaR)",
            context={"level": level},
        )
    return float(level)


def tail_probability(level: float) -> float:
    """``alpha = 1 - level``, rounded to 15 decimals so 0.99 gives exactly 0.01.

    ``1 - 0.99`` is 0.010000000000000009 in binary floating point; empyrical
    users pass ``cutoff=0.01``, and the rounding makes our quantiles identical.
    """
    return round(1.0 - check_level(level), 15)


def check_horizon(horizon: int) -> int:
    """Validate a horizon of at least one period."""
    if int(horizon) != horizon or horizon < 1:
        raise ConfigError(
            "horizon must be a whole number of periods >= 1", context={"horizon": horizon}
        )
    return int(horizon)


def horizon_returns(values: FloatArray, horizon: int) -> FloatArray:
    """Overlapping compounded ``horizon``-period returns: ``prod(1 + r) - 1`` per window."""
    if horizon == 1:
        return values
    if values.shape[0] < horizon:
        return np.empty(0, dtype=np.float64)
    log_growth = np.concatenate(([0.0], np.cumsum(np.log1p(values))))
    out: FloatArray = np.expm1(log_growth[horizon:] - log_growth[:-horizon])
    return out


def cornish_fisher_quantile(z: float, skew: float, excess_kurtosis: float) -> float:
    """The Cornish-Fisher adjusted standard quantile.

    Formula: ``z_cf = z + (z^2 - 1) S / 6 + (z^3 - 3 z) K / 24 - (2 z^3 - 5 z) S^2 / 36``
    with ``S`` the skewness and ``K`` the excess kurtosis.
    """
    s, k = skew, excess_kurtosis
    return float(
        z
        + (z * z - 1.0) * s / 6.0
        + (z**3 - 3.0 * z) * k / 24.0
        - (2.0 * z**3 - 5.0 * z) * s * s / 36.0
    )


def _cornish_fisher_tail_mean(a: float, skew: float, excess_kurtosis: float) -> float:
    # E[z_cf(Z) | Z < a] with the truncated standard normal moments
    # M0 = Phi(a), M1 = -phi(a), M2 = Phi(a) - a phi(a), M3 = -(a^2 + 2) phi(a).
    s, k = skew, excess_kurtosis
    big, small = norm_cdf(a), norm_pdf(a)
    m0, m1, m2, m3 = big, -small, big - a * small, -(a * a + 2.0) * small
    total = (
        m1 + (m2 - m0) * s / 6.0 + (m3 - 3.0 * m1) * k / 24.0 - (2.0 * m3 - 5.0 * m1) * s * s / 36.0
    )
    return total / big


def _moments(values: FloatArray) -> tuple[float, float]:
    if values.shape[0] < 2:
        return _NAN, _NAN
    return float(values.mean()), float(values.std(ddof=1))


def _estimate(values: FloatArray, level: float, method: VaRMethod, horizon: int) -> VaREstimate:
    alpha = tail_probability(level)
    n = int(values.shape[0])
    if method == "historical":
        window = horizon_returns(values, horizon)
        var = value_at_risk(window, alpha) if window.shape[0] else _NAN
        cvar = conditional_value_at_risk(window, alpha) if window.shape[0] else _NAN
        return VaREstimate(method, level, horizon, var, cvar, n)
    mu, sigma = _moments(values)
    mu_h, sigma_h = mu * horizon, sigma * np.sqrt(horizon)
    z = norm_ppf(alpha)
    if method == "parametric":
        var = mu_h + z * sigma_h
        cvar = mu_h - sigma_h * norm_pdf(z) / alpha
        return VaREstimate(method, level, horizon, float(var), float(cvar), n)
    if method == "cornish_fisher":
        s, k = skew(values), kurtosis(values)
        var = mu_h + sigma_h * cornish_fisher_quantile(z, s, k)
        cvar = mu_h + sigma_h * _cornish_fisher_tail_mean(z, s, k)
        return VaREstimate(method, level, horizon, float(var), float(cvar), n)
    raise ConfigError(
        f"unknown VaR method {method!r}; use one of {', '.join(METHODS)} (or monte_carlo_var)",
        context={"method": method},
    )


def estimate_var(
    returns: ReturnsInput,
    level: float = 0.95,
    *,
    method: VaRMethod = "historical",
    horizon: int = 1,
) -> VaREstimate:
    """VaR and CVaR of a return series at one confidence level.

    Formulas (``alpha = 1 - level``, ``z = Phi^-1(alpha)`` < 0, ``mu``/``sigma``
    the sample mean and standard deviation, ddof=1):

    * historical: ``VaR = percentile(r_h, 100 alpha)`` (linear interpolation) and
      ``CVaR`` = mean of the ``floor((n - 1) alpha) + 1`` smallest ``r_h``:
      identical to empyrical's ``value_at_risk``/``conditional_value_at_risk``
      for ``horizon=1``;
    * parametric (normal): ``VaR = h mu + z sigma sqrt(h)``,
      ``CVaR = h mu - sigma sqrt(h) phi(z) / alpha``;
    * cornish_fisher: ``VaR = h mu + z_cf sigma sqrt(h)`` with
      `cornish_fisher_quantile`, and ``CVaR = h mu + sigma sqrt(h) E[z_cf(Z) | Z < z]``
      (closed form from truncated normal moments). Valid while the expansion is
      monotone (moderate skew and kurtosis).

    Returns are cleaned by the metrics NaN policy. Negative = loss.
    """
    check_level(level)
    check_horizon(horizon)
    values = prepare_returns(returns, 1.0).values
    return _estimate(values, level, method, horizon)


def var_table(
    returns: ReturnsInput,
    *,
    levels: Sequence[float] = DEFAULT_LEVELS,
    methods: Sequence[VaRMethod] = METHODS,
    horizon: int = 1,
    portfolio_value: float | None = None,
) -> pd.DataFrame:
    """VaR and CVaR for every (method, level): one row each.

    Columns: method, level, horizon, var, cvar, n, and var_currency /
    cvar_currency when ``portfolio_value`` is given (returns x value).
    """
    check_horizon(horizon)
    values = prepare_returns(returns, 1.0).values
    rows = [
        _estimate(values, check_level(level), method, horizon)
        for method in methods
        for level in levels
    ]
    frame = pd.DataFrame(
        {
            "method": [r.method for r in rows],
            "level": [r.level for r in rows],
            "horizon": [r.horizon for r in rows],
            "var": [r.var for r in rows],
            "cvar": [r.cvar for r in rows],
            "n": [r.n for r in rows],
        }
    )
    if portfolio_value is not None:
        frame["var_currency"] = frame["var"] * portfolio_value
        frame["cvar_currency"] = frame["cvar"] * portfolio_value
    return frame
