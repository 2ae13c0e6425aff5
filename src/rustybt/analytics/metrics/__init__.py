"""Performance metrics on return series: small pure functions, one formula each.

Works on any simple-returns Series (tz-aware or naive), numpy array or list.
Conventions (periods per year, risk-free rate, NaN policy, time zones) are
decided once in `rustybt.analytics.metrics.conventions`; formulas and the
differences from empyrical and quantstats are listed in docs/metrics.md.

    >>> from rustybt.analytics.metrics import performance_metrics
    >>> m = performance_metrics(returns, benchmark, risk_free=0.02)
    >>> m.sharpe_ratio, m.max_drawdown, m.alpha
"""

from __future__ import annotations

from rustybt.analytics.metrics.benchmark_relative import (
    alpha,
    alpha_beta,
    beta,
    correlation,
    down_capture,
    information_ratio,
    tracking_error,
    up_capture,
)
from rustybt.analytics.metrics.container import PerformanceMetrics, performance_metrics
from rustybt.analytics.metrics.conventions import (
    PreparedReturns,
    ReturnsInput,
    infer_periods_per_year,
    per_period_rate,
    prepare_returns,
)
from rustybt.analytics.metrics.distribution import (
    conditional_value_at_risk,
    kurtosis,
    skew,
    tail_ratio,
    value_at_risk,
)
from rustybt.analytics.metrics.drawdown import (
    DrawdownPeriod,
    drawdown_series,
    max_drawdown,
    max_drawdown_period,
    ulcer_index,
    worst_drawdown_periods,
    worst_drawdowns,
)
from rustybt.analytics.metrics.periods import (
    Period,
    average_loss,
    average_win,
    best_return,
    monthly_returns_table,
    period_returns,
    win_rate,
    worst_return,
)
from rustybt.analytics.metrics.returns import cagr, cumulative_returns, total_return
from rustybt.analytics.metrics.risk_adjusted import (
    annual_volatility,
    calmar_ratio,
    downside_deviation,
    omega_ratio,
    sharpe_ratio,
    sortino_ratio,
    stability,
)
from rustybt.analytics.metrics.rolling import (
    rolling_beta,
    rolling_max_drawdown,
    rolling_sharpe,
    rolling_volatility,
)
from rustybt.analytics.metrics.sharpe_inference import (
    deflated_sharpe_ratio,
    expected_maximum_sharpe,
    probabilistic_sharpe_from_moments,
    probabilistic_sharpe_ratio,
)

__all__ = [
    "DrawdownPeriod",
    "PerformanceMetrics",
    "Period",
    "PreparedReturns",
    "ReturnsInput",
    "alpha",
    "alpha_beta",
    "annual_volatility",
    "average_loss",
    "average_win",
    "best_return",
    "beta",
    "cagr",
    "calmar_ratio",
    "conditional_value_at_risk",
    "correlation",
    "cumulative_returns",
    "deflated_sharpe_ratio",
    "down_capture",
    "downside_deviation",
    "drawdown_series",
    "expected_maximum_sharpe",
    "infer_periods_per_year",
    "information_ratio",
    "kurtosis",
    "max_drawdown",
    "max_drawdown_period",
    "monthly_returns_table",
    "omega_ratio",
    "per_period_rate",
    "performance_metrics",
    "period_returns",
    "prepare_returns",
    "probabilistic_sharpe_from_moments",
    "probabilistic_sharpe_ratio",
    "rolling_beta",
    "rolling_max_drawdown",
    "rolling_sharpe",
    "rolling_volatility",
    "sharpe_ratio",
    "skew",
    "sortino_ratio",
    "stability",
    "tail_ratio",
    "total_return",
    "tracking_error",
    "ulcer_index",
    "up_capture",
    "value_at_risk",
    "win_rate",
    "worst_drawdown_periods",
    "worst_drawdowns",
    "worst_return",
]
