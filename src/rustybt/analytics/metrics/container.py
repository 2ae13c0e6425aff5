"""`PerformanceMetrics`: every scalar metric of a return series, computed once.

`performance_metrics` applies the conventions once, builds the shared
intermediates (growth, drawdown curve, calendar aggregates) once and calls the
same kernels as the individual functions, so each field equals the function of
the same name on the same input. The benchmark only feeds the benchmark fields:
the strategy's own fields are computed before, and without, it.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from rustybt.analytics.metrics import benchmark_relative as rel
from rustybt.analytics.metrics import distribution as dist
from rustybt.analytics.metrics import drawdown as dd
from rustybt.analytics.metrics import periods as cal
from rustybt.analytics.metrics import risk_adjusted as ra
from rustybt.analytics.metrics.conventions import (
    ReturnsInput,
    align_benchmark,
    per_period_rate,
    prepare_returns,
)
from rustybt.analytics.metrics.returns import _cagr_from_growth, _growth
from rustybt.analytics.metrics.sharpe_inference import _psr
from rustybt.engine.result import BacktestResult
from rustybt.errors import DataNotFound

__all__ = ["PerformanceMetrics", "performance_metrics"]

Label = pd.Timestamp | int

# Fields shown as percentages in the HTML table; the rest are ratios or counts.
_PERCENT_FIELDS = frozenset(
    {
        "risk_free",
        "total_return",
        "cagr",
        "annual_volatility",
        "downside_deviation",
        "max_drawdown",
        "ulcer_index",
        "value_at_risk",
        "conditional_value_at_risk",
        "probabilistic_sharpe_ratio",
        "best_day",
        "worst_day",
        "win_rate",
        "avg_win",
        "avg_loss",
        "best_month",
        "worst_month",
        "best_year",
        "worst_year",
        "monthly_win_rate",
        "monthly_avg_win",
        "monthly_avg_loss",
        "alpha",
        "tracking_error",
    }
)


@dataclass(frozen=True, slots=True)
class PerformanceMetrics:
    """Scalar performance metrics of one return series (full-precision floats).

    Rates are fractions (0.12 = 12%), annualised with ``periods_per_year``.
    Each field equals the function of the same name in `rustybt.analytics.metrics`
    (formulas in docs/metrics.md). Calendar fields (months, years) are None
    without a DatetimeIndex; benchmark fields are None without a benchmark.
    """

    start: pd.Timestamp | None
    end: pd.Timestamp | None
    observations: int
    periods_per_year: float
    risk_free: float
    total_return: float
    cagr: float
    annual_volatility: float
    sharpe_ratio: float
    sortino_ratio: float
    downside_deviation: float
    calmar_ratio: float
    omega_ratio: float
    stability: float
    tail_ratio: float
    max_drawdown: float
    max_drawdown_peak: Label | None
    max_drawdown_valley: Label | None
    max_drawdown_recovery: Label | None
    max_drawdown_duration: int | None
    ulcer_index: float
    skew: float
    kurtosis: float
    value_at_risk: float
    conditional_value_at_risk: float
    probabilistic_sharpe_ratio: float
    best_day: float
    worst_day: float
    win_rate: float
    avg_win: float
    avg_loss: float
    best_month: float | None
    worst_month: float | None
    best_year: float | None
    worst_year: float | None
    monthly_win_rate: float | None
    monthly_avg_win: float | None
    monthly_avg_loss: float | None
    benchmark_observations: int | None
    alpha: float | None
    beta: float | None
    information_ratio: float | None
    tracking_error: float | None
    up_capture: float | None
    down_capture: float | None
    correlation: float | None

    def to_dict(self) -> dict[str, object]:
        """Field name -> value, in declaration order, values unrounded."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def to_frame(self) -> pd.DataFrame:
        """One row per metric, column ``value`` (object dtype, values unrounded)."""
        items = self.to_dict()
        frame = pd.DataFrame(
            {"value": pd.Series(list(items.values()), index=list(items), dtype=object)}
        )
        frame.index.name = "metric"
        return frame

    def __repr__(self) -> str:
        lines = [
            f"  {name:<22} {_format(name, value)}"
            for name, value in self.to_dict().items()
            if value is not None
        ]
        return "PerformanceMetrics(\n" + "\n".join(lines) + "\n)"

    def _repr_html_(self) -> str:
        """The metrics in three side-by-side columns (46 rows in one would be a wall)."""
        cells = [
            f"<tr><th style='text-align:left;padding:1px 6px'>"
            f"{html.escape(name.replace('_', ' '))}</th>"
            f"<td style='text-align:right;padding:1px 6px'>{html.escape(_format(name, value))}"
            "</td></tr>"
            for name, value in self.to_dict().items()
            if value is not None
        ]
        per_column = -(-len(cells) // _HTML_COLUMNS)
        tables = "".join(
            "<table style='border-collapse:collapse;font-size:0.9em;margin-right:18px'>"
            f"<tbody>{''.join(cells[start : start + per_column])}</tbody></table>"
            for start in range(0, len(cells), per_column)
        )
        return (
            "<div class='rustybt-metrics'><b>PerformanceMetrics</b>"
            f"<div style='display:flex;align-items:flex-start'>{tables}</div></div>"
        )


_HTML_COLUMNS = 3


def _format(name: str, value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return str(value.date()) if value == value.normalize() else str(value)
    if isinstance(value, bool | int | np.integer):
        return str(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return "n/a"
        if name in _PERCENT_FIELDS:
            return f"{number:.2%}"
        return f"{number:,.0f}" if name == "periods_per_year" else f"{number:.3f}"
    return str(value)


def _optional(value: float, available: bool) -> float | None:
    return value if available else None


def performance_metrics(
    returns: ReturnsInput,
    benchmark: ReturnsInput | None = None,
    *,
    risk_free: float = 0.0,
    periods_per_year: float | None = None,
) -> PerformanceMetrics:
    """Every scalar metric of ``returns`` (and against ``benchmark`` when given).

    Args:
        returns: simple returns per period (NaNs are dropped, see conventions), or
            a `BacktestResult`, whose ``perf["returns"]`` and benchmark are used.
        benchmark: benchmark returns, paired with ``returns`` on shared dates.
            It affects only the benchmark fields. Defaults to a result's own.
        risk_free: annual risk-free rate; it is the hurdle of Sharpe, Sortino
            (target return), Omega (threshold), PSR and alpha.
        periods_per_year: override the ``P`` inferred from the index.

    Raises:
        DataNotFound: ``returns`` holds no non-NaN observation.
    """
    if isinstance(returns, BacktestResult):
        if benchmark is None:
            benchmark = returns.benchmark_returns
        returns = returns.returns
    prepared = prepare_returns(returns, periods_per_year)
    values = prepared.values
    n = len(prepared)
    if n == 0:
        raise DataNotFound(
            "returns hold no observation after dropping NaNs; nothing to measure",
            context={"length": len(returns)},
        )
    periods = prepared.periods_per_year
    rf_period = per_period_rate(risk_free, periods)

    growth = _growth(values)
    cagr = _cagr_from_growth(growth, n, periods)
    drawdowns = dd._drawdowns(values)
    max_dd = float(drawdowns.min())
    worst = dd._worst_periods(prepared, drawdowns, 1)
    downside = ra._downside(values, rf_period, periods)
    low, high = np.percentile(values, [5.0, 95.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        tail = float(np.abs(high) / np.abs(low))

    daily, _ = cal._compound_by(prepared, "day")
    dated = prepared.index is not None
    monthly = cal._compound_by(prepared, "month")[0] if dated else daily[:0]
    yearly = cal._compound_by(prepared, "year")[0] if dated else daily[:0]

    benchmark_observations: int | None = None
    alpha: float | None = None
    beta: float | None = None
    information_ratio: float | None = None
    tracking_error: float | None = None
    up_capture: float | None = None
    down_capture: float | None = None
    correlation: float | None = None
    if benchmark is not None:
        paired, bench, _ = align_benchmark(returns, benchmark, prepared)
        benchmark_observations = int(paired.shape[0])
        beta = rel._beta(paired, bench)
        alpha = rel._alpha(paired, bench, beta, rf_period, periods)
        information_ratio = rel._information_ratio(paired, bench, periods)
        tracking_error = rel._tracking_error(paired, bench, periods)
        up_capture = rel._up_capture(paired, bench, periods)
        down_capture = rel._down_capture(paired, bench, periods)
        correlation = rel._correlation(paired, bench)

    return PerformanceMetrics(
        start=pd.Timestamp(prepared.index[0]) if prepared.index is not None else None,
        end=pd.Timestamp(prepared.index[-1]) if prepared.index is not None else None,
        observations=n,
        periods_per_year=periods,
        risk_free=risk_free,
        total_return=growth - 1.0,
        cagr=cagr,
        annual_volatility=ra._annual_volatility(values, periods),
        sharpe_ratio=ra._sharpe(values, rf_period, periods),
        sortino_ratio=ra._sortino(values, rf_period, periods, downside),
        downside_deviation=downside,
        calmar_ratio=ra._calmar(cagr, max_dd),
        omega_ratio=ra._omega(values, rf_period),
        stability=ra._stability(values),
        tail_ratio=tail,
        max_drawdown=max_dd,
        max_drawdown_peak=worst[0].peak if worst else None,
        max_drawdown_valley=worst[0].valley if worst else None,
        max_drawdown_recovery=worst[0].recovery if worst else None,
        max_drawdown_duration=worst[0].duration if worst else None,
        ulcer_index=dd._ulcer(drawdowns),
        skew=dist._skew(values),
        kurtosis=dist._kurtosis(values),
        value_at_risk=float(low),
        conditional_value_at_risk=dist._cvar(values, 0.05),
        probabilistic_sharpe_ratio=_psr(values, rf_period, 0.0),
        best_day=cal._best(daily),
        worst_day=cal._worst(daily),
        win_rate=cal._win_rate(daily),
        avg_win=cal._average_win(daily),
        avg_loss=cal._average_loss(daily),
        best_month=_optional(cal._best(monthly), dated),
        worst_month=_optional(cal._worst(monthly), dated),
        best_year=_optional(cal._best(yearly), dated),
        worst_year=_optional(cal._worst(yearly), dated),
        monthly_win_rate=_optional(cal._win_rate(monthly), dated),
        monthly_avg_win=_optional(cal._average_win(monthly), dated),
        monthly_avg_loss=_optional(cal._average_loss(monthly), dated),
        benchmark_observations=benchmark_observations,
        alpha=alpha,
        beta=beta,
        information_ratio=information_ratio,
        tracking_error=tracking_error,
        up_capture=up_capture,
        down_capture=down_capture,
        correlation=correlation,
    )
