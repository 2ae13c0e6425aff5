"""Market-timing regressions: Treynor-Mazuy and Merton-Henriksson, with HAC errors.

With excess returns ``y_t = r_t - rf_t`` and ``x_t = m_t - rf_t``:

* Treynor & Mazuy (1966): ``y_t = alpha + beta x_t + gamma x_t ** 2 + e_t``. A
  timer raises exposure before up markets, which bends the line upward:
  ``gamma > 0``.
* Merton & Henriksson (1981): ``y_t = alpha + beta x_t + gamma max(0, x_t) + e_t``.
  ``beta`` is the down-market beta and ``beta + gamma`` the up-market beta;
  ``gamma > 0`` means more exposure in up markets.

Both are fitted by `factors.fit_aligned` (OLS, Newey-West errors, the lag rule
documented there); the test of ``gamma`` is one-sided in spirit but the p-value
reported is the usual two-sided one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from rustybt.analytics.attribution._align import align_with_frame, as_series
from rustybt.analytics.attribution.factors import MARKET, FactorRegression, fit_aligned
from rustybt.analytics.metrics.conventions import ReturnsInput
from rustybt.errors import ConfigError

__all__ = ["TimingRegression", "merton_henriksson", "treynor_mazuy"]

TIMING = "timing"


@dataclass(frozen=True)
class TimingRegression:
    """A timing regression: the fitted model and the timing coefficient ``gamma``."""

    model: str
    regression: FactorRegression

    @property
    def gamma(self) -> float:
        return float(self.regression.coefficients[TIMING])

    @property
    def gamma_t_stat(self) -> float:
        return float(self.regression.t_stats[TIMING])

    @property
    def gamma_p_value(self) -> float:
        return float(self.regression.p_values[TIMING])

    @property
    def beta(self) -> float:
        return float(self.regression.coefficients[MARKET])

    @property
    def significant(self) -> bool:
        return self.gamma_p_value < 1.0 - self.regression.confidence

    def summary(self) -> str:
        level = round((1.0 - self.regression.confidence) * 100)
        if self.significant:
            verdict = (
                "evidence of market timing skill"
                if self.gamma > 0
                else "evidence of perverse timing (more exposure before falls)"
            )
        else:
            verdict = f"no significant timing at the {level}% level"
        return (
            f"{self.model}: timing coefficient {self.gamma:.4g} (t = {self.gamma_t_stat:.2f}, "
            f"p = {self.gamma_p_value:.3f}), beta {self.beta:.3f}: {verdict}."
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "model": self.model,
            "gamma": self.gamma,
            "gamma_t_stat": self.gamma_t_stat,
            "gamma_p_value": self.gamma_p_value,
            "beta": self.beta,
            "alpha": self.regression.alpha,
            "significant": self.significant,
            "summary": self.summary(),
        }


def _timing_fit(
    model: str,
    returns: ReturnsInput,
    market: ReturnsInput,
    *,
    risk_free: float | pd.Series,
    maxlags: int | None,
    confidence: float,
    periods_per_year: float | None,
) -> TimingRegression:
    frame = pd.DataFrame({MARKET: as_series(market, returns)})
    data = align_with_frame(
        returns, frame, (MARKET,), risk_free=risk_free, periods_per_year=periods_per_year
    )
    x = data.regressors[:, 0] - data.risk_free
    if model == "Treynor-Mazuy":
        extra = x * x
    elif model == "Merton-Henriksson":
        extra = np.maximum(0.0, x)
    else:
        raise ConfigError(f"unknown timing model {model!r}", context={"model": model})
    data = replace(data, regressors=np.column_stack([x, extra]), columns=(MARKET, TIMING))
    return TimingRegression(model, fit_aligned(data, maxlags=maxlags, confidence=confidence))


def treynor_mazuy(
    returns: ReturnsInput,
    market: ReturnsInput,
    *,
    risk_free: float | pd.Series = 0.0,
    maxlags: int | None = None,
    confidence: float = 0.95,
    periods_per_year: float | None = None,
) -> TimingRegression:
    """Treynor-Mazuy: ``r - rf = alpha + beta (m - rf) + gamma (m - rf) ** 2 + e`` (HAC)."""
    return _timing_fit(
        "Treynor-Mazuy",
        returns,
        market,
        risk_free=risk_free,
        maxlags=maxlags,
        confidence=confidence,
        periods_per_year=periods_per_year,
    )


def merton_henriksson(
    returns: ReturnsInput,
    market: ReturnsInput,
    *,
    risk_free: float | pd.Series = 0.0,
    maxlags: int | None = None,
    confidence: float = 0.95,
    periods_per_year: float | None = None,
) -> TimingRegression:
    """Merton-Henriksson: ``r - rf = alpha + beta (m - rf) + gamma max(0, m - rf) + e`` (HAC)."""
    return _timing_fit(
        "Merton-Henriksson",
        returns,
        market,
        risk_free=risk_free,
        maxlags=maxlags,
        confidence=confidence,
        periods_per_year=periods_per_year,
    )
