"""Exact multi-period linking of per-period attribution effects (Carino 1999).

Per-period effects ``c[t, j]`` that add up to a per-period total ``R_t - B_t``
do not add up to the compounded total ``prod(1 + R_t) - prod(1 + B_t)``: the
periods compound. Carino's logarithmic smoothing scales each period by

    k_t = (ln(1 + R_t) - ln(1 + B_t)) / (R_t - B_t)      (1 / (1 + R_t) when R_t = B_t)
    K   = (ln(1 + R) - ln(1 + B)) / (R - B)               (R, B compounded totals)

and links as ``C_j = sum_t c[t, j] * k_t / K``. Then ``sum_j C_j = R - B``
exactly (up to float rounding), because ``sum_t (R_t - B_t) k_t = ln(1 + R) -
ln(1 + B)``. With ``B = 0`` the same formula links the pieces of one return
(log-return linking): each period's share of ``ln(1 + R_t)`` is spread over its
components in proportion to their simple-return contribution.

Reference: Carino, D. (1999). "Combining Attribution Effects Over Time".
Journal of Performance Measurement 3(4), 5-14.
"""

from __future__ import annotations

import numpy as np

from rustybt.analytics.metrics.conventions import FloatArray
from rustybt.errors import ValidationError

__all__ = ["carino_coefficients", "cumulative_carino", "link_carino"]


def _log_ratio_over_difference(portfolio: FloatArray, benchmark: FloatArray) -> FloatArray:
    # ln(1+R) - ln(1+B) = log1p(x) with x = (R - B) / (1 + B); log1p(x) / x -> 1
    # as x -> 0, so this form has no 0/0 at R = B and no cancellation near it.
    if (portfolio <= -1.0).any() or (benchmark <= -1.0).any():
        raise ValidationError(
            "a return of -100% or worse cannot be linked (the log is undefined)",
            context={
                "min_portfolio": float(portfolio.min()),
                "min_benchmark": float(benchmark.min()),
            },
        )
    difference = portfolio - benchmark
    x = difference / (1.0 + benchmark)
    small = np.abs(x) < 1e-12
    safe_x = np.where(small, 1.0, x)
    ratio = np.where(small, 1.0 - x / 2.0, np.log1p(safe_x) / safe_x)
    result: FloatArray = ratio / (1.0 + benchmark)
    return result


def carino_coefficients(portfolio: FloatArray, benchmark: FloatArray | None = None) -> FloatArray:
    """Per-period Carino factors ``k_t`` (see the module docstring)."""
    port = np.asarray(portfolio, dtype=np.float64)
    bench = np.zeros_like(port) if benchmark is None else np.asarray(benchmark, dtype=np.float64)
    return _log_ratio_over_difference(port, bench)


def _compounded(returns: FloatArray) -> FloatArray:
    growth: FloatArray = np.expm1(np.cumsum(np.log1p(returns)))
    return growth


def link_carino(
    components: FloatArray, portfolio: FloatArray, benchmark: FloatArray | None = None
) -> FloatArray:
    """Link ``components`` (periods x effects) over all periods: ``C_j = sum_t c_tj k_t / K``.

    ``sum(C) == prod(1 + portfolio) - prod(1 + benchmark)`` when each row of
    ``components`` sums to ``portfolio_t - benchmark_t``.
    """
    cumulative = cumulative_carino(components, portfolio, benchmark)
    if cumulative.shape[0] == 0:
        return np.zeros(np.asarray(components).shape[1:], dtype=np.float64)
    last: FloatArray = cumulative[-1]
    return last


def cumulative_carino(
    components: FloatArray, portfolio: FloatArray, benchmark: FloatArray | None = None
) -> FloatArray:
    """Linked effects from the first period to each period ``T`` (same shape as ``components``).

    Row ``T`` is ``sum_{t<=T} c_t k_t / K_T`` with ``K_T`` from the totals
    compounded to ``T``; it sums to ``R_T - B_T`` at every ``T``.
    """
    comps = np.asarray(components, dtype=np.float64)
    port = np.asarray(portfolio, dtype=np.float64)
    bench = np.zeros_like(port) if benchmark is None else np.asarray(benchmark, dtype=np.float64)
    squeeze = comps.ndim == 1
    if squeeze:
        comps = comps[:, None]
    if comps.shape[0] != port.shape[0] or bench.shape != port.shape:
        raise ValidationError(
            "components, portfolio and benchmark returns need one row per period",
            context={
                "components": comps.shape,
                "portfolio": port.shape,
                "benchmark": bench.shape,
            },
        )
    k = _log_ratio_over_difference(port, bench)
    big_k = _log_ratio_over_difference(_compounded(port), _compounded(bench))
    linked: FloatArray = np.cumsum(comps * k[:, None], axis=0) / big_k[:, None]
    return linked[:, 0] if squeeze else linked
