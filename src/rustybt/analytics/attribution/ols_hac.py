"""OLS with Newey-West (HAC) standard errors in numpy, as statsmodels computes them.

The attribution regressions used ``statsmodels``' ``OLS(...).fit(cov_type="HAC",
cov_kwds={"maxlags": L, "use_correction": True})``. Importing statsmodels costs
~0.2-0.5 s, a third of a whole report, for a few matrix products; this module
does the same arithmetic in the same order (statsmodels 0.15: ``pinv_extended``,
``S_hac_simple`` with Bartlett weights, ``_HCCM2``, the n / (n - k) correction,
normal-distribution p-values and intervals), so the numbers agree to ~1e-15
(`tests/analytics/test_ols_hac.py` checks them against statsmodels).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rustybt.analytics.metrics.special import ndtr, ndtri

__all__ = ["HacFit", "ols_hac"]

FloatArray = np.ndarray[tuple[int, ...], np.dtype[np.float64]]


@dataclass(frozen=True)
class HacFit:
    """The pieces of a statsmodels HAC fit the attribution code reads."""

    params: FloatArray
    bse: FloatArray
    tvalues: FloatArray
    pvalues: FloatArray
    conf_int: FloatArray  # (k, 2): lower, upper
    rsquared: float
    rsquared_adj: float


def _pinv(x: FloatArray, rcond: float = 1e-15) -> FloatArray:
    """statsmodels' ``pinv_extended`` (numpy's pinv, written out), same operations."""
    u, s, vt = np.linalg.svd(x, False)
    cutoff = rcond * np.maximum.reduce(s)
    inverse = np.where(s > cutoff, 1.0 / np.where(s > cutoff, s, 1.0), 0.0)
    result: FloatArray = np.dot(np.transpose(vt), np.multiply(inverse[:, np.newaxis], u.T))
    return result


def ols_hac(endog: FloatArray, exog: FloatArray, *, maxlags: int, confidence: float) -> HacFit:
    """Least squares of ``endog`` on ``exog`` (whose first column is the constant).

    Standard errors are Newey-West with Bartlett weights up to ``maxlags`` and the
    small-sample factor n / (n - k); p-values and intervals use the normal
    distribution (statsmodels' default for HAC).
    """
    y = np.asarray(endog, dtype=np.float64)
    x = np.asarray(exog, dtype=np.float64)
    n, k = x.shape
    pinv = _pinv(x)
    normalized_cov = np.dot(pinv, np.transpose(pinv))
    params: FloatArray = np.dot(pinv, y)
    resid = y - np.dot(x, params)
    xu = x * resid[:, None]
    weights = 1 - np.arange(maxlags + 1) / (maxlags + 1.0)
    inner = weights[0] * np.dot(xu.T, xu)
    for lag in range(1, maxlags + 1):
        s = np.dot(xu[lag:].T, xu[:-lag])
        inner += weights[lag] * (s + s.T)
    cov = np.dot(np.dot(normalized_cov, inner), normalized_cov.T)
    cov *= n / float(n - k)
    bse: FloatArray = np.sqrt(np.diag(cov))
    tvalues: FloatArray = params / bse
    pvalues: FloatArray = np.array([2.0 * ndtr(-abs(float(t))) for t in tvalues])
    q = ndtri(1 - (1.0 - confidence) / 2)
    bounds: FloatArray = np.column_stack([params - q * bse, params + q * bse])
    ssr = np.dot(resid, resid)
    # OLS is WLS with unit weights in statsmodels: its centred sum of squares is the
    # weighted formula, kept here term for term.
    unit = np.ones(n)
    mean = np.average(y, weights=unit)
    rsquared = float(1 - ssr / np.sum(unit * (y - mean) ** 2))
    df_resid = n - np.linalg.matrix_rank(x)
    rsquared_adj = float(1 - (np.divide(n - 1, df_resid) * (1 - rsquared)))
    return HacFit(params, bse, tvalues, pvalues, bounds, rsquared, rsquared_adj)
