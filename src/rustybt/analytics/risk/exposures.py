"""Measured exposures: each position's beta to an index, or loadings on factors.

Estimated by ordinary least squares over the dates the asset and the index (or
all factors) share, with an intercept:
``r_i,t = a_i + sum_k b_ik f_k,t + e_i,t``. An asset's missing returns are left
out of its own regression only. Fewer than ``min_observations`` shared dates
give NaN loadings (the stress tests then assume a beta of 1, see
`rustybt.analytics.risk.stress`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rustybt.analytics.metrics.conventions import FloatArray
from rustybt.analytics.risk.inputs import as_dates
from rustybt.errors import DataNotFound

__all__ = ["estimate_betas", "estimate_loadings"]


def _align(asset_returns: pd.DataFrame, factors: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    assets = asset_returns.copy()
    table = factors.copy()
    asset_dates, factor_dates = as_dates(assets.index), as_dates(table.index)
    assets.index, table.index = asset_dates, factor_dates
    table = table.dropna(how="any")
    shared = asset_dates.intersection(as_dates(table.index))
    if len(shared) == 0:
        raise DataNotFound(
            "asset returns and the index/factors share no dates",
            context={
                "assets": f"{assets.index.min()}..{assets.index.max()}" if len(assets) else "empty",
                "factors": f"{table.index.min()}..{table.index.max()}" if len(table) else "empty",
            },
            hint="betas are measured over the backtest's history: give index data covering it",
        )
    return assets.loc[shared], table.loc[shared]


def _fit(design: FloatArray, targets: FloatArray) -> tuple[FloatArray, FloatArray]:
    coefficients, *_ = np.linalg.lstsq(design, targets, rcond=None)
    residuals = targets - design @ coefficients
    centred = targets - targets.mean(axis=0)
    total = np.einsum("ij,ij->j", centred, centred)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = 1.0 - np.einsum("ij,ij->j", residuals, residuals) / total
    return np.asarray(coefficients, dtype=np.float64), np.asarray(r2, dtype=np.float64)


def estimate_loadings(
    asset_returns: pd.DataFrame, factors: pd.DataFrame, *, min_observations: int = 20
) -> pd.DataFrame:
    """OLS loadings of each asset on the factors (with an intercept).

    Returns:
        One row per asset: a column per factor (its loading), ``alpha`` (the
        per-period intercept), ``r2`` and ``n`` (dates used).
    """
    assets, table = _align(asset_returns, factors)
    x = table.to_numpy(dtype=np.float64)
    design = np.column_stack([np.ones(x.shape[0]), x])
    y = assets.to_numpy(dtype=np.float64, na_value=np.nan)
    n_factors = x.shape[1]
    coefficients = np.full((n_factors + 1, y.shape[1]), np.nan)
    r2 = np.full(y.shape[1], np.nan)
    present = ~np.isnan(y)
    counts = present.sum(axis=0)
    complete = np.flatnonzero(present.all(axis=0))
    if complete.shape[0] and x.shape[0] >= max(min_observations, n_factors + 2):
        coefficients[:, complete], r2[complete] = _fit(design, y[:, complete])
    for column in np.flatnonzero(~present.all(axis=0)):
        rows = present[:, column]
        if counts[column] >= max(min_observations, n_factors + 2):
            fitted, score = _fit(design[rows], y[rows, column : column + 1])
            coefficients[:, column], r2[column] = fitted[:, 0], score[0]
    frame = pd.DataFrame(coefficients[1:].T, index=assets.columns, columns=table.columns)
    frame["alpha"] = coefficients[0]
    frame["r2"] = r2
    frame["n"] = counts
    return frame


def estimate_betas(
    asset_returns: pd.DataFrame, market: pd.Series[float], *, min_observations: int = 20
) -> pd.DataFrame:
    """Each asset's beta to one market or index return series.

    Formula: ``beta_i = cov(r_i, m) / var(m)`` over shared dates (the OLS slope).

    Returns:
        One row per asset: ``beta``, ``alpha``, ``r2``, ``n``.
    """
    loadings = estimate_loadings(
        asset_returns, market.rename("beta").to_frame(), min_observations=min_observations
    )
    return loadings[["beta", "alpha", "r2", "n"]]
