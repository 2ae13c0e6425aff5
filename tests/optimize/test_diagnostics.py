"""PBO (CSCV) on synthetic cases with known answers; degradation; deflated Sharpe."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rustybt.analytics.metrics import deflated_sharpe_ratio
from rustybt.errors import ConfigError
from rustybt.optimize import (
    Integer,
    degradation,
    optimize,
    probability_of_backtest_overfitting,
)
from tests.optimize.known import HoldWindow, peak_panel


def test_pbo_is_one_when_the_in_sample_winner_always_loses_out_of_sample() -> None:
    # Two mirror strategies whose returns sum to zero over the whole sample: the
    # half where one wins in sample is exactly the half where it loses out of sample.
    rng = np.random.default_rng(7)
    x = rng.normal(0.0, 0.01, 800)
    x -= x.mean()
    result = probability_of_backtest_overfitting(np.column_stack([x, -x]), n_splits=8)
    assert result.pbo == 1.0
    assert result.n_combinations == math.comb(8, 4)
    # N = 2 and the winner ranks last: w = 1/3, lambda = ln(1/2) in every split.
    np.testing.assert_allclose(result.logits, math.log(0.5))


def test_pbo_is_zero_when_one_strategy_dominates_everywhere() -> None:
    rng = np.random.default_rng(3)
    noise = rng.normal(0.0, 0.0002, (640, 10))
    skill = np.linspace(0.0, 0.002, 10)  # column 9 has the highest drift by far
    result = probability_of_backtest_overfitting(noise + skill, n_splits=16)
    assert result.pbo == 0.0
    # The winner is also the OOS best: w = 10/11, lambda = ln(10).
    np.testing.assert_allclose(result.logits, math.log(10.0))


def test_pbo_of_pure_noise_is_near_one_half_on_average() -> None:
    # Without skill the IS winner's OOS rank is uniform: PBO averages 1/2 over draws
    # (one draw varies a lot, since all its splits share the same data).
    draws = [
        probability_of_backtest_overfitting(
            np.random.default_rng(seed).normal(0, 0.01, (400, 20)), n_splits=8
        ).pbo
        for seed in range(40)
    ]
    assert 0.4 < float(np.mean(draws)) < 0.65


def test_pbo_rejects_bad_shapes() -> None:
    with pytest.raises(ConfigError, match="at least 2 trials"):
        probability_of_backtest_overfitting(np.zeros((100, 1)))
    with pytest.raises(ConfigError, match="even"):
        probability_of_backtest_overfitting(np.zeros((100, 3)), n_splits=5)
    with pytest.raises(ConfigError, match="periods"):
        probability_of_backtest_overfitting(np.zeros((10, 3)), n_splits=16)


def test_degradation_known_values() -> None:
    report = degradation([1.0, 2.0, 3.0], [0.5, 0.0, -0.5])
    assert report["is_mean"] == 2.0
    assert report["oos_mean"] == 0.0
    assert report["ratio"] == 0.0
    assert report["slope"] == pytest.approx(-0.5)
    assert report["oos_loss_share"] == pytest.approx(1 / 3)


def test_search_diagnostics_use_every_distinct_trial() -> None:
    found = optimize(
        HoldWindow, peak_panel(), {"exit": Integer(5, 60, 5)}, objective="sharpe_ratio"
    )
    sharpes = found.trials["sharpe_ratio"].to_numpy()
    assert found.n_distinct_trials == 12
    assert found.deflated_sharpe() == deflated_sharpe_ratio(found.best_result.returns, sharpes)
    matrix = found.returns_matrix()
    assert matrix.shape == (len(peak_panel()), 12)
    assert 0.0 <= found.pbo(n_splits=4).pbo <= 1.0
