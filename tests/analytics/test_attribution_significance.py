"""Bootstrap of alpha and the Sharpe-luck report: seeded, calibrated, in plain words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rustybt.analytics.attribution import bootstrap_alpha, sharpe_luck, stationary_bootstrap_indices
from rustybt.analytics.metrics import probabilistic_sharpe_ratio
from rustybt.errors import ConfigError


def data(alpha: float, seed: int, n: int = 1500) -> tuple[pd.Series, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2015-01-01", periods=n)
    factors = pd.DataFrame({"Mkt-RF": rng.normal(0.0004, 0.01, n)}, index=index)
    returns = alpha + 1.1 * factors["Mkt-RF"] + rng.normal(0, 0.004, n)
    return returns, factors


def test_stationary_indices_blocks() -> None:
    rng = np.random.default_rng(0)
    rows = stationary_bootstrap_indices(500, 20, 10.0, rng)
    assert rows.shape == (20, 500)
    assert rows.min() >= 0
    assert rows.max() < 500
    steps = np.diff(rows, axis=1)
    continues = (steps == 1) | (steps == -499)
    assert 0.85 < continues.mean() < 0.95  # new block with probability 1/10
    with pytest.raises(ConfigError):
        stationary_bootstrap_indices(10, 1, 0.5, rng)


def test_bootstrap_alpha_interval_and_seed() -> None:
    returns, factors = data(0.0008, seed=1)
    boot = bootstrap_alpha(returns, factors, n_samples=400, seed=9)
    again = bootstrap_alpha(returns, factors, n_samples=400, seed=9)
    assert boot == again
    low, high = boot.interval
    assert low < 0.0008 < high
    assert boot.significant
    assert boot.p_value < 0.01
    assert boot.block_length == 12.0  # ceil(1500 ** (1/3))
    assert "unlikely to be luck" in boot.summary()


def test_bootstrap_alpha_of_no_skill_is_not_significant() -> None:
    returns, factors = data(0.0, seed=4)
    boot = bootstrap_alpha(returns, factors, n_samples=400, seed=1)
    assert not boot.significant
    assert boot.p_value > 0.05
    assert "may well be luck" in boot.summary()


def test_sharpe_luck_matches_psr_and_sign_test() -> None:
    rng = np.random.default_rng(8)
    index = pd.bdate_range("2015-01-01", periods=1000)
    good = pd.Series(rng.normal(0.0015, 0.01, 1000), index=index)
    luck = sharpe_luck(good, n_permutations=500, seed=3)
    assert luck.probabilistic_sharpe == pytest.approx(probabilistic_sharpe_ratio(good), abs=1e-15)
    assert luck.luck_probability < 0.01
    assert luck.sign_test_p_value < 0.01
    assert luck.sharpe_ratio == pytest.approx(good.mean() / good.std() * np.sqrt(252))
    noise = pd.Series(rng.normal(0.0, 0.01, 1000), index=index)
    unlucky = sharpe_luck(noise, n_permutations=500, seed=3)
    assert unlucky.sign_test_p_value > 0.05
    assert "is luck" in unlucky.summary()
