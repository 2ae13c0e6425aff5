"""Property tests (hypothesis) and rolling metrics against a naive window loop."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt.analytics import metrics as m

returns_lists = st.lists(
    st.floats(min_value=-0.99, max_value=1.0, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=80,
)
FAST = settings(max_examples=60, deadline=None)


@FAST
@given(returns_lists)
def test_drawdowns_bounded(values: list[float]) -> None:
    mdd = m.max_drawdown(values)
    assert -1.0 <= mdd <= 0.0
    series = m.drawdown_series(values).to_numpy()
    assert (series <= 0.0).all()
    assert series.min() == mdd
    table = m.worst_drawdown_periods(values, top=3)
    depths = [p.drawdown for p in table]
    assert depths == sorted(depths)
    assert (not table and mdd == 0.0) or depths[0] == mdd


@FAST
@given(returns_lists)
def test_compounding_is_consistent(values: list[float]) -> None:
    growth = math.prod(1.0 + v for v in values)
    assert math.isclose(m.total_return(values) + 1.0, growth, rel_tol=1e-9, abs_tol=1e-12)
    path = m.cumulative_returns(values).to_numpy()
    assert math.isclose(path[-1] + 1.0, growth, rel_tol=1e-9, abs_tol=1e-12)
    rate = m.cagr(values, periods_per_year=252)
    if growth >= 0:
        # One period per 1/252 year: compounding the CAGR over n/252 years gives growth.
        annual_growth = math.exp(math.log(growth) * 252 / len(values)) if growth > 0 else 0.0
        assert math.isclose(1.0 + rate, annual_growth, rel_tol=1e-6, abs_tol=1e-12)


@FAST
@given(returns_lists)
def test_calendar_tables_compound_to_the_total(values: list[float]) -> None:
    series = pd.Series(values, index=pd.date_range("2023-11-20", periods=len(values), freq="D"))
    table = m.monthly_returns_table(series)
    months = table.drop(columns="Year").to_numpy()
    months = months[~np.isnan(months)]
    total = m.total_return(series)
    assert math.isclose(np.prod(1.0 + months) - 1.0, total, rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(
        np.prod(1.0 + table["Year"].to_numpy()) - 1.0, total, rel_tol=1e-9, abs_tol=1e-12
    )
    rate = m.win_rate(series)
    assert math.isnan(rate) or 0.0 <= rate <= 1.0


@FAST
@given(returns_lists, st.floats(min_value=0.0, max_value=0.2))
def test_ratios_are_scale_consistent(values: list[float], rf: float) -> None:
    sharpe = m.sharpe_ratio(values, periods_per_year=252)
    yearly = m.sharpe_ratio(values, periods_per_year=1)
    if math.isfinite(sharpe):
        assert math.isclose(sharpe, yearly * math.sqrt(252), rel_tol=1e-9, abs_tol=1e-12)
        with_rf = m.sharpe_ratio(values, risk_free=rf, periods_per_year=252)
        assert with_rf <= sharpe + 1e-9 or not math.isfinite(with_rf)
    assert 0.0 <= m.stability(values) <= 1.0 + 1e-12 or len(values) < 2


def _naive_rolling(values: np.ndarray, window: int, func: object) -> np.ndarray:
    out = np.full(values.shape[0], np.nan)
    for end in range(window, values.shape[0] + 1):
        out[end - 1] = func(values[end - window : end])  # type: ignore[operator]
    return out


@FAST
@given(
    st.lists(st.floats(min_value=-0.2, max_value=0.2, allow_nan=False), min_size=2, max_size=60),
    st.integers(min_value=2, max_value=20),
)
def test_rolling_matches_naive_windows(values: list[float], window: int) -> None:
    array = np.array(values)
    if window > array.shape[0]:
        assert m.rolling_volatility(array, window).isna().all()
        return
    np.testing.assert_allclose(
        m.rolling_volatility(array, window).to_numpy(),
        _naive_rolling(array, window, lambda w: m.annual_volatility(w)),
        rtol=1e-7,
        # Cumulative sums carry an absolute error on the scale of the whole series.
        atol=1e-6 * float(np.abs(array).max()),
    )
    np.testing.assert_allclose(
        m.rolling_max_drawdown(array, window).to_numpy(),
        _naive_rolling(array, window, m.max_drawdown),
        rtol=1e-12,
        atol=1e-15,
    )


def test_rolling_sharpe_flat_window_follows_empyrical_convention() -> None:
    values = [0.01, 0.0, 0.0, 0.0, 0.02, 0.001, 0.001, 0.001]
    sharpe = m.rolling_sharpe(values, 3).to_numpy()
    assert math.isnan(sharpe[3])  # three zero returns: 0 / 0
    assert sharpe[7] == math.inf  # constant positive return: + infinity
    vol = m.rolling_volatility(values, 3).to_numpy()
    assert vol[3] == 0.0
    assert vol[7] == 0.0


def test_rolling_sharpe_known_answer() -> None:
    index = pd.bdate_range("2024-01-01", periods=4)
    values = pd.Series([0.1, -0.05, 0.02, 0.04], index=index)
    result = m.rolling_sharpe(values, 3, risk_free=0.02)
    rf_p = 1.02 ** (1 / 252) - 1
    first = np.array([0.1, -0.05, 0.02])
    second = np.array([-0.05, 0.02, 0.04])
    expected = [(w.mean() - rf_p) / w.std(ddof=1) * math.sqrt(252) for w in (first, second)]
    assert result.index.equals(index)
    assert result.iloc[:2].isna().all()
    np.testing.assert_allclose(result.iloc[2:].to_numpy(), expected, rtol=1e-12)


def test_rolling_beta_known_answer_and_flat_benchmark() -> None:
    strategy = [0.1, -0.05, 0.02, 0.03]
    bench = [0.05, -0.02, 0.01, 0.01]
    beta = m.rolling_beta(strategy, bench, 3).to_numpy()
    assert beta[2] == pytest.approx(474 / 222, rel=1e-12)
    assert beta[3] == pytest.approx(m.beta(strategy[1:], bench[1:]), rel=1e-12)
    flat = m.rolling_beta(strategy, [0.01, 0.01, 0.01, 0.02], 3).to_numpy()
    assert math.isnan(flat[2])


def test_rolling_max_drawdown_chunks_long_series() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(0.0, 0.01, 30_000)
    window = 100  # 30k windows x 100 > one chunk of 2**21 elements
    result = m.rolling_max_drawdown(values, window).to_numpy()
    for end in (window, 21_000, 29_999, 30_000):
        assert result[end - 1] == pytest.approx(
            m.max_drawdown(values[end - window : end]), abs=1e-15
        )
