"""Tail risk: shape, worst losses, drawdown at risk and an extreme-value tail fit.

Signs follow the package convention: losses, drawdowns, VaR and ES are
negative returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rustybt.analytics.metrics.conventions import FloatArray, ReturnsInput, prepare_returns
from rustybt.analytics.metrics.distribution import kurtosis, skew, tail_ratio
from rustybt.analytics.risk.var import check_level, horizon_returns, tail_probability
from rustybt.errors import ConfigError, DataNotFound

__all__ = [
    "GPDTail",
    "TailRisk",
    "drawdown_at_risk",
    "gpd_tail",
    "tail_risk",
    "worst_losses",
]

WORST_HORIZONS: tuple[int, ...] = (1, 5, 10, 21)


def worst_losses(
    returns: ReturnsInput, horizons: Sequence[int] = WORST_HORIZONS
) -> pd.Series[float]:
    """Worst compounded return over any ``N`` consecutive periods, for each N.

    Formula: ``min_t prod(1 + r_{t-N+1..t}) - 1`` (overlapping windows). NaN
    when the series is shorter than N.
    """
    values = prepare_returns(returns, 1.0).values
    out = {}
    for n in horizons:
        if n < 1:
            raise ConfigError("horizons are whole numbers of periods >= 1", context={"horizon": n})
        window = horizon_returns(values, n)
        out[f"worst_{n}"] = float(window.min()) if window.shape[0] else float("nan")
    return pd.Series(out, name="worst_loss", dtype=np.float64)


def _max_drawdowns(paths: FloatArray) -> FloatArray:
    growth = np.cumprod(1.0 + paths, axis=1)
    peaks = np.maximum(np.maximum.accumulate(growth, axis=1), 1.0)
    worst: FloatArray = (growth / peaks - 1.0).min(axis=1)
    return np.minimum(worst, 0.0)


def drawdown_at_risk(
    returns: ReturnsInput,
    level: float = 0.95,
    *,
    horizon: int = 252,
    n_paths: int = 5_000,
    seed: int | None = 0,
) -> tuple[float, float]:
    """(bootstrap DaR, historical DaR) at ``level``.

    * bootstrap: the ``1 - level`` quantile of the maximum drawdown over
      ``horizon`` periods, over ``n_paths`` paths resampled i.i.d. from the
      returns (``np.random.default_rng(seed)``). "With 95% confidence, the worst
      drawdown over the next year is no deeper than this."
    * historical: the ``1 - level`` quantile of the observed underwater curve
      (drawdown from the running peak on every date).

    Both are negative (drawdowns). The bootstrap ignores volatility clustering,
    which deepens real drawdowns.
    """
    check_level(level)
    values = prepare_returns(returns, 1.0).values
    if values.shape[0] < 2:
        raise DataNotFound(
            "need at least two returns for drawdown at risk", context={"n": values.shape[0]}
        )
    rng = np.random.default_rng(seed)
    paths = values[rng.integers(0, values.shape[0], size=(n_paths, horizon))]
    boot = float(np.quantile(_max_drawdowns(paths), tail_probability(level)))
    growth = np.cumprod(1.0 + values)
    underwater = growth / np.maximum(np.maximum.accumulate(growth), 1.0) - 1.0
    hist = float(np.quantile(np.minimum(underwater, 0.0), tail_probability(level)))
    return boot, hist


@dataclass(frozen=True, slots=True)
class GPDTail:
    """Peaks-over-threshold fit of the loss tail (generalised Pareto).

    Attributes:
        threshold: the loss threshold ``u`` (a positive loss, e.g. 0.018).
        xi: shape (> 0: heavy, power-law tail; 0: exponential; < 0: bounded).
        beta: scale.
        n_exceedances: losses above ``u`` used in the fit.
        n: all observations.
        var: GPD VaR at ``level`` as a return (negative).
        es: GPD expected shortfall at ``level`` as a return (negative).
        level: the confidence of ``var``/``es``.
    """

    threshold: float
    xi: float
    beta: float
    n_exceedances: int
    n: int
    var: float
    es: float
    level: float


def gpd_tail(
    returns: ReturnsInput, level: float = 0.99, *, threshold_quantile: float = 0.95
) -> GPDTail:
    """Fit a generalised Pareto distribution to losses beyond a high threshold.

    Losses ``L = -r``; ``u`` is their ``threshold_quantile`` quantile; the
    excesses ``L - u`` over ``u`` are fitted by ``scipy.stats.genpareto``
    (location 0), giving ``xi`` and ``beta``. With ``N_u`` exceedances of ``n``:

    * ``VaR_q = u + beta / xi * ((n / N_u * (1 - q)) ^ -xi - 1)``
      (``u + beta * ln(N_u / (n (1 - q)))`` when ``xi = 0``);
    * ``ES_q = (VaR_q + beta - xi u) / (1 - xi)`` (finite for ``xi < 1``).

    Both are reported as returns (negated losses). Needs ``level`` beyond the
    threshold and at least 20 exceedances.
    """
    check_level(level)
    if not 0.5 < threshold_quantile < level:
        raise ConfigError(
            "threshold_quantile must be above 0.5 and below level",
            context={"threshold_quantile": threshold_quantile, "level": level},
        )
    losses = -prepare_returns(returns, 1.0).values
    n = int(losses.shape[0])
    threshold = float(np.quantile(losses, threshold_quantile)) if n else float("nan")
    excess = losses[losses > threshold] - threshold
    if excess.shape[0] < 20:
        raise DataNotFound(
            "too few losses beyond the threshold for a GPD fit (need 20)",
            context={"exceedances": int(excess.shape[0]), "n": n},
            hint="use a longer history or a lower threshold_quantile",
        )
    from scipy import stats  # ~0.5 s to import: only the GPD fit needs it

    xi, _, beta = (float(v) for v in stats.genpareto.fit(excess, floc=0.0))
    ratio = n / excess.shape[0] * (tail_probability(level))
    if abs(xi) < 1e-9:
        var_loss = threshold - beta * np.log(ratio)
    else:
        var_loss = threshold + beta / xi * (ratio ** (-xi) - 1.0)
    es_loss = (var_loss + beta - xi * threshold) / (1.0 - xi) if xi < 1.0 else float("inf")
    return GPDTail(
        threshold, xi, beta, int(excess.shape[0]), n, -float(var_loss), -float(es_loss), level
    )


@dataclass(frozen=True)
class TailRisk:
    """Tail summary of one return series.

    Attributes:
        skew: sample skewness.
        excess_kurtosis: Fisher excess kurtosis (0 for normal).
        tail_ratio: ``|p95| / |p5|``.
        worst: worst N-period compounded returns (`worst_losses`).
        drawdown_at_risk: bootstrap DaR at ``level`` (negative).
        historical_drawdown_at_risk: quantile of the underwater curve (negative).
        level: confidence of the DaR.
        gpd: the GPD tail fit, or None when the data are too short.
    """

    skew: float
    excess_kurtosis: float
    tail_ratio: float
    worst: pd.Series[float]
    drawdown_at_risk: float
    historical_drawdown_at_risk: float
    level: float
    gpd: GPDTail | None = field(default=None)

    def to_series(self) -> pd.Series[float]:
        """Every scalar in one Series (GPD fields prefixed ``gpd_``)."""
        data = {
            "skew": self.skew,
            "excess_kurtosis": self.excess_kurtosis,
            "tail_ratio": self.tail_ratio,
            **{k: float(v) for k, v in self.worst.items()},
            "drawdown_at_risk": self.drawdown_at_risk,
            "historical_drawdown_at_risk": self.historical_drawdown_at_risk,
        }
        if self.gpd is not None:
            data.update(
                {
                    "gpd_threshold": self.gpd.threshold,
                    "gpd_xi": self.gpd.xi,
                    "gpd_beta": self.gpd.beta,
                    "gpd_var": self.gpd.var,
                    "gpd_es": self.gpd.es,
                }
            )
        return pd.Series(data, name="tail_risk", dtype=np.float64)


def tail_risk(
    returns: ReturnsInput,
    *,
    level: float = 0.95,
    gpd_level: float = 0.99,
    dar_horizon: int = 252,
    n_paths: int = 5_000,
    seed: int | None = 0,
    gpd: bool = True,
) -> TailRisk:
    """Skew, kurtosis, tail ratio, worst 1/5/10/21-period losses, DaR and a GPD fit.

    The GPD fit is None (not an error) when there are fewer than 20 losses
    beyond the 95th percentile (under about 400 observations), or when
    ``gpd=False`` (it needs scipy.stats, ~0.5 s to import: the report skips it).
    """
    boot, hist = drawdown_at_risk(returns, level, horizon=dar_horizon, n_paths=n_paths, seed=seed)
    fit: GPDTail | None = None
    if gpd:
        try:
            fit = gpd_tail(returns, gpd_level)
        except DataNotFound:
            fit = None  # short histories have no usable tail; the other figures still stand
    return TailRisk(
        skew=skew(returns),
        excess_kurtosis=kurtosis(returns),
        tail_ratio=tail_ratio(returns),
        worst=worst_losses(returns),
        drawdown_at_risk=boot,
        historical_drawdown_at_risk=hist,
        level=level,
        gpd=fit,
    )
