"""`risk_report`: the main risk tables of a backtest (or plain pandas) in one object."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rustybt.analytics.risk.correlation import (
    BetaEstimate,
    average_pairwise_correlation,
    beta_estimate,
    correlation_matrix,
    up_down_beta,
)
from rustybt.analytics.risk.decomposition import RiskDecomposition, risk_decomposition
from rustybt.analytics.risk.exposures import estimate_betas, estimate_loadings
from rustybt.analytics.risk.hypothetical import hypothetical_stress
from rustybt.analytics.risk.inputs import RiskInputs, from_pandas, from_result
from rustybt.analytics.risk.montecarlo import MonteCarloMethod, monte_carlo_var
from rustybt.analytics.risk.scenario_analysis import ScenarioResult
from rustybt.analytics.risk.scenarios import HISTORICAL_SCENARIOS, HistoricalScenario
from rustybt.analytics.risk.stress import StressResult, factor_stress_test, stress_test
from rustybt.analytics.risk.tail import TailRisk, tail_risk
from rustybt.analytics.risk.var import DEFAULT_LEVELS, var_table
from rustybt.analytics.risk.var_backtest import VaRBacktest, backtest_var
from rustybt.engine.result import BacktestResult
from rustybt.errors import DataNotFound

__all__ = ["RiskReport", "risk_report"]


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    flat = (
        frame.reset_index()
        if frame.index.name or not isinstance(frame.index, pd.RangeIndex)
        else frame
    )
    return [
        {str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
        for row in flat.to_dict(orient="records")
    ]


def _beta_dict(beta: BetaEstimate) -> dict[str, object]:
    return {name: getattr(beta, name) for name in BetaEstimate.__slots__}


@dataclass(frozen=True)
class RiskReport:
    """The main risk tables. Missing pieces are None, with the reason in ``notes``.

    Attributes:
        var: VaR/CVaR per method and level (historical, parametric,
            Cornish-Fisher, and Monte Carlo when positions are known), in
            returns and currency. Negative = loss.
        var_backtest: rolling historical VaR against realised returns.
        tail: skew, kurtosis, worst N-day losses, drawdown at risk, GPD fit.
        decomposition: per-position contributions to volatility, VaR, CVaR.
        correlation: the positions' correlation matrix.
        average_correlation: mean pairwise correlation of the positions.
        beta, up_beta, down_beta: against the benchmark.
        stress: historical scenarios through index betas (when index returns given).
        factor_stress: historical scenarios through factor loadings (when factors given).
        hypothetical: standard what-ifs on the final positions (parallel, market
            through betas, sector, volatility-scaled; `hypothetical_stress`).
        portfolio_value: the currency base of the currency columns.
        notes: why any piece is missing.
    """

    var: pd.DataFrame
    var_backtest: VaRBacktest | None
    tail: TailRisk
    decomposition: RiskDecomposition | None
    correlation: pd.DataFrame | None
    average_correlation: float | None
    beta: BetaEstimate | None
    up_beta: BetaEstimate | None
    down_beta: BetaEstimate | None
    stress: StressResult | None
    factor_stress: StressResult | None
    portfolio_value: float
    notes: list[str] = field(default_factory=list)
    hypothetical: ScenarioResult | None = None

    def to_dict(self) -> dict[str, object]:
        """Plain Python (JSON-friendly) view of every table."""
        out: dict[str, object] = {
            "portfolio_value": self.portfolio_value,
            "var": _records(self.var),
            "tail": {str(k): float(v) for k, v in self.tail.to_series().items()},
            "notes": list(self.notes),
        }
        if self.var_backtest is not None:
            out["var_backtest"] = {
                "level": self.var_backtest.level,
                "window": self.var_backtest.window,
                "n": self.var_backtest.n,
                "breaches": self.var_backtest.breaches,
                "expected": self.var_backtest.expected,
                "tests": _records(self.var_backtest.summary()),
                "verdict": self.var_backtest.verdict,
            }
        if self.decomposition is not None:
            out["decomposition"] = _records(self.decomposition.table)
        if self.average_correlation is not None:
            out["average_correlation"] = self.average_correlation
        for name in ("beta", "up_beta", "down_beta"):
            value = getattr(self, name)
            if value is not None:
                out[name] = _beta_dict(value)
        if self.stress is not None:
            out["stress"] = _records(self.stress.table)
        if self.factor_stress is not None:
            out["factor_stress"] = _records(self.factor_stress.table)
        if self.hypothetical is not None:
            out["hypothetical"] = _records(self.hypothetical.table)
        return out

    def __repr__(self) -> str:
        parts = [name for name in self.__dataclass_fields__ if getattr(self, name) is not None]
        return (
            f"RiskReport(portfolio_value={self.portfolio_value:,.2f}, "
            f"parts={', '.join(parts)})\nVaR / CVaR (negative = loss):\n"
            + self.var.to_string(float_format="{:.5f}".format)
        )

    def _repr_html_(self) -> str:
        parts = [f"<h3>Risk report</h3><p>Portfolio value: {self.portfolio_value:,.2f}</p>"]
        parts.append(
            "<h4>VaR / CVaR (negative = loss)</h4>" + self.var.to_html(float_format="{:.5f}".format)
        )
        if self.var_backtest is not None:
            parts.append(
                "<h4>VaR backtest</h4>"
                + self.var_backtest.summary().to_html(float_format="{:.4f}".format)
                + f"<p>{self.var_backtest.verdict}</p>"
            )
        parts.append(
            "<h4>Tail risk</h4>"
            + self.tail.to_series().to_frame().to_html(float_format="{:.5f}".format)
        )
        if self.decomposition is not None:
            top = self.decomposition.table.head(10)
            parts.append(
                "<h4>Top risk contributors</h4>" + top.to_html(float_format="{:.5f}".format)
            )
        if self.beta is not None:
            b = self.beta
            parts.append(
                f"<p>Beta {b.beta:.3f} ({b.confidence:.0%} CI {b.ci_low:.3f} to {b.ci_high:.3f}), n={b.n}</p>"
            )
        for title, stress in (
            ("Stress tests", self.stress),
            ("Factor stress tests", self.factor_stress),
            ("Hypothetical scenarios", self.hypothetical),
        ):
            if stress is not None:
                parts.append(
                    f"<h4>{title}</h4>" + stress.table.to_html(float_format="{:.4f}".format)
                )
        if self.notes:
            parts.append("<ul>" + "".join(f"<li>{n}</li>" for n in self.notes) + "</ul>")
        return "".join(parts)


def _inputs(
    source: BacktestResult | RiskInputs | pd.Series[float] | None,
    asset_returns: pd.DataFrame | None,
    positions: Mapping[str, float] | pd.Series[float] | None,
    portfolio_value: float | None,
    sectors: Mapping[str, str] | None,
    benchmark: pd.Series[float] | None,
) -> RiskInputs:
    if isinstance(source, RiskInputs):
        return source
    if isinstance(source, BacktestResult):
        inputs = from_result(source)
        if benchmark is not None:
            inputs = from_pandas(
                inputs.returns,
                asset_returns=inputs.asset_returns,
                positions=inputs.positions,
                portfolio_value=inputs.portfolio_value,
                sectors=inputs.sectors,
                benchmark=benchmark,
            )
        return inputs
    return from_pandas(
        source,
        asset_returns=asset_returns,
        positions=positions,
        portfolio_value=portfolio_value,
        sectors=sectors,
        benchmark=benchmark,
    )


def risk_report(
    source: BacktestResult | RiskInputs | pd.Series[float] | None = None,
    *,
    asset_returns: pd.DataFrame | None = None,
    positions: Mapping[str, float] | pd.Series[float] | None = None,
    portfolio_value: float | None = None,
    sectors: Mapping[str, str] | None = None,
    benchmark: pd.Series[float] | None = None,
    levels: Sequence[float] = DEFAULT_LEVELS,
    horizon: int = 1,
    mc_method: MonteCarloMethod = "bootstrap",
    n_paths: int = 20_000,
    seed: int | None = 0,
    backtest_level: float = 0.99,
    backtest_window: int = 250,
    index_returns: pd.Series[float] | None = None,
    factor_returns: pd.DataFrame | None = None,
    scenarios: Sequence[HistoricalScenario] = HISTORICAL_SCENARIOS,
    tail_fit: bool = True,
) -> RiskReport:
    """Compute the main risk tables at once.

    Args:
        source: a `BacktestResult`, `RiskInputs`, or a portfolio returns Series
            (or None with ``asset_returns`` and ``positions``).
        asset_returns, positions, portfolio_value, sectors, benchmark: plain
            pandas inputs (see `rustybt.analytics.risk.inputs.from_pandas`);
            ``benchmark`` also overrides a result's own benchmark.
        levels: VaR confidence levels.
        horizon: VaR horizon in periods.
        mc_method, n_paths, seed: the Monte Carlo VaR rows.
        backtest_level, backtest_window: the VaR backtest.
        index_returns: daily index returns for the historical stress tests
            (betas are measured against it over the backtest's dates).
        factor_returns: daily factor returns (fractions) for factor stress tests.
        scenarios: the historical windows.
        tail_fit: fit the GPD tail (``tail.gpd``); False leaves it None and
            keeps scipy.stats unimported (the report does not show it).
    """
    inputs = _inputs(source, asset_returns, positions, portfolio_value, sectors, benchmark)
    notes: list[str] = []
    value = inputs.portfolio_value
    var = var_table(inputs.returns, levels=levels, horizon=horizon, portfolio_value=value)
    has_assets = inputs.asset_returns is not None and not inputs.positions.empty
    decomposition = correlation = average = hypothetical = None
    if has_assets:
        assets = inputs.require_assets()
        simulated = monte_carlo_var(
            assets,
            inputs.positions,
            portfolio_value=value,
            method=mc_method,
            n_paths=n_paths,
            horizon=horizon,
            seed=seed,
        )
        var = pd.concat([var, simulated.table(levels)], ignore_index=True)
        decomposition = risk_decomposition(
            assets, inputs.positions, portfolio_value=value, level=levels[0]
        )
        correlation = correlation_matrix(assets)
        average = average_pairwise_correlation(correlation)
        market_betas = None
        if inputs.benchmark is not None:
            try:
                market_betas = estimate_betas(assets, inputs.benchmark)["beta"]
            except DataNotFound as exc:
                notes.append(f"market scenario skipped: {exc.message}")
        hypothetical = hypothetical_stress(
            inputs.positions,
            portfolio_value=value,
            sectors=inputs.sectors,
            asset_returns=assets,
            betas=market_betas,
        )
    else:
        notes.append(
            "no positions or asset returns: Monte Carlo VaR, decomposition and correlation skipped"
        )
    try:
        backtest: VaRBacktest | None = backtest_var(
            inputs.returns, level=backtest_level, window=backtest_window
        )
    except DataNotFound as exc:
        backtest = None
        notes.append(f"VaR backtest skipped: {exc.message}")
    beta = up = down = None
    if inputs.benchmark is not None:
        beta = beta_estimate(inputs.returns, inputs.benchmark)
        up, down = up_down_beta(inputs.returns, inputs.benchmark)
    stress = factor_stress = None
    if index_returns is not None and has_assets:
        try:
            betas = estimate_betas(inputs.require_assets(), index_returns)["beta"]
            stress = stress_test(
                inputs.positions,
                betas,
                index_returns,
                scenarios=scenarios,
                portfolio_value=value,
                strategy_returns=inputs.returns,
            )
        except DataNotFound as exc:
            notes.append(f"stress test skipped: {exc.message}")
    if factor_returns is not None and has_assets:
        try:
            loadings = estimate_loadings(inputs.require_assets(), factor_returns)
            factor_stress = factor_stress_test(
                inputs.positions,
                loadings,
                factor_returns,
                scenarios=scenarios,
                portfolio_value=value,
                strategy_returns=inputs.returns,
            )
        except DataNotFound as exc:
            notes.append(f"factor stress test skipped: {exc.message}")
    return RiskReport(
        var=var,
        var_backtest=backtest,
        tail=tail_risk(inputs.returns, seed=seed, gpd=tail_fit),
        decomposition=decomposition,
        correlation=correlation,
        average_correlation=average,
        beta=beta,
        up_beta=up,
        down_beta=down,
        stress=stress,
        factor_stress=factor_stress,
        portfolio_value=value,
        notes=notes,
        hypothetical=hypothetical,
    )
