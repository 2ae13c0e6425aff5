"""Tail risk: worst N-day losses, drawdown at risk, GPD fit, the summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from rustybt.analytics.risk import drawdown_at_risk, gpd_tail, tail_risk, worst_losses
from rustybt.errors import DataNotFound


def test_worst_losses_on_a_hand_series() -> None:
    returns = [0.01, -0.05, -0.05, 0.02, 0.0, -0.01]
    worst = worst_losses(returns, horizons=(1, 2, 3, 7))
    assert worst["worst_1"] == pytest.approx(-0.05)
    assert worst["worst_2"] == pytest.approx(0.95 * 0.95 - 1)
    assert worst["worst_3"] == pytest.approx(min(1.01 * 0.95 * 0.95, 0.95 * 0.95 * 1.02) - 1)
    assert np.isnan(worst["worst_7"])


def test_drawdown_at_risk_historical_and_bootstrap() -> None:
    boot, hist = drawdown_at_risk([-0.1, 0.0, 0.0, 0.0], 0.95, horizon=4, n_paths=2000, seed=3)
    assert hist == pytest.approx(-0.1)  # underwater -10% on every date
    # a path's drawdown is 0.9^k - 1 for k losing draws (k ~ Binomial(4, 1/4))
    assert min(abs(boot - (0.9**k - 1)) for k in range(5)) < 1e-12
    assert boot <= 0.9**2 - 1 + 1e-12  # P(k >= 2) = 26% > 5%, so the 5% quantile has k >= 2
    again = drawdown_at_risk([-0.1, 0.0, 0.0, 0.0], 0.95, horizon=4, n_paths=2000, seed=3)
    assert again == (boot, hist)


def test_gpd_var_and_es_follow_the_fitted_tail() -> None:
    rng = np.random.default_rng(21)
    returns = stats.t.rvs(3, size=20_000, random_state=rng) * 0.01
    fit = gpd_tail(returns, 0.995, threshold_quantile=0.95)
    losses = -returns
    u = np.quantile(losses, 0.95)
    excess = losses[losses > u] - u
    xi, _, beta = stats.genpareto.fit(excess, floc=0.0)
    assert (fit.threshold, fit.xi, fit.beta) == pytest.approx((u, xi, beta), rel=1e-12)
    assert fit.n_exceedances == excess.shape[0]
    assert fit.n == 20_000
    # VaR: the GPD quantile of the conditional excess distribution
    p_exceed = excess.shape[0] / 20_000
    var_loss = u + stats.genpareto.ppf(1 - 0.005 / p_exceed, xi, scale=beta)
    assert fit.var == pytest.approx(-var_loss, rel=1e-9)
    es_loss = u + stats.genpareto.expect(
        lambda y: y, args=(xi,), scale=beta, lb=var_loss - u, conditional=True
    )
    assert fit.es == pytest.approx(-es_loss, rel=1e-6)
    # t(3) has a power tail (xi = 1/3 asymptotically; a 95% threshold is not yet
    # asymptotic, so the fit is lower) and the fit lands close to the true 99.5% quantile
    assert 0.1 < fit.xi < 0.45
    assert fit.var == pytest.approx(stats.t.ppf(0.005, 3) * 0.01, rel=0.1)


def test_gpd_needs_enough_exceedances() -> None:
    with pytest.raises(DataNotFound, match="too few losses"):
        gpd_tail(np.linspace(-0.01, 0.01, 100))


def test_tail_risk_summary() -> None:
    rng = np.random.default_rng(4)
    returns = pd.Series(
        rng.standard_t(4, 1000) * 0.01, index=pd.bdate_range("2016-01-01", periods=1000)
    )
    summary = tail_risk(returns)
    assert summary.skew == pytest.approx(stats.skew(returns))
    assert summary.excess_kurtosis == pytest.approx(stats.kurtosis(returns))
    assert summary.gpd is not None
    assert summary.gpd.var < 0
    series = summary.to_series()
    assert {"worst_1", "worst_21", "drawdown_at_risk", "gpd_xi", "tail_ratio"} <= set(series.index)
    assert summary.worst["worst_1"] == pytest.approx(returns.min())
    short = tail_risk(returns.iloc[:200])
    assert short.gpd is None  # 10 exceedances: no fit, the rest still computed
