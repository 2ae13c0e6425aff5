"""Is the alpha real, and is the Sharpe ratio luck?

* `bootstrap_alpha`: the stationary bootstrap of Politis & Romano (1994)
  resamples whole rows (returns with their factors, so the cross-correlation is
  kept) in blocks of random geometric length with mean ``block_length`` (default
  ``ceil(n ** (1/3))``), which keeps the short-range autocorrelation. Alpha is
  re-estimated by OLS on every resample; the interval is the percentile interval
  and the p-value is two-sided, from the resampled alphas centred on the
  estimate (the null "alpha = 0" shifted distribution).
* `sharpe_luck`: the probabilistic Sharpe ratio (Bailey & López de Prado 2012,
  `metrics.sharpe_inference`) gives ``P(true Sharpe > 0)``; one minus it is the
  chance the observed Sharpe is luck. A sign-randomisation test adds a
  distribution-free check: under "no edge" the excess returns are symmetric
  around 0, so flipping their signs at random gives Sharpe ratios a luckless
  strategy could have shown; the p-value is the share at least as high as the
  observed one (with the usual +1 correction).

Both take a ``seed`` and give the same answer for the same seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rustybt.analytics.attribution._align import Aligned, align_with_frame
from rustybt.analytics.metrics.conventions import (
    FloatArray,
    ReturnsInput,
    per_period_rate,
    prepare_returns,
)
from rustybt.analytics.metrics.sharpe_inference import probabilistic_sharpe_ratio
from rustybt.errors import ConfigError, ValidationError

__all__ = [
    "AlphaBootstrap",
    "SharpeLuck",
    "bootstrap_alpha",
    "bootstrap_alpha_aligned",
    "sharpe_luck",
    "stationary_bootstrap_indices",
]

#: Rows of bootstrap indices drawn per chunk (bounds memory to ~chunk x n ints).
CHUNK = 128


def stationary_bootstrap_indices(
    n: int, n_samples: int, block_length: float, rng: np.random.Generator
) -> np.ndarray:
    """``n_samples`` x ``n`` row indices of the stationary bootstrap (wrapping around).

    Each position starts a new block with probability ``1 / block_length``
    (at a uniform random row), otherwise continues with the next row.
    """
    if block_length < 1.0:
        raise ConfigError("block_length must be >= 1", context={"block_length": block_length})
    starts = rng.integers(0, n, size=(n_samples, n))
    new_block = rng.random((n_samples, n)) < 1.0 / block_length
    new_block[:, 0] = True
    positions = np.arange(n)
    # Index of the last block start at or before each position, per sample.
    last_start = np.maximum.accumulate(np.where(new_block, positions, 0), axis=1)
    start_rows = np.take_along_axis(starts, last_start, axis=1)
    indices: np.ndarray = (start_rows + (positions - last_start)) % n
    return indices


@dataclass(frozen=True)
class AlphaBootstrap:
    """Bootstrap distribution summary of the per-period alpha."""

    alpha: float
    interval: tuple[float, float]
    p_value: float
    n_samples: int
    block_length: float
    confidence: float
    periods_per_year: float
    seed: int

    @property
    def annual_alpha(self) -> float:
        return float((1.0 + self.alpha) ** self.periods_per_year - 1.0)

    @property
    def annual_interval(self) -> tuple[float, float]:
        low, high = self.interval
        p = self.periods_per_year
        return (float((1.0 + low) ** p - 1.0), float((1.0 + high) ** p - 1.0))

    @property
    def significant(self) -> bool:
        low, high = self.interval
        return low > 0.0 or high < 0.0

    def summary(self) -> str:
        low, high = self.annual_interval
        level = round(self.confidence * 100)
        verdict = (
            "the interval excludes zero, so the alpha is unlikely to be luck"
            if self.significant
            else "the interval includes zero, so the alpha may well be luck"
        )
        return (
            f"Bootstrapped alpha: {self.annual_alpha * 100:.2f}% a year, {level}% interval "
            f"{low * 100:.2f}% to {high * 100:.2f}% ({self.n_samples} stationary-bootstrap "
            f"samples, mean block {self.block_length:.1f} periods, p = {self.p_value:.3f}): {verdict}."
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "alpha": self.alpha,
            "annual_alpha": self.annual_alpha,
            "interval": list(self.interval),
            "annual_interval": list(self.annual_interval),
            "p_value": self.p_value,
            "n_samples": self.n_samples,
            "block_length": self.block_length,
            "confidence": self.confidence,
            "seed": self.seed,
            "significant": self.significant,
            "summary": self.summary(),
        }


def _ols_alphas(y: FloatArray, x: FloatArray, rows: np.ndarray) -> FloatArray:
    # Batched normal equations: (X_b'X_b) beta = X_b'y_b for every resample at once.
    xb = x[rows]
    yb = y[rows]
    xtx = np.einsum("sni,snj->sij", xb, xb)
    xty = np.einsum("sni,sn->si", xb, yb)
    solved: FloatArray = np.linalg.solve(xtx, xty[:, :, None])[:, 0, 0]
    return solved


def bootstrap_alpha_aligned(
    data: Aligned,
    *,
    n_samples: int = 1000,
    block_length: float | None = None,
    confidence: float = 0.95,
    seed: int = 0,
) -> AlphaBootstrap:
    """`bootstrap_alpha` on already aligned data (e.g. a regression's inputs)."""
    n = len(data)
    if n < data.regressors.shape[1] + 3:
        raise ValidationError("too few periods to bootstrap alpha", context={"n_obs": n})
    if n_samples < 100:
        raise ConfigError("use at least 100 bootstrap samples", context={"n_samples": n_samples})
    if not 0.0 < confidence < 1.0:
        raise ConfigError("confidence must be between 0 and 1", context={"confidence": confidence})
    length = float(math.ceil(n ** (1.0 / 3.0))) if block_length is None else float(block_length)
    y = data.returns - data.risk_free
    x = np.column_stack([np.ones(n), data.regressors])
    estimate = float(np.linalg.lstsq(x, y, rcond=None)[0][0])
    rng = np.random.default_rng(seed)
    alphas = np.empty(n_samples)
    for start in range(0, n_samples, CHUNK):
        size = min(CHUNK, n_samples - start)
        rows = stationary_bootstrap_indices(n, size, length, rng)
        alphas[start : start + size] = _ols_alphas(y, x, rows)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(alphas, [tail, 1.0 - tail])
    centred = alphas - estimate
    extreme = int(np.count_nonzero(np.abs(centred) >= abs(estimate)))
    return AlphaBootstrap(
        alpha=estimate,
        interval=(float(low), float(high)),
        p_value=(extreme + 1) / (n_samples + 1),
        n_samples=n_samples,
        block_length=length,
        confidence=confidence,
        periods_per_year=data.periods_per_year,
        seed=seed,
    )


def bootstrap_alpha(
    returns: ReturnsInput,
    factors: pd.DataFrame,
    *,
    columns: tuple[str, ...] | list[str] | None = None,
    risk_free: float | pd.Series | None = None,
    n_samples: int = 1000,
    block_length: float | None = None,
    confidence: float = 0.95,
    seed: int = 0,
    periods_per_year: float | None = None,
) -> AlphaBootstrap:
    """Stationary-bootstrap interval and p-value for the factor-model alpha.

    Same model and inputs as `factors.factor_regression`; see the module
    docstring for the resampling scheme.
    """
    chosen = (
        tuple(str(c) for c in factors.columns if str(c) != "RF")
        if columns is None
        else tuple(columns)
    )
    data = align_with_frame(
        returns, factors, chosen, risk_free=risk_free, periods_per_year=periods_per_year
    )
    return bootstrap_alpha_aligned(
        data,
        n_samples=n_samples,
        block_length=block_length,
        confidence=confidence,
        seed=seed,
    )


@dataclass(frozen=True)
class SharpeLuck:
    """How likely a Sharpe ratio this high is without skill."""

    sharpe_ratio: float
    probabilistic_sharpe: float
    sign_test_p_value: float
    n_obs: int
    n_permutations: int
    seed: int

    @property
    def luck_probability(self) -> float:
        """``1 - PSR``: the probability that the true Sharpe ratio is 0 or less."""
        return 1.0 - self.probabilistic_sharpe

    def summary(self) -> str:
        return (
            f"Sharpe ratio {self.sharpe_ratio:.2f} over {self.n_obs} periods: the probability "
            f"that the true Sharpe ratio is zero or less (that this is luck) is "
            f"{self.luck_probability * 100:.1f}% (probabilistic Sharpe ratio "
            f"{self.probabilistic_sharpe * 100:.1f}%); a strategy with no edge shows a Sharpe "
            f"this high in {self.sign_test_p_value * 100:.1f}% of "
            f"{self.n_permutations} sign-randomised trials."
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "sharpe_ratio": self.sharpe_ratio,
            "probabilistic_sharpe": self.probabilistic_sharpe,
            "luck_probability": self.luck_probability,
            "sign_test_p_value": self.sign_test_p_value,
            "n_obs": self.n_obs,
            "n_permutations": self.n_permutations,
            "seed": self.seed,
            "summary": self.summary(),
        }


def _sharpe_rows(values: FloatArray) -> FloatArray:
    mean = values.mean(axis=-1)
    std = values.std(axis=-1, ddof=1)
    ratio: FloatArray = np.divide(mean, std, out=np.zeros_like(mean), where=std > 0)
    return ratio


def sharpe_luck(
    returns: ReturnsInput,
    *,
    risk_free: float = 0.0,
    n_permutations: int = 2000,
    seed: int = 0,
    periods_per_year: float | None = None,
) -> SharpeLuck:
    """Probability that the observed Sharpe ratio is luck (PSR and a sign-randomisation test).

    ``sharpe_ratio`` is annualised: ``mean(r - rf_p) / std(r - rf_p) * sqrt(P)``.
    """
    prepared = prepare_returns(returns, periods_per_year)
    n = len(prepared)
    if n < 3:
        raise ValidationError("need at least 3 returns to judge a Sharpe ratio", context={"n": n})
    if n_permutations < 100:
        raise ConfigError(
            "use at least 100 sign randomisations", context={"n_permutations": n_permutations}
        )
    periods = prepared.periods_per_year
    excess = prepared.values - per_period_rate(risk_free, periods)
    observed = float(_sharpe_rows(excess))
    rng = np.random.default_rng(seed)
    at_least = 0
    for start in range(0, n_permutations, CHUNK):
        size = min(CHUNK, n_permutations - start)
        signs = rng.integers(0, 2, size=(size, n)) * 2.0 - 1.0
        at_least += int(np.count_nonzero(_sharpe_rows(signs * excess) >= observed))
    psr = probabilistic_sharpe_ratio(prepared.values, risk_free=risk_free, periods_per_year=periods)
    return SharpeLuck(
        sharpe_ratio=observed * math.sqrt(periods),
        probabilistic_sharpe=psr,
        sign_test_p_value=(at_least + 1) / (n_permutations + 1),
        n_obs=n,
        n_permutations=n_permutations,
        seed=seed,
    )
