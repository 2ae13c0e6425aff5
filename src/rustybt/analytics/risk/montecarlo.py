"""Monte Carlo VaR: simulate the *assets* jointly, then value today's positions.

Each path draws one vector of asset returns per period (all assets at once, so
their co-movement is kept), compounds it per asset over the horizon and values
the positions: ``r_p = sum_i w_i (prod_k (1 + r_ik) - 1)`` with
``w_i = market value_i / portfolio value``. Three joint models:

* ``bootstrap``: whole historical rows (dates) resampled with replacement, so
  fat tails, skew and cross-correlation are the ones observed;
* ``normal``: multivariate normal with the sample mean and covariance, drawn as
  ``mu + L z`` with ``L`` the Cholesky factor;
* ``student_t``: multivariate Student-t with the same mean and covariance and
  ``dof`` fitted by maximum likelihood (`fit_student_t_dof`).

Paths are drawn in chunks (bounded memory) from ``np.random.default_rng(seed)``:
the same seed gives bit-identical results. Standard normal shocks are drawn in
float32 (about twice as fast; 7 significant digits of a N(0, 1) draw are far
below Monte Carlo error) and everything after them is float64. VaR/CVaR of the simulated returns use
the historical estimators (the sign convention of `rustybt.analytics.risk.var`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from rustybt.analytics.metrics.conventions import FloatArray
from rustybt.analytics.metrics.distribution import conditional_value_at_risk, value_at_risk
from rustybt.analytics.risk.distributions import f_logpdf
from rustybt.analytics.risk.inputs import held_returns
from rustybt.analytics.risk.var import (
    DEFAULT_LEVELS,
    VaREstimate,
    check_horizon,
    tail_probability,
)
from rustybt.errors import ConfigError, DataNotFound

__all__ = [
    "MonteCarloMethod",
    "MonteCarloVaR",
    "cholesky_factor",
    "fit_student_t_dof",
    "monte_carlo_var",
]

MonteCarloMethod = Literal["bootstrap", "normal", "student_t"]
MC_METHODS: tuple[MonteCarloMethod, ...] = ("bootstrap", "normal", "student_t")
# Asset-return draws held in memory at once (x 8 bytes): about 32 MB per chunk.
_CHUNK_ELEMENTS = 1 << 22
_DOF_BOUNDS = (2.05, 500.0)


@dataclass(frozen=True)
class MonteCarloVaR:
    """Simulated portfolio returns and the VaR read from them.

    Attributes:
        method: the joint model.
        horizon: periods per path.
        n_paths: number of simulated paths.
        seed: the generator seed (None: fresh entropy, not reproducible).
        dof: the Student-t degrees of freedom (None for other models).
        simulated: the simulated portfolio returns, one per path.
        portfolio_value: currency value the returns apply to.
    """

    method: MonteCarloMethod
    horizon: int
    n_paths: int
    seed: int | None
    dof: float | None
    simulated: FloatArray
    portfolio_value: float

    def estimate(self, level: float = 0.95) -> VaREstimate:
        """VaR and CVaR of the simulated returns (negative = loss)."""
        alpha = tail_probability(level)
        return VaREstimate(
            f"monte_carlo_{self.method}",
            level,
            self.horizon,
            value_at_risk(self.simulated, alpha),
            conditional_value_at_risk(self.simulated, alpha),
            self.n_paths,
        )

    def table(self, levels: Sequence[float] = DEFAULT_LEVELS) -> pd.DataFrame:
        """One row per level: method, level, horizon, var, cvar, n, and currency columns."""
        rows = [self.estimate(level) for level in levels]
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
        frame["var_currency"] = frame["var"] * self.portfolio_value
        frame["cvar_currency"] = frame["cvar"] * self.portfolio_value
        return frame


def cholesky_factor(covariance: FloatArray) -> FloatArray:
    """Lower-triangular ``L`` with ``L L^T = covariance``.

    A covariance that is only positive semi-definite (more assets than dates,
    duplicated assets) gets the smallest ridge ``eps * mean(diag)`` that makes
    it factorisable, starting at 1e-12 and growing tenfold.
    """
    try:
        factor = np.asarray(np.linalg.cholesky(covariance), dtype=np.float64)
        return factor
    except np.linalg.LinAlgError:
        scale = float(np.mean(np.diag(covariance))) or 1.0
        eye = np.eye(covariance.shape[0])
        for exponent in range(-12, -1):
            try:
                factor = np.asarray(
                    np.linalg.cholesky(covariance + eye * scale * 10.0**exponent), dtype=np.float64
                )
                return factor
            except np.linalg.LinAlgError:
                continue
    raise ConfigError(
        "the asset covariance matrix cannot be factorised",
        context={"assets": covariance.shape[0]},
        hint="drop assets with no price changes or duplicated return series",
    )


def fit_student_t_dof(matrix: FloatArray) -> float:
    """Degrees of freedom of a multivariate Student-t fitted to the rows of ``matrix``.

    With the sample covariance ``Sigma`` as the t's covariance, the squared
    Mahalanobis distances ``d_i^2 = (x_i - mu)^T Sigma^-1 (x_i - mu)`` satisfy
    ``d_i^2 nu / ((nu - 2) p) ~ F(p, nu)`` (p assets). ``nu`` maximises that
    likelihood over [2.05, 500]; 500 means "indistinguishable from normal".
    """
    n_rows, p = matrix.shape
    if n_rows <= p + 1:
        raise DataNotFound(
            "need more dates than assets to fit a multivariate Student-t",
            context={"dates": n_rows, "assets": p},
            hint="use method='bootstrap', or pass dof= explicitly",
        )
    centred = matrix - matrix.mean(axis=0)
    factor = cholesky_factor(np.cov(matrix, rowvar=False).reshape(p, p))
    solved = np.linalg.solve(factor, centred.T)
    distances = np.einsum("ij,ij->j", solved, solved)

    def negative_log_likelihood(nu: float) -> float:
        scale = nu / ((nu - 2.0) * p)
        return -float(
            np.sum(f_logpdf(distances * scale, p, nu)) + distances.shape[0] * np.log(scale)
        )

    from scipy import optimize  # only this fit needs it: kept off the import path

    fitted = optimize.minimize_scalar(negative_log_likelihood, bounds=_DOF_BOUNDS, method="bounded")
    return float(fitted.x)


def monte_carlo_var(
    asset_returns: pd.DataFrame,
    positions: Mapping[str, float] | pd.Series[float],
    *,
    portfolio_value: float | None = None,
    method: MonteCarloMethod = "bootstrap",
    n_paths: int = 100_000,
    horizon: int = 1,
    seed: int | None = 0,
    dof: float | None = None,
) -> MonteCarloVaR:
    """Simulate the portfolio from its positions with joint asset returns.

    Args:
        asset_returns: time x symbol simple returns (missing read as 0).
        positions: symbol -> signed market value (or weights with
            ``portfolio_value=None``, which then means 1).
        portfolio_value: total equity the weights are relative to.
        method: ``bootstrap`` (historical rows), ``normal`` or ``student_t``.
        n_paths: simulated paths.
        horizon: periods per path; each period is a fresh joint draw and
            returns compound per asset.
        seed: seed of ``np.random.default_rng``; the same seed gives identical output.
        dof: Student-t degrees of freedom; fitted with `fit_student_t_dof` when None.

    Returns:
        `MonteCarloVaR` with the simulated portfolio returns.
    """
    check_horizon(horizon)
    if n_paths < 100:
        raise ConfigError("use at least 100 paths", context={"n_paths": n_paths})
    if method not in MC_METHODS:
        raise ConfigError(
            f"unknown Monte Carlo method {method!r}; use one of {', '.join(MC_METHODS)}",
            context={"method": method},
        )
    value = 1.0 if portfolio_value is None else float(portfolio_value)
    _, matrix, weights = held_returns(
        asset_returns, positions, value, min_dates=2, purpose="simulate"
    )
    rng = np.random.default_rng(seed)
    n_assets = matrix.shape[1]
    mean = matrix.mean(axis=0)
    factor: FloatArray | None = None
    fitted_dof: float | None = None
    if method != "bootstrap":
        factor = cholesky_factor(np.cov(matrix, rowvar=False).reshape(n_assets, n_assets)).T
    if method == "student_t":
        fitted_dof = fit_student_t_dof(matrix) if dof is None else float(dof)
        if fitted_dof <= 2.0:
            raise ConfigError(
                "Student-t dof must exceed 2 (finite variance)", context={"dof": fitted_dof}
            )

    def draw(size: int) -> FloatArray:
        if factor is None:
            rows: FloatArray = matrix[rng.integers(0, matrix.shape[0], size=size)]
            return rows
        shocks: FloatArray = rng.standard_normal((size, n_assets), dtype=np.float32) @ factor
        if fitted_dof is not None:
            mixing = np.sqrt((fitted_dof - 2.0) / rng.chisquare(fitted_dof, size=size))
            shocks *= mixing[:, None]
        shocks += mean
        return shocks

    # One period: w.(mu + L z) = w.mu + (L^T w).z, so each path still draws the
    # full joint vector z but skips the n x n product (associativity, not an
    # approximation). Longer horizons compound per asset and need every return.
    projected = None if factor is None else factor @ weights
    simulated = np.empty(n_paths, dtype=np.float64)
    chunk = max(1, _CHUNK_ELEMENTS // n_assets)
    for start in range(0, n_paths, chunk):
        size = min(chunk, n_paths - start)
        if horizon == 1 and projected is not None:
            path = rng.standard_normal((size, n_assets), dtype=np.float32) @ projected
            if fitted_dof is not None:
                path *= np.sqrt((fitted_dof - 2.0) / rng.chisquare(fitted_dof, size=size))
            simulated[start : start + size] = path + float(mean @ weights)
            continue
        if horizon == 1:
            simulated[start : start + size] = draw(size) @ weights
            continue
        growth = np.ones((size, n_assets))
        for _ in range(horizon):
            growth *= 1.0 + draw(size)
        simulated[start : start + size] = (growth - 1.0) @ weights
    return MonteCarloVaR(method, horizon, n_paths, seed, fitted_dof, simulated, value)
