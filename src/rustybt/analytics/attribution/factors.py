"""Returns-based attribution: regress excess returns on factors with HAC errors.

Model (per period ``t``, ``rf_t`` the per-period risk-free rate)::

    r_t - rf_t = alpha + sum_k beta_k * f_{k,t} + e_t

fitted by OLS (in numpy, statsmodels' arithmetic, see `ols_hac`). Standard errors are
Newey-West (HAC, Bartlett kernel, small-sample correction), robust to the heteroskedasticity and
autocorrelation daily returns show. The lag length follows Newey & West (1994)'s
rule of thumb ``L = floor(4 * (n / 100) ** (2 / 9))`` (9 lags for 20 years of
daily data) unless ``maxlags`` is given. Inference uses the normal distribution,
as is usual with HAC errors.

The fitted model decomposes every period's total return exactly::

    r_t = rf_t + alpha + sum_k beta_k f_{k,t} + residual_t

(the residual is defined as what is left, so the identity holds to float
rounding, ~1e-17). Cumulative contributions link the pieces with Carino's
log-return method (`linking`), so they add up to the compounded total return.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rustybt.analytics.attribution._align import Aligned, align_with_frame, as_series
from rustybt.analytics.attribution.linking import cumulative_carino
from rustybt.analytics.attribution.ols_hac import ols_hac
from rustybt.analytics.metrics.conventions import FloatArray, ReturnsInput
from rustybt.errors import ConfigError, ValidationError

if TYPE_CHECKING:
    from rustybt.engine.result import BacktestResult

__all__ = [
    "CARHART4",
    "FF3",
    "FactorRegression",
    "capm_data",
    "capm_regression",
    "factor_regression",
    "fama_french_regression",
    "newey_west_maxlags",
]

FF3: tuple[str, ...] = ("Mkt-RF", "SMB", "HML")
CARHART4: tuple[str, ...] = ("Mkt-RF", "SMB", "HML", "Mom")
MARKET = "Mkt-RF"
ALPHA = "alpha"
RISK_FREE = "risk_free"
RESIDUAL = "residual"


def newey_west_maxlags(n: int) -> int:
    """Newey & West (1994) lag length: ``floor(4 * (n / 100) ** (2 / 9))``."""
    if n <= 0:
        return 0
    lags: int = math.floor(4.0 * (n / 100.0) ** (2.0 / 9.0))
    return lags


def _annualise(per_period: float, periods_per_year: float) -> float:
    # Geometric, like empyrical's alpha: a daily alpha a earns (1 + a) ** 252 - 1 a year.
    return float((1.0 + per_period) ** periods_per_year - 1.0)


def _percent(value: float) -> str:
    return f"{value * 100:.2f}%"


@dataclass(frozen=True)
class FactorRegression:
    """A fitted factor model with HAC inference and its exact return decomposition.

    Attributes:
        factors: the regressors' names, in order.
        coefficients, std_errors, t_stats, p_values: indexed by ``alpha`` then
            the factors; alpha is per period.
        conf_int: ``lower``/``upper`` columns at ``confidence``.
        r_squared, adj_r_squared: of the excess-return regression.
        n_obs: periods used (after alignment and NaN removal).
        hac_maxlags: Newey-West lag length used.
        periods_per_year: ``P`` used to annualise alpha.
        confidence: level of the intervals (and 1 - significance level).
        decomposition: one row per period: ``risk_free``, ``alpha``, one column per
            factor (``beta_k * f_{k,t}``) and ``residual``; each row sums to the
            period's total return exactly.
        total_returns: the strategy's simple return per period.
    """

    factors: tuple[str, ...]
    coefficients: pd.Series
    std_errors: pd.Series
    t_stats: pd.Series
    p_values: pd.Series
    conf_int: pd.DataFrame
    r_squared: float
    adj_r_squared: float
    n_obs: int
    hac_maxlags: int
    periods_per_year: float
    confidence: float
    decomposition: pd.DataFrame
    total_returns: pd.Series

    @property
    def alpha(self) -> float:
        """Per-period alpha (the intercept)."""
        return float(self.coefficients[ALPHA])

    @property
    def betas(self) -> pd.Series:
        """Factor loadings."""
        return self.coefficients[list(self.factors)]

    @property
    def annual_alpha(self) -> float:
        """``(1 + alpha) ** P - 1``."""
        return _annualise(self.alpha, self.periods_per_year)

    @property
    def annual_alpha_interval(self) -> tuple[float, float]:
        """The alpha confidence interval, annualised the same way."""
        low = float(self.conf_int["lower"].loc[ALPHA])
        high = float(self.conf_int["upper"].loc[ALPHA])
        return (
            _annualise(low, self.periods_per_year),
            _annualise(high, self.periods_per_year),
        )

    @property
    def alpha_t_stat(self) -> float:
        return float(self.t_stats[ALPHA])

    @property
    def alpha_p_value(self) -> float:
        return float(self.p_values[ALPHA])

    @property
    def alpha_significant(self) -> bool:
        """Two-sided test of alpha = 0 at level ``1 - confidence``."""
        return self.alpha_p_value < 1.0 - self.confidence

    def summary(self) -> str:
        """One plain-words sentence on alpha and its significance."""
        level = round((1.0 - self.confidence) * 100)
        low, high = self.annual_alpha_interval
        verdict = (
            f"significantly {'above' if self.alpha > 0 else 'below'} zero at the {level}% level"
            if self.alpha_significant
            else f"not significantly different from zero at the {level}% level"
        )
        return (
            f"Alpha is {_percent(self.annual_alpha)} a year "
            f"(t = {self.alpha_t_stat:.2f}, p = {self.alpha_p_value:.3f}, "
            f"HAC with {self.hac_maxlags} lags, {self.n_obs} periods): {verdict}; "
            f"the {round(self.confidence * 100)}% interval runs from {_percent(low)} "
            f"to {_percent(high)} a year. R² = {self.r_squared:.3f}."
        )

    def cumulative_decomposition(self) -> pd.DataFrame:
        """Contributions compounded to each period, linked with Carino (log-return) smoothing.

        Row ``T`` sums exactly to the compounded return ``prod(1 + r_t) - 1`` up to ``T``.
        """
        linked = cumulative_carino(
            self.decomposition.to_numpy(), self.total_returns.to_numpy(dtype=np.float64)
        )
        return pd.DataFrame(
            linked, index=self.decomposition.index, columns=self.decomposition.columns
        )

    def linked_contributions(self) -> pd.Series:
        """Each piece's share of the whole span's compounded return (sums to it exactly)."""
        cumulative = self.cumulative_decomposition()
        return cumulative.iloc[-1].rename("contribution")

    def to_frame(self) -> pd.DataFrame:
        """Coefficient table: estimate, HAC std error, t, p, interval bounds."""
        table = pd.DataFrame(
            {
                "coefficient": self.coefficients,
                "std_error": self.std_errors,
                "t_stat": self.t_stats,
                "p_value": self.p_values,
            }
        )
        return table.join(self.conf_int)

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly summary (floats, no arrays)."""
        return {
            "factors": list(self.factors),
            "coefficients": {str(k): float(v) for k, v in self.coefficients.items()},
            "std_errors": {str(k): float(v) for k, v in self.std_errors.items()},
            "t_stats": {str(k): float(v) for k, v in self.t_stats.items()},
            "p_values": {str(k): float(v) for k, v in self.p_values.items()},
            "annual_alpha": self.annual_alpha,
            "annual_alpha_interval": list(self.annual_alpha_interval),
            "alpha_significant": self.alpha_significant,
            "r_squared": self.r_squared,
            "adj_r_squared": self.adj_r_squared,
            "n_obs": self.n_obs,
            "hac_maxlags": self.hac_maxlags,
            "periods_per_year": self.periods_per_year,
            "confidence": self.confidence,
            "linked_contributions": {
                str(k): float(v) for k, v in self.linked_contributions().items()
            },
            "summary": self.summary(),
        }


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ConfigError(
            "confidence must be between 0 and 1 (e.g. 0.95)",
            context={"confidence": confidence},
        )


