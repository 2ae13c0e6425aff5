"""Risk analytics: VaR/CVaR, VaR backtests, stress tests, scenarios, correlation, tails.

**Sign convention**: VaR, CVaR, drawdowns, losses and stress P&L are reported
as returns (or currency P&L) where a loss is **negative**, as in
`rustybt.analytics.metrics` and empyrical: ``VaR_95 = -0.021`` means "on one
day in twenty we lose at least 2.1%". ``level`` is the confidence (0.95).

    >>> from rustybt.analytics.risk import risk_report
    >>> report = risk_report(result)          # a BacktestResult
    >>> report.var                            # historical, normal, Cornish-Fisher, Monte Carlo
    >>> report.var_backtest.verdict

Methodology, assumptions and pitfalls: docs/risk.md.
"""

from __future__ import annotations

from rustybt.analytics.risk.correlation import (
    BetaEstimate,
    average_pairwise_correlation,
    beta_estimate,
    correlation_matrix,
    factor_correlations,
    rolling_average_correlation,
    rolling_beta,
    up_down_beta,
)
from rustybt.analytics.risk.decomposition import RiskDecomposition, risk_decomposition
from rustybt.analytics.risk.exposures import estimate_betas, estimate_loadings
from rustybt.analytics.risk.figures import (
    contribution_figure,
    correlation_heatmap,
    stress_figure,
    var_distribution_figure,
)
from rustybt.analytics.risk.hypothetical import (
    PARALLEL_SHOCKS,
    hypothetical_scenarios,
    hypothetical_stress,
)
from rustybt.analytics.risk.inputs import (
    RiskInputs,
    asset_returns_from_bars,
    from_pandas,
    from_result,
)
from rustybt.analytics.risk.loaders import load_index_csv, prices_to_returns
from rustybt.analytics.risk.montecarlo import MonteCarloVaR, fit_student_t_dof, monte_carlo_var
from rustybt.analytics.risk.report import RiskReport, risk_report
from rustybt.analytics.risk.scenario_analysis import ScenarioResult, ShockScenario, run_scenarios
from rustybt.analytics.risk.scenarios import (
    HISTORICAL_SCENARIOS,
    HistoricalScenario,
    historical_scenario,
)
from rustybt.analytics.risk.stress import StressResult, factor_stress_test, stress_test, window_move
from rustybt.analytics.risk.tail import (
    GPDTail,
    TailRisk,
    drawdown_at_risk,
    gpd_tail,
    tail_risk,
    worst_losses,
)
from rustybt.analytics.risk.var import VaREstimate, cornish_fisher_quantile, estimate_var, var_table
from rustybt.analytics.risk.var_backtest import (
    CoverageTest,
    VaRBacktest,
    backtest_var,
    christoffersen_independence,
    kupiec_pof,
    rolling_var,
)
from rustybt.data.factors import load_fama_french

__all__ = [
    "HISTORICAL_SCENARIOS",
    "PARALLEL_SHOCKS",
    "BetaEstimate",
    "CoverageTest",
    "GPDTail",
    "HistoricalScenario",
    "MonteCarloVaR",
    "RiskDecomposition",
    "RiskInputs",
    "RiskReport",
    "ScenarioResult",
    "ShockScenario",
    "StressResult",
    "TailRisk",
    "VaRBacktest",
    "VaREstimate",
    "asset_returns_from_bars",
    "average_pairwise_correlation",
    "backtest_var",
    "beta_estimate",
    "christoffersen_independence",
    "contribution_figure",
    "cornish_fisher_quantile",
    "correlation_heatmap",
    "correlation_matrix",
    "drawdown_at_risk",
    "estimate_betas",
    "estimate_loadings",
    "estimate_var",
    "factor_correlations",
    "factor_stress_test",
    "fit_student_t_dof",
    "from_pandas",
    "from_result",
    "gpd_tail",
    "historical_scenario",
    "hypothetical_scenarios",
    "hypothetical_stress",
    "kupiec_pof",
    "load_fama_french",
    "load_index_csv",
    "monte_carlo_var",
    "prices_to_returns",
    "risk_decomposition",
    "risk_report",
    "rolling_average_correlation",
    "rolling_beta",
    "rolling_var",
    "run_scenarios",
    "stress_figure",
    "stress_test",
    "tail_risk",
    "up_down_beta",
    "var_distribution_figure",
    "var_table",
    "window_move",
    "worst_losses",
]
