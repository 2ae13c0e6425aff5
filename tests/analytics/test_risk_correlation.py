"""Correlation, beta with confidence interval (against statsmodels), up/down beta."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from rustybt.analytics.risk import (
    average_pairwise_correlation,
    beta_estimate,
    correlation_matrix,
    factor_correlations,
    rolling_average_correlation,
    up_down_beta,
)


@pytest.fixture(scope="module")
def pair() -> tuple[pd.Series, pd.Series]:
    rng = np.random.default_rng(12)
    index = pd.bdate_range("2018-01-01", periods=600, tz="UTC")
    bench = pd.Series(rng.normal(0.0003, 0.01, 600), index=index)
    returns = 0.0001 + 1.3 * bench + rng.normal(0, 0.006, 600)
    return returns, bench


def test_beta_and_interval_match_statsmodels(pair: tuple[pd.Series, pd.Series]) -> None:
    returns, bench = pair
    fit = sm.OLS(returns.to_numpy(), sm.add_constant(bench.to_numpy())).fit()
    estimate = beta_estimate(returns, bench, confidence=0.90)
    low, high = fit.conf_int(alpha=0.10)[1]
    assert estimate.beta == pytest.approx(fit.params[1], abs=1e-12)
    assert estimate.alpha == pytest.approx(fit.params[0], abs=1e-12)
    assert estimate.standard_error == pytest.approx(fit.bse[1], rel=1e-10)
    assert estimate.t_stat == pytest.approx(fit.tvalues[1], rel=1e-10)
    assert (estimate.ci_low, estimate.ci_high) == pytest.approx((low, high), rel=1e-10)
    assert estimate.r2 == pytest.approx(fit.rsquared, rel=1e-10)
    assert estimate.n == 600


def test_up_down_beta_on_a_hand_series() -> None:
    bench = np.array([0.01, 0.02, -0.01, -0.03, 0.03, -0.02])
    returns = np.where(bench > 0, 0.5 * bench, 2.0 * bench)
    up, down = up_down_beta(returns, bench)
    assert up.beta == pytest.approx(0.5, abs=1e-12)
    assert down.beta == pytest.approx(2.0, abs=1e-12)
    assert up.n == 3
    assert down.n == 3


def test_correlation_matrix_and_average() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    frame = pd.DataFrame({"a": x, "b": 2 * x, "c": -x})
    matrix = correlation_matrix(frame, min_periods=3)
    assert matrix.loc["a", "b"] == pytest.approx(1.0)
    assert matrix.loc["a", "c"] == pytest.approx(-1.0)
    # off-diagonal: 1, -1, -1 (each twice) -> mean -1/3
    assert average_pairwise_correlation(matrix) == pytest.approx(-1 / 3)
    gappy = frame.copy()
    gappy.loc[0, "a"] = np.nan
    assert correlation_matrix(gappy, min_periods=3).loc["a", "b"] == pytest.approx(1.0)


def test_rolling_average_correlation_matches_brute_force() -> None:
    rng = np.random.default_rng(2)
    common = rng.normal(0, 0.01, 200)
    frame = pd.DataFrame(
        {f"A{i}": common * (0.5 + 0.2 * i) + rng.normal(0, 0.01, 200) for i in range(6)},
        index=pd.bdate_range("2021-01-01", periods=200),
    )
    rolled = rolling_average_correlation(frame, window=40)
    assert rolled.iloc[:39].isna().all()
    for end in (39, 120, 199):
        window = frame.iloc[end - 39 : end + 1]
        assert rolled.iloc[end] == pytest.approx(
            average_pairwise_correlation(window.corr()), abs=1e-12
        )


def test_factor_correlations_align_by_date() -> None:
    index = pd.bdate_range("2022-01-03", periods=50)
    rng = np.random.default_rng(5)
    factor = pd.DataFrame({"MKT": rng.normal(size=50)}, index=index)
    assets = pd.DataFrame({"X": factor["MKT"].to_numpy() * 3.0}, index=index.tz_localize("UTC"))
    table = factor_correlations(assets, factor)
    assert table.loc["X", "MKT"] == pytest.approx(1.0, abs=1e-12)
