"""Timing vs selection identity, and the Treynor-Mazuy / Merton-Henriksson tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rustybt.analytics.attribution import merton_henriksson, timing_selection, treynor_mazuy


def test_timing_selection_by_hand() -> None:
    index = pd.bdate_range("2021-01-04", periods=3)
    exposure = pd.Series([1.0, 0.5, 0.0], index=index)
    market = pd.Series([0.02, -0.01, 0.03], index=index)
    returns = pd.Series([0.03, -0.01, 0.0], index=index)  # baskets: +3%, -2%, none
    split = timing_selection(returns, exposure, market)
    assert split.average_exposure == pytest.approx(0.5)
    expected = np.array(
        [
            [0.01, 0.01, 0.005, 0.005],
            [-0.005, 0.0, -0.005, 0.0],
            [0.015, -0.015, 0.0, 0.0],
        ]
    )
    np.testing.assert_allclose(split.components.to_numpy(), expected, atol=1e-15)


def test_timing_selection_identity_random() -> None:
    rng = np.random.default_rng(5)
    n = 1000
    market = rng.normal(0.0004, 0.01, n)
    exposure = np.clip(rng.normal(0.7, 0.4, n), -1, 2)
    exposure[::50] = 0.0
    returns = exposure * (market + rng.normal(0.0002, 0.005, n))
    returns[::50] = 0.001  # traded inside a flat session: kept as interaction
    split = timing_selection(returns, exposure, market)
    np.testing.assert_allclose(split.components.sum(axis=1), returns, rtol=0, atol=1e-12)
    linked = split.linked()
    assert linked.sum() == pytest.approx(np.prod(1 + returns) - 1, abs=1e-12)
    assert "timing" in split.summary()


def synthetic_timer(n: int = 2000) -> tuple[pd.Series, pd.Series]:
    rng = np.random.default_rng(11)
    index = pd.bdate_range("2012-01-02", periods=n)
    market = pd.Series(rng.normal(0.0003, 0.01, n), index=index)
    # A perfect timer: 1.5x exposure on up days, 0.5x on down days.
    returns = pd.Series(np.where(market > 0, 1.5, 0.5) * market, index=index)
    return returns, market


def test_merton_henriksson_recovers_exact_timer() -> None:
    returns, market = synthetic_timer()
    fit = merton_henriksson(returns, market)
    assert fit.beta == pytest.approx(0.5, abs=1e-10)
    assert fit.gamma == pytest.approx(1.0, abs=1e-10)
    assert fit.regression.alpha == pytest.approx(0.0, abs=1e-12)


def test_treynor_mazuy_detects_timer_and_not_a_passive_fund() -> None:
    returns, market = synthetic_timer()
    noisy = returns + np.random.default_rng(2).normal(0, 0.003, len(returns))
    fit = treynor_mazuy(noisy, market)
    assert fit.gamma > 0
    assert fit.significant
    assert "evidence of market timing skill" in fit.summary()
    passive = 0.9 * market + np.random.default_rng(3).normal(0, 0.003, len(market))
    flat = treynor_mazuy(passive, market)
    assert not flat.significant
    assert flat.beta == pytest.approx(0.9, abs=0.02)
