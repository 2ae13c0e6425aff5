"""Risk decomposition: components sum exactly to the totals; known totals per method."""

from __future__ import annotations

import empyrical
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from rustybt.analytics.risk import risk_decomposition


@pytest.fixture(scope="module")
def assets() -> pd.DataFrame:
    rng = np.random.default_rng(17)
    common = rng.standard_t(5, 1500) * 0.008
    data = {f"S{i}": (0.4 + 0.3 * i) * common + rng.normal(0.0002, 0.01, 1500) for i in range(6)}
    return pd.DataFrame(data, index=pd.bdate_range("2014-01-01", periods=1500))


POSITIONS = {
    "S0": 100_000.0,
    "S1": 150_000.0,
    "S2": -50_000.0,
    "S3": 200_000.0,
    "S4": 80_000.0,
    "S5": 20_000.0,
}


@pytest.mark.parametrize("method", ["parametric", "historical", "monte_carlo"])
def test_components_sum_exactly_to_totals(assets: pd.DataFrame, method: str) -> None:
    result = risk_decomposition(
        assets,
        POSITIONS,
        portfolio_value=600_000.0,
        level=0.99,
        method=method,
        n_paths=20_000,  # type: ignore[arg-type]
    )
    table = result.table
    assert abs(table["component_volatility"].sum() - result.volatility) < 1e-12
    assert abs(table["component_var"].sum() - result.var) < 1e-12
    assert abs(table["component_cvar"].sum() - result.cvar) < 1e-12
    assert table["volatility_share"].sum() == pytest.approx(1.0, abs=1e-12)
    assert table["var_share"].sum() == pytest.approx(1.0, abs=1e-12)
    assert list(table["rank"]) == list(range(1, 7))
    assert table["component_var"].is_monotonic_increasing  # rank 1 = largest loss contribution


def test_parametric_totals_are_the_closed_forms(assets: pd.DataFrame) -> None:
    weights = pd.Series(POSITIONS) / 600_000.0
    matrix = assets[weights.index].to_numpy()
    cov = np.cov(matrix, rowvar=False)
    sigma = float(np.sqrt(weights @ cov @ weights))
    mu = float(matrix.mean(axis=0) @ weights)
    result = risk_decomposition(assets, POSITIONS, portfolio_value=600_000.0, level=0.95)
    assert result.volatility == pytest.approx(sigma, rel=1e-13)
    assert result.var == pytest.approx(mu + stats.norm.ppf(0.05) * sigma, rel=1e-13)
    assert result.cvar == pytest.approx(
        mu - sigma * stats.norm.pdf(stats.norm.ppf(0.05)) / 0.05, rel=1e-13
    )
    marginal = cov @ weights / sigma
    np.testing.assert_allclose(
        result.table.loc[weights.index, "marginal_volatility"], marginal, rtol=1e-12
    )
    np.testing.assert_allclose(
        result.table["component_var_currency"],
        result.table["component_var"] * 600_000.0,
        rtol=1e-15,
    )


def test_historical_totals_match_empyrical(assets: pd.DataFrame) -> None:
    weights = pd.Series(POSITIONS) / 600_000.0
    portfolio = assets[weights.index].to_numpy() @ weights.to_numpy()
    result = risk_decomposition(
        assets, POSITIONS, portfolio_value=600_000.0, level=0.95, method="historical"
    )
    assert result.var == pytest.approx(empyrical.value_at_risk(portfolio, cutoff=0.05), abs=1e-15)
    assert result.cvar == pytest.approx(
        empyrical.conditional_value_at_risk(portfolio, cutoff=0.05), abs=1e-15
    )


def test_single_position_carries_everything() -> None:
    index = pd.bdate_range("2020-01-01", periods=300)
    returns = pd.DataFrame({"ONE": np.random.default_rng(1).normal(0, 0.01, 300)}, index=index)
    result = risk_decomposition(returns, {"ONE": 1.0})
    assert result.table.loc["ONE", "component_volatility"] == pytest.approx(
        returns["ONE"].std(ddof=1)
    )
    assert result.table.loc["ONE", "var_share"] == pytest.approx(1.0)
