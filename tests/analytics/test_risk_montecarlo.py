"""Monte Carlo VaR: reproducible, joint, from positions, and right on known models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from rustybt.analytics.risk import fit_student_t_dof, monte_carlo_var
from rustybt.errors import ConfigError, DataNotFound


@pytest.fixture(scope="module")
def assets() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    cov = np.array([[4.0, 1.2, -0.4], [1.2, 2.25, 0.3], [-0.4, 0.3, 1.0]]) * 1e-4
    draws = rng.multivariate_normal([0.0005, 0.0002, 0.0001], cov, size=3000)
    index = pd.bdate_range("2012-01-02", periods=3000)
    return pd.DataFrame(draws, index=index, columns=["AAA", "BBB", "CCC"])


POSITIONS = {"AAA": 400_000.0, "BBB": 350_000.0, "CCC": -100_000.0}


@pytest.mark.parametrize("method", ["bootstrap", "normal", "student_t"])
def test_same_seed_identical_different_seed_close(assets: pd.DataFrame, method: str) -> None:
    kwargs = {"portfolio_value": 1_000_000.0, "method": method, "n_paths": 20_000}
    first = monte_carlo_var(assets, POSITIONS, seed=5, **kwargs)  # type: ignore[arg-type]
    again = monte_carlo_var(assets, POSITIONS, seed=5, **kwargs)  # type: ignore[arg-type]
    other = monte_carlo_var(assets, POSITIONS, seed=6, **kwargs)  # type: ignore[arg-type]
    np.testing.assert_array_equal(first.simulated, again.simulated)
    assert not np.array_equal(first.simulated, other.simulated)
    assert other.estimate(0.95).var == pytest.approx(first.estimate(0.95).var, rel=0.05)


def test_bootstrap_draws_whole_historical_rows(assets: pd.DataFrame) -> None:
    result = monte_carlo_var(assets, POSITIONS, portfolio_value=1_000_000.0, n_paths=5_000, seed=1)
    weights = np.array(list(POSITIONS.values())) / 1_000_000.0
    history = assets.to_numpy() @ weights
    # every simulated 1-day return is one day's joint move valued at today's positions
    assert np.isin(np.round(result.simulated, 14), np.round(history, 14)).all()
    assert len(np.unique(np.round(result.simulated, 14))) > 2_000


def test_multivariate_normal_matches_the_analytic_portfolio_var(assets: pd.DataFrame) -> None:
    weights = np.array(list(POSITIONS.values())) / 1_000_000.0
    mu = assets.to_numpy().mean(axis=0) @ weights
    sigma = np.sqrt(weights @ np.cov(assets.to_numpy(), rowvar=False) @ weights)
    result = monte_carlo_var(
        assets, POSITIONS, portfolio_value=1_000_000.0, method="normal", n_paths=200_000, seed=2
    )
    assert result.estimate(0.99).var == pytest.approx(stats.norm.ppf(0.01, mu, sigma), rel=0.02)
    table = result.table()
    assert table["var_currency"].iloc[1] == pytest.approx(table["var"].iloc[1] * 1_000_000.0)


def test_student_t_dof_is_recovered_from_a_multivariate_t_sample() -> None:
    rng = np.random.default_rng(4)
    sample = stats.multivariate_t(loc=np.zeros(5), shape=np.eye(5), df=5.0).rvs(
        6000, random_state=rng
    )
    assert fit_student_t_dof(sample) == pytest.approx(5.0, abs=0.6)
    normal = rng.standard_normal((6000, 5))
    assert fit_student_t_dof(normal) > 30


def test_student_t_tails_are_deeper_than_normal_with_equal_variance(assets: pd.DataFrame) -> None:
    kwargs = {"portfolio_value": 1_000_000.0, "n_paths": 100_000, "seed": 3}
    normal = monte_carlo_var(assets, POSITIONS, method="normal", **kwargs)  # type: ignore[arg-type]
    heavy = monte_carlo_var(assets, POSITIONS, method="student_t", dof=3.0, **kwargs)  # type: ignore[arg-type]
    assert heavy.dof == 3.0
    assert heavy.simulated.std() == pytest.approx(normal.simulated.std(), rel=0.05)
    assert heavy.estimate(0.999).var < normal.estimate(0.999).var


def test_horizon_compounds_each_asset() -> None:
    index = pd.bdate_range("2020-01-01", periods=4)
    constant = pd.DataFrame({"A": [0.01] * 4, "B": [-0.02] * 4}, index=index)
    result = monte_carlo_var(constant, {"A": 0.5, "B": 0.25}, horizon=3, n_paths=100, seed=0)
    expected = 0.5 * (1.01**3 - 1) + 0.25 * (0.98**3 - 1)
    np.testing.assert_allclose(result.simulated, expected, rtol=0, atol=1e-15)


def test_inputs_are_checked(assets: pd.DataFrame) -> None:
    with pytest.raises(DataNotFound, match="no asset returns"):
        monte_carlo_var(assets, {"ZZZ": 1.0})
    with pytest.raises(ConfigError, match="Monte Carlo method"):
        monte_carlo_var(assets, POSITIONS, method="copula")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="dof"):
        monte_carlo_var(assets, POSITIONS, method="student_t", dof=2.0)
