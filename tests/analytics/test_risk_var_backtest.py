"""VaR backtesting: Kupiec and Christoffersen against hand-computed statistics."""

from __future__ import annotations

from math import log

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from rustybt.analytics.risk import (
    backtest_var,
    christoffersen_independence,
    kupiec_pof,
    rolling_var,
)
from rustybt.errors import ConfigError, DataNotFound


def test_kupiec_matches_the_textbook_case() -> None:
    # 250 days, 99% VaR, 5 breaches: Jorion's example, LR = 1.9568
    test = kupiec_pof(250, 5, 0.99)
    hand = -2 * (245 * log(0.99) + 5 * log(0.01)) + 2 * (245 * log(0.98) + 5 * log(0.02))
    assert test.statistic == pytest.approx(hand, abs=1e-12)
    assert test.statistic == pytest.approx(1.956809788, abs=1e-9)
    # erfc(sqrt(x / 2)) here, scipy's incomplete gamma there: equal to 1e-12 relative
    assert test.p_value == pytest.approx(stats.chi2.sf(hand, 1), rel=1e-12)
    assert not test.rejected


def test_kupiec_with_no_breaches_uses_zero_log_zero() -> None:
    test = kupiec_pof(500, 0, 0.99)
    assert test.statistic == pytest.approx(-2 * 500 * log(0.99), abs=1e-12)
    assert test.rejected  # 0 in 500 when 5 are expected: too few


def test_christoffersen_is_zero_when_transition_rates_are_equal() -> None:
    # n00=4, n01=2, n10=2, n11=1: pi01 = pi11 = pi = 1/3
    test = christoffersen_independence([0, 0, 1, 1, 0, 0, 0, 1, 0, 0])
    assert test.statistic == pytest.approx(0.0, abs=1e-12)
    assert test.p_value == pytest.approx(1.0)


def test_christoffersen_on_a_clustered_sequence() -> None:
    # n00=3, n01=1, n10=1, n11=2: pi01=1/4, pi11=2/3, pi=3/7
    test = christoffersen_independence([0, 1, 1, 1, 0, 0, 0, 0])
    hand = -2 * (4 * log(4 / 7) + 3 * log(3 / 7)) + 2 * (
        3 * log(3 / 4) + log(1 / 4) + log(1 / 3) + 2 * log(2 / 3)
    )
    assert test.statistic == pytest.approx(hand, abs=1e-12)
    assert test.statistic == pytest.approx(1.242947299, abs=1e-9)


def test_rolling_var_uses_only_the_past() -> None:
    values = np.arange(1.0, 31.0) / 1000.0 - 0.02
    frame = rolling_var(values, level=0.95, window=20)
    assert len(frame) == 10
    # the forecast for observation 20 is the 5th percentile of observations 0..19
    assert frame["var"].iloc[0] == pytest.approx(np.percentile(values[:20], 5))
    values_changed = values.copy()
    values_changed[25:] = -1.0  # the future must not move earlier forecasts
    changed = rolling_var(values_changed, level=0.95, window=20)
    np.testing.assert_array_equal(changed["var"].iloc[:6], frame["var"].iloc[:6])


def test_backtest_counts_breaches_and_combines_the_tests() -> None:
    rng = np.random.default_rng(8)
    index = pd.bdate_range("2010-01-01", periods=1250)
    calm, wild = rng.normal(0, 0.01, 1000), rng.normal(0, 0.03, 250)
    returns = pd.Series(np.concatenate([calm, wild]), index=index)
    result = backtest_var(returns, level=0.99, window=250, method="parametric")
    flags = result.series["breach"].to_numpy()
    assert result.n == 1000
    assert result.breaches == int(flags.sum())
    assert result.expected == pytest.approx(10.0)
    assert result.conditional_coverage.statistic == pytest.approx(
        result.kupiec.statistic + result.independence.statistic
    )
    assert result.conditional_coverage.dof == 2
    assert result.kupiec.rejected  # the volatility jump makes breaches pile up
    assert "too many: the model understates risk" in result.verdict
    assert list(result.summary().index) == [
        "kupiec_pof",
        "christoffersen_independence",
        "conditional_coverage",
    ]


def test_a_correct_model_passes() -> None:
    rng = np.random.default_rng(9)
    returns = rng.normal(0, 0.01, 1250)
    result = backtest_var(returns, level=0.95, window=250, method="parametric")
    assert not result.kupiec.rejected
    assert "Coverage is consistent with 95%" in result.verdict


def test_errors() -> None:
    with pytest.raises(DataNotFound, match="not enough returns"):
        backtest_var(np.zeros(100), window=250)
    with pytest.raises(ConfigError):
        kupiec_pof(10, 11, 0.99)
