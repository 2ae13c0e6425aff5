"""The few distribution functions the risk tables need, without importing scipy.

``import scipy.stats`` costs about half a second (it builds every
distribution's docstring) and ``scipy.special`` alone 0.2-0.3 s; a report only
needs the normal, Student-t and chi-squared functions below, computed in pure
Python by `rustybt.analytics.metrics.special` (``norm.ppf`` is ``ndtri``,
``t.ppf`` is ``stdtrit``, ``chi2.sf`` is ``chdtrc``). Tests compare them with
scipy.stats to 1e-12. The F log-density (the Student-t Monte Carlo fit only)
uses scipy.special, imported when called.
"""

from __future__ import annotations

import math

import numpy as np

from rustybt.analytics.metrics.conventions import FloatArray
from rustybt.analytics.metrics.special import chdtrc, ndtr, ndtri, stdtrit

__all__ = [
    "chi2_sf",
    "f_logpdf",
    "norm_cdf",
    "norm_pdf",
    "norm_ppf",
    "row_kurtosis",
    "row_skew",
    "t_ppf",
]

_SQRT_2PI = math.sqrt(2.0 * math.pi)


def norm_ppf(q: float) -> float:
    """Standard normal quantile (``scipy.stats.norm.ppf``)."""
    return ndtri(q)


def norm_cdf(x: float) -> float:
    """Standard normal distribution function (``scipy.stats.norm.cdf``)."""
    return ndtr(x)


def norm_pdf(x: float) -> float:
    """Standard normal density ``exp(-x^2 / 2) / sqrt(2 pi)`` (``scipy.stats.norm.pdf``)."""
    return float(np.exp(-(x**2) / 2.0) / _SQRT_2PI)


def t_ppf(q: float, dof: float) -> float:
    """Student-t quantile with ``dof`` degrees of freedom (``scipy.stats.t.ppf``)."""
    return stdtrit(dof, q)


def chi2_sf(x: float, dof: int) -> float:
    """``P(chi2(dof) > x)`` for a whole number ``dof`` (``scipy.stats.chi2.sf``)."""
    return chdtrc(dof, x)


def f_logpdf(x: FloatArray, dfn: float, dfd: float) -> FloatArray:
    """Log density of the F distribution (``scipy.stats.f.logpdf``), for ``x > 0``.

    ``m/2 ln m + n/2 ln n + (n/2 - 1) ln x - ((n + m)/2) ln(m + n x) - ln B(n/2, m/2)``.
    """
    from scipy import special  # only the Student-t Monte Carlo fit needs this

    n, m = 1.0 * dfn, 1.0 * dfd
    out: FloatArray = (
        m / 2 * np.log(m)
        + n / 2 * np.log(n)
        + special.xlogy(n / 2 - 1, x)
        - (((n + m) / 2) * np.log(m + n * x) + special.betaln(n / 2, m / 2))
    )
    return out


def _row_moments(rows: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Per row: mean, and the 2nd, 3rd and 4th central moments (biased)."""
    mean = rows.mean(axis=1, keepdims=True)
    deviations = rows - mean
    squared = deviations * deviations
    return (
        mean[:, 0],
        squared.mean(axis=1),
        (squared * deviations).mean(axis=1),
        (squared * squared).mean(axis=1),
    )


def _degenerate(mean: FloatArray, m2: FloatArray) -> np.ndarray[tuple[int], np.dtype[np.bool_]]:
    # scipy's rule: a variance at floating-point noise level has no shape.
    resolution = float(np.finfo(np.float64).resolution)
    flags: np.ndarray[tuple[int], np.dtype[np.bool_]] = m2 <= (resolution * mean) ** 2
    return flags


def row_skew(rows: FloatArray) -> FloatArray:
    """Biased skewness of each row (``scipy.stats.skew(rows, axis=1)``); NaN when constant."""
    mean, m2, m3, _ = _row_moments(rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = np.where(_degenerate(mean, m2), np.nan, m3 / m2**1.5)
    return out


def row_kurtosis(rows: FloatArray) -> FloatArray:
    """Fisher excess kurtosis of each row (``scipy.stats.kurtosis(rows, axis=1)``)."""
    mean, m2, _, m4 = _row_moments(rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = np.where(_degenerate(mean, m2), np.nan, m4 / (m2 * m2) - 3.0)
    return out
