"""Rolling attribution: factor betas and alpha, and Brinson effects, over a moving window.

Rolling regressions are plain OLS point estimates (no HAC: a window of a few
months is too short for a reliable long-run variance), computed for every
window at once from cumulative sums of the cross-products ``X'X``, ``X'y`` and
``y'y``, so 2,520 days x 4 factors take milliseconds.

Rolling Brinson links each trailing window with Carino: because the per-period
factor ``k_t`` does not depend on the window, the window's linked effect is
``(S_T - S_{T-w}) / K_window`` with ``S`` the running sum of ``c_t k_t``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rustybt.analytics.attribution._align import align_with_frame
from rustybt.analytics.attribution.brinson import EFFECTS, BrinsonAttribution
from rustybt.analytics.attribution.factors import ALPHA
from rustybt.analytics.attribution.linking import carino_coefficients
from rustybt.analytics.metrics.conventions import FloatArray, ReturnsInput
from rustybt.errors import ConfigError, ValidationError

__all__ = ["rolling_brinson", "rolling_factor_regression"]

MAX_CONDITION = 1e13


def _window_sums(values: FloatArray, window: int) -> FloatArray:
    """Sum over each trailing window (rows window-1 .. n-1) along axis 0."""
    zero = np.zeros((1, *values.shape[1:]))
    running = np.concatenate([zero, np.cumsum(values, axis=0)])
    sums: FloatArray = running[window:] - running[:-window]
    return sums


def _check_window(window: int, n: int, minimum: int) -> None:
    if window < minimum:
        raise ConfigError(
            f"window must be at least {minimum} periods",
            context={"window": window},
        )
    if window > n:
        raise ValidationError(
            f"window of {window} periods is longer than the {n} periods available",
            context={"window": window, "n": n},
        )


def rolling_factor_regression(
    returns: ReturnsInput,
    factors: pd.DataFrame,
    window: int = 126,
    *,
    columns: tuple[str, ...] | list[str] | None = None,
    risk_free: float | pd.Series | None = None,
    periods_per_year: float | None = None,
) -> pd.DataFrame:
    """Alpha, betas and R² of ``r - rf = alpha + sum_k beta_k f_k + e`` over trailing windows.

    Returns one row per window end (labelled by its last period) with columns
    ``alpha`` (per period), one beta per factor, ``annual_alpha`` (``(1 + alpha) ** P - 1``)
    and ``r_squared``. Windows with collinear factors give NaN.
    """
    chosen = (
        tuple(str(c) for c in factors.columns if str(c) != "RF")
        if columns is None
        else tuple(columns)
    )
    data = align_with_frame(
        returns, factors, chosen, risk_free=risk_free, periods_per_year=periods_per_year
    )
    n, k = data.regressors.shape
    _check_window(window, n, k + 2)
    y = data.returns - data.risk_free
    x = np.column_stack([np.ones(n), data.regressors])
    xtx = _window_sums(x[:, :, None] * x[:, None, :], window)
    xty = _window_sums(x * y[:, None], window)
    yty = _window_sums(y * y, window)
    ysum = _window_sums(y, window)
    # Collinear windows (e.g. a factor constant over the window) have a huge
    # condition number; their coefficients are not identified.
    ok = np.linalg.cond(xtx) < MAX_CONDITION
    safe = np.where(ok[:, None, None], xtx, np.eye(k + 1))
    beta = np.linalg.solve(safe, xty[:, :, None])[:, :, 0]
    beta[~ok] = np.nan
    residual_ss = yty - np.einsum("ij,ij->i", beta, xty)
    total_ss = yty - ysum * ysum / window
    r_squared = np.where(
        total_ss > 0, 1.0 - residual_ss / np.where(total_ss > 0, total_ss, 1.0), np.nan
    )
    index: pd.Index = (
        data.index[window - 1 :] if data.index is not None else pd.RangeIndex(window - 1, n)
    )
    frame = pd.DataFrame(beta, index=index, columns=[ALPHA, *chosen])
    frame["annual_alpha"] = (1.0 + frame[ALPHA]) ** data.periods_per_year - 1.0
    frame["r_squared"] = r_squared
    return frame


def rolling_brinson(attribution: BrinsonAttribution, window: int = 63) -> pd.DataFrame:
    """Allocation, selection, interaction and active return linked over trailing windows.

    Row ``T`` covers periods ``T - window + 1 .. T``; its effects sum exactly to
    ``prod(1 + R_t) - prod(1 + B_t)`` over that window.
    """
    per_period = attribution.per_period()
    n = len(per_period)
    _check_window(window, n, 1)
    port = attribution.portfolio_return.to_numpy(dtype=np.float64)
    bench = attribution.benchmark_return.to_numpy(dtype=np.float64)
    k = carino_coefficients(port, bench)
    effects = per_period[list(EFFECTS)].to_numpy(dtype=np.float64)
    scaled = _window_sums(effects * k[:, None], window)
    log_port = _window_sums(np.log1p(port), window)
    log_bench = _window_sums(np.log1p(bench), window)
    total_port = np.expm1(log_port)
    total_bench = np.expm1(log_bench)
    big_k = carino_coefficients(total_port, total_bench)
    linked = scaled / big_k[:, None]
    frame = pd.DataFrame(linked, index=per_period.index[window - 1 :], columns=list(EFFECTS))
    frame["active"] = total_port - total_bench
    return frame
