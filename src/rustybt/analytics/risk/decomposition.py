"""Which positions carry the risk: Euler decomposition of volatility, VaR and CVaR.

With weights ``w`` (market value / portfolio value), asset covariance ``Sigma``
and portfolio volatility ``sigma_p = sqrt(w' Sigma w)``:

* marginal volatility ``m_i = (Sigma w)_i / sigma_p`` (d sigma_p / d w_i);
* component volatility ``c_i = w_i m_i``; ``sum_i c_i = sigma_p`` exactly
  (Euler's theorem for a function homogeneous of degree 1).

VaR and CVaR (negative returns, the package convention) by ``method``:

* ``parametric`` (normal): ``VaR_i = w_i mu_i + z c_i`` and
  ``CVaR_i = w_i mu_i - phi(z) / alpha * c_i``; they sum to ``w'mu + z sigma_p`` and
  ``w'mu - phi(z)/alpha sigma_p``.
* ``historical``: scenarios are the observed rows of asset returns, and
  ``monte_carlo``: ``n_paths`` rows drawn from a multivariate normal fitted to
  them (seeded). ``VaR_i = w_i E[r_i | r_p = VaR]`` with the conditional mean
  estimated by a Gaussian kernel on ``r_p`` around the VaR (Silverman
  bandwidth), rescaled by ``VaR / sum_i VaR_i`` so the parts add up exactly
  (the kernel estimate of ``E[r_p | r_p = VaR]`` is not exactly VaR).
  ``CVaR_i = w_i mean(r_i over the tail scenarios)`` where the tail is the
  ``floor((n - 1) alpha) + 1`` worst portfolio scenarios (the empyrical CVaR);
  those sum to the CVaR with no rescaling.

``rank`` orders positions by component VaR, 1 = the largest loss contribution.
Missing asset returns read as 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from rustybt.analytics.metrics.conventions import FloatArray
from rustybt.analytics.metrics.distribution import value_at_risk
from rustybt.analytics.risk.distributions import norm_pdf, norm_ppf
from rustybt.analytics.risk.inputs import held_returns
from rustybt.analytics.risk.montecarlo import cholesky_factor
from rustybt.analytics.risk.var import check_level, tail_probability
from rustybt.errors import ConfigError

__all__ = ["DecompositionMethod", "RiskDecomposition", "risk_decomposition"]

DecompositionMethod = Literal["parametric", "historical", "monte_carlo"]


@dataclass(frozen=True)
class RiskDecomposition:
    """Per-position risk contributions and the totals they add up to.

    Attributes:
        table: one row per position: value, weight, marginal_volatility,
            component_volatility, volatility_share, component_var, var_share,
            component_cvar, component_var_currency, rank.
        volatility: portfolio volatility per period (sum of component_volatility).
        var: portfolio VaR (sum of component_var).
        cvar: portfolio CVaR (sum of component_cvar).
        level: VaR confidence.
        method: how VaR/CVaR were decomposed.
    """

    table: pd.DataFrame
    volatility: float
    var: float
    cvar: float
    level: float
    method: str


def _scenario_parts(
    scenarios: FloatArray, weights: FloatArray, alpha: float
) -> tuple[FloatArray, float, FloatArray, float]:
    portfolio = scenarios @ weights
    var = value_at_risk(portfolio, alpha)
    spread = float(portfolio.std(ddof=1))
    bandwidth = 1.06 * spread * portfolio.shape[0] ** -0.2 if spread > 0 else 1.0
    kernel = np.exp(-0.5 * ((portfolio - var) / bandwidth) ** 2)
    raw = weights * (kernel @ scenarios) / kernel.sum()
    total = float(raw.sum())
    var_parts = raw * (var / total) if total != 0.0 else np.full_like(raw, var / raw.shape[0])
    last = int((portfolio.shape[0] - 1) * alpha)
    tail = np.argpartition(portfolio, last)[: last + 1]
    cvar_parts = weights * scenarios[tail].mean(axis=0)
    return var_parts, var, cvar_parts, float(portfolio[tail].mean())


def risk_decomposition(
    asset_returns: pd.DataFrame,
    positions: Mapping[str, float] | pd.Series[float],
    *,
    portfolio_value: float | None = None,
    level: float = 0.95,
    method: DecompositionMethod = "parametric",
    n_paths: int = 50_000,
    seed: int | None = 0,
) -> RiskDecomposition:
    """Decompose volatility, VaR and CVaR into per-position parts that sum to the totals.

    Args:
        asset_returns: time x symbol simple returns.
        positions: symbol -> signed market value (weights when
            ``portfolio_value`` is None, which then means 1).
        portfolio_value: total equity.
        level: VaR confidence.
        method: ``parametric``, ``historical`` or ``monte_carlo`` (module docstring).
        n_paths, seed: Monte Carlo scenarios and generator seed.
    """
    check_level(level)
    value = 1.0 if portfolio_value is None else float(portfolio_value)
    held, matrix, weights = held_returns(
        asset_returns, positions, value, min_dates=3, purpose="decompose"
    )
    alpha = tail_probability(level)
    covariance = np.cov(matrix, rowvar=False).reshape(matrix.shape[1], matrix.shape[1])
    mean = matrix.mean(axis=0)
    sigma_w = covariance @ weights
    volatility = float(np.sqrt(weights @ sigma_w))
    marginal = sigma_w / volatility if volatility > 0 else np.zeros_like(sigma_w)
    component = weights * marginal
    if method == "parametric":
        z = norm_ppf(alpha)
        var_parts = weights * mean + z * component
        cvar_parts = weights * mean - norm_pdf(z) / alpha * component
        var = float(weights @ mean + z * volatility)
        cvar = float(weights @ mean - norm_pdf(z) / alpha * volatility)
    elif method in ("historical", "monte_carlo"):
        scenarios = matrix
        if method == "monte_carlo":
            rng = np.random.default_rng(seed)
            factor = cholesky_factor(covariance)
            scenarios = rng.standard_normal((n_paths, matrix.shape[1])) @ factor.T + mean
        var_parts, var, cvar_parts, cvar = _scenario_parts(scenarios, weights, alpha)
    else:
        raise ConfigError(
            f"unknown decomposition method {method!r}; use parametric, historical or monte_carlo",
            context={"method": method},
        )
    table = pd.DataFrame(
        {
            "value": held.to_numpy(),
            "weight": weights,
            "marginal_volatility": marginal,
            "component_volatility": component,
            "volatility_share": component / volatility if volatility > 0 else np.nan,
            "component_var": var_parts,
            "var_share": var_parts / var if var != 0 else np.nan,
            "component_cvar": cvar_parts,
            "component_var_currency": var_parts * value,
        },
        index=held.index,
    )
    table["rank"] = table["component_var"].rank(method="first").astype(int)
    return RiskDecomposition(table.sort_values("rank"), volatility, var, cvar, level, method)
