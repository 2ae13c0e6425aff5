"""Overfitting diagnostics: PBO by CSCV, and in-sample vs out-of-sample degradation.

Probability of backtest overfitting (Bailey, Borwein, López de Prado & Zhu,
"The Probability of Backtest Overfitting", 2016), combinatorially symmetric
cross-validation (CSCV):

1. the ``T x N`` matrix of per-period returns of the ``N`` trials is cut into
   ``S`` (even) contiguous blocks of equal length (the last ``T mod S`` rows are
   dropped);
2. for each of the ``C(S, S/2)`` ways to choose half the blocks as in-sample
   (IS, the rest out-of-sample, OOS), the trial ``n*`` with the best IS Sharpe is
   found, and its OOS Sharpe's relative rank ``w = rank / (N + 1)`` among all
   trials (1 = worst, N = best) gives the logit ``lambda = ln(w / (1 - w))``;
3. ``PBO`` is the share of splits with ``lambda <= 0``: how often the IS winner
   lands in the bottom half out of sample. 0 is no sign of overfitting; near
   0.5 the selection is no better than chance; near 1 it picks losers.

Sharpe ratios here are per period (mean / standard deviation, ddof=1); ranks do
not depend on annualisation.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from rustybt.errors import ConfigError

__all__ = ["PBOResult", "degradation", "probability_of_backtest_overfitting"]


@dataclass(frozen=True)
class PBOResult:
    """PBO and the logits of every CSCV split (their histogram is the paper's figure)."""

    pbo: float
    logits: npt.NDArray[np.float64]
    n_splits: int
    n_trials: int

    @property
    def n_combinations(self) -> int:
        return len(self.logits)


def _block_sharpes(
    sums: npt.NDArray[np.float64],
    squares: npt.NDArray[np.float64],
    counts: npt.NDArray[np.float64],
    chosen: list[int],
) -> npt.NDArray[np.float64]:
    """Per-period Sharpe of each trial over the union of the ``chosen`` blocks."""
    n = counts[chosen].sum()
    total = sums[chosen].sum(axis=0)
    mean = total / n
    variance = (squares[chosen].sum(axis=0) - n * mean**2) / (n - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sharpe = mean / np.sqrt(np.maximum(variance, 0.0))
    return np.where(np.isfinite(sharpe), sharpe, -np.inf)


def probability_of_backtest_overfitting(
    returns: pd.DataFrame | npt.ArrayLike, n_splits: int = 16
) -> PBOResult:
    """PBO of choosing the best-Sharpe column of ``returns`` (rows: periods).

    NaN returns count as 0 (a flat period). See the module docstring for the method.
    """
    matrix = np.asarray(returns, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] < 2:
        raise ConfigError("PBO needs a (periods x trials) matrix with at least 2 trials")
    if n_splits < 2 or n_splits % 2:
        raise ConfigError("PBO's n_splits must be an even number >= 2", context={"n": n_splits})
    rows = matrix.shape[0] - matrix.shape[0] % n_splits
    if rows // n_splits < 2:
        raise ConfigError(
            f"PBO needs at least {2 * n_splits} periods for {n_splits} splits",
            context={"periods": matrix.shape[0]},
        )
    blocks = np.nan_to_num(matrix[:rows]).reshape(n_splits, rows // n_splits, -1)
    sums, squares = blocks.sum(axis=1), (blocks**2).sum(axis=1)
    counts = np.full(n_splits, rows // n_splits, dtype=np.float64)
    n_trials = matrix.shape[1]
    logits = []
    for chosen in itertools.combinations(range(n_splits), n_splits // 2):
        in_sample = list(chosen)
        out_sample = [b for b in range(n_splits) if b not in chosen]
        best = int(np.argmax(_block_sharpes(sums, squares, counts, in_sample)))
        oos = _block_sharpes(sums, squares, counts, out_sample)
        # Rank 1 = worst; ties share the average rank.
        rank = float((oos < oos[best]).sum()) + (float((oos == oos[best]).sum()) + 1.0) / 2.0
        omega = rank / (n_trials + 1)
        logits.append(math.log(omega / (1.0 - omega)))
    values = np.asarray(logits)
    return PBOResult(float((values <= 0).mean()), values, n_splits, n_trials)


def degradation(in_sample: npt.ArrayLike, out_of_sample: npt.ArrayLike) -> dict[str, float]:
    """How much of the in-sample objective survives out of sample.

    Returns the mean IS and OOS values, their ratio (OOS / IS), the slope of OOS
    on IS (least squares; negative means IS performance predicts nothing or
    worse) and the share of OOS values below zero.
    """
    is_values = np.asarray(in_sample, dtype=np.float64)
    oos_values = np.asarray(out_of_sample, dtype=np.float64)
    if is_values.shape != oos_values.shape or is_values.size == 0:
        raise ConfigError("degradation needs paired, non-empty IS and OOS values")
    ok = np.isfinite(is_values) & np.isfinite(oos_values)
    is_values, oos_values = is_values[ok], oos_values[ok]
    is_mean = float(is_values.mean()) if is_values.size else math.nan
    oos_mean = float(oos_values.mean()) if oos_values.size else math.nan
    slope = math.nan
    if is_values.size >= 2 and float(np.var(is_values)) > 0:
        slope = float(np.polyfit(is_values, oos_values, 1)[0])
    return {
        "is_mean": is_mean,
        "oos_mean": oos_mean,
        "ratio": oos_mean / is_mean
        if is_mean not in (0.0,) and math.isfinite(is_mean)
        else math.nan,
        "slope": slope,
        "oos_loss_share": float((oos_values < 0).mean()) if oos_values.size else math.nan,
    }