def fit_aligned(
    data: Aligned, *, maxlags: int | None = None, confidence: float = 0.95
) -> FactorRegression:
    """Fit the model on already aligned data (see `factor_regression`)."""
    _check_confidence(confidence)
    n, k = data.regressors.shape
    if n < k + 3:
        raise ValidationError(
            f"{n} aligned periods are too few to fit {k} factor(s) plus alpha",
            context={"n_obs": n, "factors": list(data.columns)},
            hint="check that the returns and the factor dates overlap",
        )
    lags = newey_west_maxlags(n) if maxlags is None else int(maxlags)
    if lags < 0:
        raise ConfigError("maxlags must be >= 0", context={"maxlags": maxlags})
    excess = data.returns - data.risk_free
    design = np.column_stack([np.ones(n), data.regressors])
    if np.linalg.matrix_rank(design) < design.shape[1]:
        raise ValidationError(
            "the factors are collinear (or one is constant); drop one",
            context={"factors": list(data.columns)},
        )
    # statsmodels' OLS + HAC arithmetic in numpy (identical numbers, see ols_hac):
    # importing statsmodels would cost a third of a report's run time.
    fit = ols_hac(excess, design, maxlags=lags, confidence=confidence)
    names = [ALPHA, *data.columns]
    params: FloatArray = fit.params
    bounds: FloatArray = fit.conf_int
    contributions = data.regressors * params[1:]
    residual = excess - params[0] - contributions.sum(axis=1)
    index: pd.Index = data.index if data.index is not None else pd.RangeIndex(n)
    decomposition = pd.DataFrame(
        np.column_stack([data.risk_free, np.full(n, params[0]), contributions, residual]),
        index=index,
        columns=[RISK_FREE, ALPHA, *data.columns, RESIDUAL],
    )
    return FactorRegression(
        factors=tuple(data.columns),
        coefficients=pd.Series(params, index=names),
        std_errors=pd.Series(fit.bse, index=names),
        t_stats=pd.Series(fit.tvalues, index=names),
        p_values=pd.Series(fit.pvalues, index=names),
        conf_int=pd.DataFrame(bounds, index=names, columns=["lower", "upper"]),
        r_squared=fit.rsquared,
        adj_r_squared=fit.rsquared_adj,
        n_obs=n,
        hac_maxlags=lags,
        periods_per_year=data.periods_per_year,
        confidence=confidence,
        decomposition=decomposition,
        total_returns=pd.Series(data.returns, index=index, name="returns"),
    )


