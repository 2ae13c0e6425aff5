"""risk_report on a real engine run, plain-pandas inputs, and the figures."""

from __future__ import annotations

import json
from pathlib import Path

import empyrical
import numpy as np
import pandas as pd
import pytest

from rustybt import Strategy, run_backtest
from rustybt.analytics.risk import (
    contribution_figure,
    correlation_heatmap,
    from_result,
    load_index_csv,
    monte_carlo_var,
    prices_to_returns,
    risk_report,
    stress_figure,
    var_distribution_figure,
)
from rustybt.data.synthetic import demo_benchmark, demo_panel
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.data_portal import BarData
from rustybt.engine.result import BacktestResult
from rustybt.errors import ConfigError


class BuyAndHold(Strategy):
    """Equal weights in every demo asset on the first bar, then hold."""

    def __init__(self) -> None:
        super().__init__()
        self.bought = False

    def handle_data(self, context: TradingContext, data: BarData) -> None:
        if not self.bought:
            for asset in context.assets:
                context.order_target_percent(asset, 0.9 / len(context.assets))
            self.bought = True


@pytest.fixture(scope="module")
def result() -> BacktestResult:
    return run_backtest(BuyAndHold(), demo_panel(), benchmark=demo_benchmark())


def test_inputs_from_a_backtest(result: BacktestResult) -> None:
    inputs = from_result(result)
    last = result.positions.loc[result.positions["session"] == result.positions["session"].max()]
    assert len(inputs.positions) == 20
    assert inputs.positions.sum() == pytest.approx(last["market_value"].sum(), rel=1e-12)
    assert inputs.portfolio_value == result.perf["portfolio_value"].iloc[-1]
    last_perf = result.perf.iloc[-1]
    expected_weight = last_perf["positions_value"] / last_perf["portfolio_value"]
    assert inputs.weights.sum() == pytest.approx(expected_weight, rel=1e-12)
    assert inputs.sectors["SYN000"] == "Technology"
    assert inputs.asset_returns is not None
    assert inputs.asset_returns.index.tz is None


@pytest.mark.realdata
def test_risk_report_on_a_real_run(result: BacktestResult, shared_data: Path) -> None:
    gspc = prices_to_returns(load_index_csv(shared_data / "GSPC_daily_1927_2023.csv"))
    report = risk_report(result, index_returns=gspc, n_paths=5_000)
    returns = result.perf["returns"]
    hist = report.var.set_index(["method", "level"])
    assert hist.loc[("historical", 0.99), "var"] == empyrical.value_at_risk(returns, cutoff=0.01)
    value = result.perf["portfolio_value"].iloc[-1]
    assert hist.loc[("historical", 0.99), "var_currency"] == pytest.approx(
        empyrical.value_at_risk(returns, cutoff=0.01) * value
    )
    assert ("monte_carlo_bootstrap", 0.95) in hist.index
    assert report.var_backtest is not None
    assert report.var_backtest.n == len(returns) - 250
    assert report.beta is not None
    assert 0.5 < report.beta.beta < 1.5
    assert report.decomposition is not None
    assert report.decomposition.table["component_var"].sum() == pytest.approx(
        report.decomposition.var, abs=1e-12
    )
    assert report.stress is not None
    assert len(report.stress.table) == 6
    assert report.factor_stress is None
    assert report.notes == []
    payload = json.loads(json.dumps(report.to_dict(), default=str))
    assert payload["var_backtest"]["verdict"] == report.var_backtest.verdict
    html = report._repr_html_()
    assert "VaR backtest" in html
    assert "Stress tests" in html


def test_risk_report_from_plain_pandas() -> None:
    rng = np.random.default_rng(6)
    index = pd.bdate_range("2019-01-01", periods=300)
    assets = pd.DataFrame(rng.normal(0, 0.01, (300, 3)), index=index, columns=["A", "B", "C"])
    report = risk_report(
        asset_returns=assets, positions={"A": 0.5, "B": 0.3, "C": 0.2}, n_paths=2_000
    )
    portfolio = assets.to_numpy() @ np.array([0.5, 0.3, 0.2])
    assert report.var.loc[0, "var"] == pytest.approx(
        empyrical.value_at_risk(portfolio, cutoff=0.05), abs=1e-15
    )
    assert report.var_backtest is not None
    assert report.beta is None
    assert report.stress is None
    only_returns = risk_report(pd.Series(portfolio, index=index))
    assert only_returns.decomposition is None
    assert "Monte Carlo VaR, decomposition and correlation skipped" in only_returns.notes[0]
    with pytest.raises(ConfigError, match="give portfolio returns"):
        risk_report()


def test_figures_render_to_png(result: BacktestResult, tmp_path: Path) -> None:
    inputs = from_result(result)
    assert inputs.asset_returns is not None
    report = risk_report(result, n_paths=2_000, index_returns=inputs.returns.rename("self"))
    simulated = monte_carlo_var(inputs.require_assets(), inputs.positions, n_paths=2_000)
    assert report.decomposition is not None
    assert report.correlation is not None
    assert report.stress is not None
    figures = {
        "var": var_distribution_figure(result.perf["returns"], 0.99),
        "mc": var_distribution_figure(simulated),
        "stress": stress_figure(report.stress),
        "contrib": contribution_figure(report.decomposition, top=10),
        "heatmap": correlation_heatmap(report.correlation),
    }
    for name, figure in figures.items():
        path = tmp_path / f"{name}.png"
        figure.savefig(path, dpi=60)
        assert path.stat().st_size > 5_000, name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
