"""VaR/CVaR: empyrical equality, closed forms, horizons, currency, sign convention."""

from __future__ import annotations

import empyrical
import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from rustybt.analytics.metrics import conditional_value_at_risk, value_at_risk
from rustybt.analytics.risk import cornish_fisher_quantile, estimate_var, var_table
from rustybt.errors import ConfigError


@pytest.fixture(scope="module")
def fat_returns() -> pd.Series:
    rng = np.random.default_rng(11)
    index = pd.bdate_range("2015-01-01", periods=1500, tz="UTC")
    return pd.Series(rng.standard_t(4, 1500) * 0.01 + 0.0003, index=index)


@pytest.mark.parametrize(("level", "cutoff"), [(0.95, 0.05), (0.99, 0.01), (0.975, 0.025)])
def test_historical_matches_empyrical_exactly(
    fat_returns: pd.Series, level: float, cutoff: float
) -> None:
    # level 0.99 means empyrical's cutoff=0.01 exactly (1 - 0.99 is 0.010000000000000009)
    estimate = estimate_var(fat_returns, level)
    assert estimate.var == empyrical.value_at_risk(fat_returns, cutoff=cutoff)
    assert estimate.cvar == empyrical.conditional_value_at_risk(fat_returns, cutoff=cutoff)
    # one convention across the package: the metrics functions give the same numbers
    assert estimate.var == value_at_risk(fat_returns, cutoff)
    assert estimate.cvar == conditional_value_at_risk(fat_returns, cutoff)


def test_historical_on_a_hand_series() -> None:
    returns = [-0.05, -0.02, 0.01, 0.03, 0.00, -0.01, 0.02, 0.04, -0.03, 0.01]
    estimate = estimate_var(returns, 0.90)
    # sorted: -.05 -.03 -.02 -.01 0 .01 .01 .02 .03 .04; 10th percentile at
    # position 0.9 -> -0.05 + 0.9 * 0.02 = -0.032; CVaR: k = floor(9 * 0.1) = 0 -> -0.05
    assert estimate.var == pytest.approx(-0.032, abs=1e-15)
    assert estimate.cvar == pytest.approx(-0.05, abs=1e-15)
    assert estimate.n == 10


def test_parametric_matches_the_normal_closed_form(fat_returns: pd.Series) -> None:
    mu, sigma = fat_returns.mean(), fat_returns.std(ddof=1)
    for level in (0.95, 0.99):
        alpha = 1 - level
        estimate = estimate_var(fat_returns, level, method="parametric")
        assert estimate.var == pytest.approx(stats.norm.ppf(alpha, mu, sigma), abs=1e-15)
        expected_cvar = mu - sigma * stats.norm.pdf(stats.norm.ppf(alpha)) / alpha
        assert estimate.cvar == pytest.approx(expected_cvar, abs=1e-15)
        # CVaR of a normal is the tail mean: check against scipy's truncated expectation
        tail = stats.norm.expect(
            lambda x: x, loc=mu, scale=sigma, ub=stats.norm.ppf(alpha, mu, sigma)
        )
        assert estimate.cvar == pytest.approx(tail / alpha, rel=1e-7)


def test_parametric_horizon_scales_with_square_root_of_time(fat_returns: pd.Series) -> None:
    mu, sigma = fat_returns.mean(), fat_returns.std(ddof=1)
    ten = estimate_var(fat_returns, 0.99, method="parametric", horizon=10)
    assert ten.var == pytest.approx(10 * mu + stats.norm.ppf(0.01) * sigma * np.sqrt(10), abs=1e-14)


def test_historical_horizon_uses_overlapping_compounded_windows() -> None:
    returns = [0.10, -0.10, 0.05, -0.20, 0.0]
    # 2-period windows: 1.1*0.9-1=-0.01, 0.9*1.05-1=-0.055, 1.05*0.8-1=-0.16, 0.8*1-1=-0.2
    windows = np.array([-0.01, -0.055, -0.16, -0.2])
    estimate = estimate_var(returns, 0.75, horizon=2)
    assert estimate.var == pytest.approx(np.percentile(windows, 25), abs=1e-15)
    assert estimate.cvar == pytest.approx(-0.2, abs=1e-15)


def test_cornish_fisher_reduces_to_normal_without_skew_or_kurtosis() -> None:
    z = stats.norm.ppf(0.01)
    assert cornish_fisher_quantile(z, 0.0, 0.0) == z
    # z=-2, S=-0.5, K=3: -2 + 3*(-0.5)/6 + (-8+6)*3/24 - (-16+10)*0.25/36
    expected = -2 - 0.25 - 0.25 + 6 * 0.25 / 36
    assert cornish_fisher_quantile(-2.0, -0.5, 3.0) == pytest.approx(expected, abs=1e-15)


def test_cornish_fisher_cvar_is_the_tail_mean_of_its_quantiles(fat_returns: pd.Series) -> None:
    estimate = estimate_var(fat_returns, 0.95, method="cornish_fisher")
    values = fat_returns.to_numpy()
    mu, sigma = values.mean(), values.std(ddof=1)
    s, k = stats.skew(values), stats.kurtosis(values)

    def quantile(p: float) -> float:
        return mu + sigma * cornish_fisher_quantile(stats.norm.ppf(p), s, k)

    assert estimate.var == pytest.approx(quantile(0.05), abs=1e-15)
    integral, _ = integrate.quad(quantile, 0.0, 0.05, limit=200)
    assert estimate.cvar == pytest.approx(integral / 0.05, rel=1e-7)
    # fat tails: the 99% Cornish-Fisher VaR is deeper than the normal one
    cf99 = estimate_var(fat_returns, 0.99, method="cornish_fisher").var
    assert cf99 < estimate_var(fat_returns, 0.99, method="parametric").var


def test_var_table_has_every_method_level_and_currency(fat_returns: pd.Series) -> None:
    table = var_table(fat_returns, portfolio_value=2_000_000.0)
    assert list(table["method"]) == ["historical"] * 2 + ["parametric"] * 2 + ["cornish_fisher"] * 2
    assert list(table["level"]) == [0.95, 0.99] * 3
    assert (table["var"] < 0).all()
    assert (table["cvar"] <= table["var"]).all()
    np.testing.assert_array_equal(table["var_currency"], table["var"] * 2_000_000.0)


def test_nan_policy_matches_metrics() -> None:
    returns = pd.Series([np.nan, -0.02, 0.01, np.nan, -0.04, 0.03, 0.0])
    assert estimate_var(returns, 0.8).var == estimate_var(returns.dropna(), 0.8).var
    assert estimate_var(returns, 0.8).n == 5


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"level": 0.05}, "confidence"),
        ({"horizon": 0}, "horizon"),
        ({"method": "magic"}, "unknown"),
    ],
)
def test_bad_arguments_raise_config_errors(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        estimate_var([0.01, -0.02, 0.03], **kwargs)  # type: ignore[arg-type]