def factor_regression(
    returns: ReturnsInput,
    factors: pd.DataFrame,
    *,
    columns: tuple[str, ...] | list[str] | None = None,
    risk_free: float | pd.Series | None = None,
    maxlags: int | None = None,
    confidence: float = 0.95,
    periods_per_year: float | None = None,
) -> FactorRegression:
    """Regress excess returns on any factor frame, with Newey-West standard errors.

    Args:
        returns: simple strategy returns per period.
        factors: factor returns per period (simple, same frequency), one column
            each. An ``RF`` column is the per-period risk-free rate and is not a
            regressor unless listed in ``columns``.
        columns: the regressors (default: every column except ``RF``).
        risk_free: None (the frame's ``RF`` column if any, else 0), an annual rate,
            or a per-period Series.
        maxlags: HAC lag length (default `newey_west_maxlags`).
        confidence: level of the intervals and the significance test.
        periods_per_year: override the ``P`` inferred from the returns' index.

    Formula: ``r_t - rf_t = alpha + sum_k beta_k f_{k,t} + e_t`` (OLS, HAC errors).
    """
    chosen = (
        tuple(str(c) for c in factors.columns if str(c) != "RF")
        if columns is None
        else tuple(columns)
    )
    if not chosen:
        raise ConfigError("no factor columns to regress on", context={"columns": chosen})
    data = align_with_frame(
        returns, factors, chosen, risk_free=risk_free, periods_per_year=periods_per_year
    )
    return fit_aligned(data, maxlags=maxlags, confidence=confidence)


def fama_french_regression(
    returns: ReturnsInput,
    factors: pd.DataFrame,
    *,
    model: str = "ff3",
    maxlags: int | None = None,
    confidence: float = 0.95,
    periods_per_year: float | None = None,
) -> FactorRegression:
    """Fama-French 3 (``model="ff3"``) or Carhart 4 (``"carhart4"``) regression.

    ``factors`` is what `factor_data.load_fama_french_factors` (or
    `load_carhart_factors`) returns; its ``RF`` column is the risk-free rate.
    """
    models = {"ff3": FF3, "carhart4": CARHART4}
    if model not in models:
        raise ConfigError(
            f"unknown factor model {model!r}; use 'ff3' or 'carhart4'",
            context={"model": model},
        )
    return factor_regression(
        returns,
        factors,
        columns=models[model],
        maxlags=maxlags,
        confidence=confidence,
        periods_per_year=periods_per_year,
    )


def capm_regression(
    returns: ReturnsInput | BacktestResult,
    benchmark: ReturnsInput | None = None,
    *,
    risk_free: float | pd.Series = 0.0,
    maxlags: int | None = None,
    confidence: float = 0.95,
    periods_per_year: float | None = None,
) -> FactorRegression:
    """CAPM: ``r_t - rf_t = alpha + beta (b_t - rf_t) + e_t`` with HAC errors.

    ``returns`` may be a `BacktestResult`; its ``benchmark_returns`` are used when
    ``benchmark`` is None. ``risk_free`` is an annual rate or a per-period Series.
    """
    data = capm_data(returns, benchmark, risk_free=risk_free, periods_per_year=periods_per_year)
    return fit_aligned(data, maxlags=maxlags, confidence=confidence)


def capm_data(
    returns: ReturnsInput | BacktestResult,
    benchmark: ReturnsInput | None = None,
    *,
    risk_free: float | pd.Series = 0.0,
    periods_per_year: float | None = None,
) -> Aligned:
    """The aligned CAPM inputs: returns, ``Mkt-RF = b - rf`` and the per-period ``rf``."""
    series, bench = _returns_and_benchmark(returns, benchmark)
    frame = pd.DataFrame({MARKET: as_series(bench, series)})
    data = align_with_frame(
        series, frame, (MARKET,), risk_free=risk_free, periods_per_year=periods_per_year
    )
    # The benchmark enters in excess of the same per-period risk-free rate.
    return replace(data, regressors=data.regressors - data.risk_free[:, None])


def _returns_and_benchmark(
    returns: ReturnsInput | BacktestResult, benchmark: ReturnsInput | None
) -> tuple[ReturnsInput, ReturnsInput]:
    from rustybt.engine.result import BacktestResult

    if isinstance(returns, BacktestResult):
        bench = benchmark if benchmark is not None else returns.benchmark_returns
        if bench is None:
            raise ConfigError(
                "the backtest has no benchmark returns; pass benchmark=",
                hint="run_backtest(..., benchmark='SYMBOL') or pass a returns Series",
            )
        return returns.returns, bench
    if benchmark is None:
        raise ConfigError("pass the benchmark returns to regress on", context={})
    return returns, benchmark
