"""What a report is computed from: a `BacktestResult` (backtest, loaded or paper) or returns.

`ReportInputs` resolves the strategy and benchmark return series once and caches
the analytics objects several sections share (the metrics, the risk report), so
nothing is computed twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import pandas as pd

from rustybt.errors import ConfigError, DataNotFound

if TYPE_CHECKING:
    from rustybt.analytics.metrics import PerformanceMetrics
    from rustybt.analytics.risk import RiskReport
    from rustybt.engine.result import BacktestResult

__all__ = ["RISK_N_PATHS", "RISK_SEED", "ReportInputs", "as_returns"]


def as_returns(values: object, name: str) -> pd.Series:
    """A float return Series from a Series or a one-column DataFrame."""
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise ConfigError(
                f"{name} must be one return series; this DataFrame has {values.shape[1]} columns",
                context={"columns": [str(c) for c in values.columns][:5]},
                hint=f"pass {name}=frame['COLUMN']",
            )
        values = values.iloc[:, 0]
    if not isinstance(values, pd.Series):
        raise ConfigError(
            f"{name} must be a pandas Series of simple returns or a BacktestResult",
            context={"type": type(values).__name__},
        )
    try:
        series = values.astype("float64")
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"{name} must hold numbers (simple returns such as 0.01 for +1%)",
            context={"dtype": str(values.dtype)},
        ) from exc
    if series.dropna().empty:
        raise DataNotFound(f"{name} hold no observation; nothing to report")
    return series


@dataclass
class ReportInputs:
    """The report's source data and the analytics shared between sections.

    Attributes:
        returns: the strategy's simple returns per session.
        benchmark: the benchmark's returns (None without one).
        result: the backtest or paper-trading result, None for plain returns.
        benchmark_name: how the benchmark is labelled.
        risk_free: annual risk-free rate used by every metric.
        log_scale: draw the equity curve on a log scale.
        universe: Brinson benchmark universe: "data" (every asset) or "traded".
        sector_benchmark: optional Brinson benchmark weights (Series or DataFrame).
        factors: optional factor returns (e.g. Fama-French) for a factor regression.
    """

    returns: pd.Series
    benchmark: pd.Series | None
    result: BacktestResult | None
    benchmark_name: str = "Benchmark"
    risk_free: float = 0.0
    log_scale: bool = False
    universe: Literal["data", "traded"] = "data"
    sector_benchmark: pd.Series | pd.DataFrame | None = None
    factors: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def has_benchmark(self) -> bool:
        return self.benchmark is not None and not self.benchmark.dropna().empty

    @cached_property
    def metrics(self) -> PerformanceMetrics:
        from rustybt.analytics.metrics import performance_metrics

        return performance_metrics(self.returns, self.benchmark, risk_free=self.risk_free)

    @cached_property
    def benchmark_metrics(self) -> PerformanceMetrics | None:
        from rustybt.analytics.metrics import performance_metrics

        if self.benchmark is None or not self.has_benchmark:
            return None
        return performance_metrics(self.benchmark.dropna(), risk_free=self.risk_free)

    @cached_property
    def trades(self) -> pd.DataFrame:
        if self.result is None:
            return pd.DataFrame()
        return self.result.trades

    @cached_property
    def risk(self) -> RiskReport:
        from rustybt.analytics.risk import risk_report

        source: BacktestResult | pd.Series = (
            self.result if self.result is not None else self.returns
        )
        # The report's benchmark (the result's own, or the one passed to the report).
        benchmark = self.benchmark if self.has_benchmark else None
        # The GPD tail fit is not shown: skipping it keeps scipy.stats (~0.5 s) unimported.
        return risk_report(
            source, benchmark=benchmark, n_paths=RISK_N_PATHS, seed=RISK_SEED, tail_fit=False
        )

    @property
    def periods_per_year(self) -> float:
        return float(self.metrics.periods_per_year)


# Fixed so a report is reproducible and its numbers can be recomputed exactly
# (tests call risk_report with the same options). 5,000 Monte Carlo paths keep
# the report fast; the JSON records these options.
RISK_N_PATHS = 5_000
RISK_SEED = 0
