"""Agreement with empyrical(-reloaded) to 1e-9, and tests of every deliberate difference.

Series: normal returns, fat tails with a -20% crash, NaNs (leading, interior,
trailing) and flat zero-return stretches; with and without a benchmark, rf 0 and 4%.
"""

from __future__ import annotations

import math

import empyrical as ep
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from rustybt.analytics import metrics as m

P = 252
N = 756


def _index() -> pd.DatetimeIndex:
    return pd.bdate_range("2018-01-02", periods=N)


def _normal(seed: int = 1) -> pd.Series:
    rng = np.random.default_rng(seed)
    return pd.Series(rng.normal(0.0005, 0.011, N), index=_index())


def _fat_tailed() -> pd.Series:
    rng = np.random.default_rng(2)
    values = rng.standard_t(3, N) * 0.008 + 0.0004
    values[400] = -0.20
    return pd.Series(values, index=_index())


def _with_nans() -> pd.Series:
    series = _normal(3).copy()
    rng = np.random.default_rng(4)
    series.iloc[rng.choice(np.arange(5, N - 5), 40, replace=False)] = np.nan
    series.iloc[:3] = np.nan
    series.iloc[-2:] = np.nan
    return series


def _flat_stretches() -> pd.Series:
    series = _normal(5).copy()
    series.iloc[100:160] = 0.0
    series.iloc[500:530] = 0.0
    return series


SERIES = {
    "normal": _normal,
    "fat_tailed_crash": _fat_tailed,
    "nans": _with_nans,
    "flat": _flat_stretches,
}


def _benchmark(returns: pd.Series) -> pd.Series:
    rng = np.random.default_rng(9)
    noise = rng.normal(0.0003, 0.009, N)
    base = np.nan_to_num(returns.to_numpy())
    return pd.Series(0.6 * base + noise, index=returns.index)


def agree(ours: float, theirs: float) -> None:
    if math.isnan(theirs):
        assert math.isnan(ours)
        return
    assert abs(ours - theirs) <= 1e-9 * max(1.0, abs(theirs)), (ours, theirs)


@pytest.fixture(params=list(SERIES))
def returns(request: pytest.FixtureRequest) -> pd.Series:
    return SERIES[request.param]()


@pytest.mark.parametrize("rf", [0.0, 0.04])
def test_scalar_metrics_agree(returns: pd.Series, rf: float) -> None:
    rf_p = (1 + rf) ** (1 / P) - 1
    clean = returns.dropna()  # our NaN policy; see test_cagr_counts_observations_not_rows
    agree(m.total_return(returns), ep.cum_returns_final(returns))
    agree(m.cagr(returns), ep.cagr(clean))
    agree(m.annual_volatility(returns), ep.annual_volatility(returns))
    agree(m.sharpe_ratio(returns, risk_free=rf), ep.sharpe_ratio(returns, risk_free=rf_p))
    agree(
        m.sortino_ratio(returns, required_return=rf),
        ep.sortino_ratio(returns, required_return=rf_p),
    )
    agree(
        m.downside_deviation(returns, required_return=rf),
        ep.downside_risk(returns, required_return=rf_p),
    )
    agree(m.calmar_ratio(returns), ep.calmar_ratio(clean))
    agree(m.omega_ratio(returns, threshold=rf), ep.omega_ratio(returns, required_return=rf))
    agree(m.stability(returns), ep.stability_of_timeseries(returns))
    agree(m.tail_ratio(returns), ep.tail_ratio(returns))
    agree(m.max_drawdown(returns), ep.max_drawdown(returns))
    agree(m.skew(returns), float(stats.skew(clean)))
    agree(m.kurtosis(returns), float(stats.kurtosis(clean)))
    agree(m.value_at_risk(returns), ep.value_at_risk(clean))
    agree(m.conditional_value_at_risk(returns), ep.conditional_value_at_risk(returns))


@pytest.mark.parametrize("rf", [0.0, 0.04])
def test_container_agrees(returns: pd.Series, rf: float) -> None:
    rf_p = (1 + rf) ** (1 / P) - 1
    bench = _benchmark(returns)
    pm = m.performance_metrics(returns, bench, risk_free=rf)
    clean = returns.dropna()
    agree(pm.total_return, ep.cum_returns_final(returns))
    agree(pm.cagr, ep.cagr(clean))
    agree(pm.annual_volatility, ep.annual_volatility(returns))
    agree(pm.sharpe_ratio, ep.sharpe_ratio(returns, risk_free=rf_p))
    agree(pm.sortino_ratio, ep.sortino_ratio(returns, required_return=rf_p))
    agree(pm.downside_deviation, ep.downside_risk(returns, required_return=rf_p))
    agree(pm.calmar_ratio, ep.calmar_ratio(clean))
    agree(pm.omega_ratio, ep.omega_ratio(returns, required_return=rf))
    agree(pm.stability, ep.stability_of_timeseries(returns))
    agree(pm.tail_ratio, ep.tail_ratio(returns))
    agree(pm.max_drawdown, ep.max_drawdown(returns))
    agree(pm.skew, float(stats.skew(clean)))
    agree(pm.kurtosis, float(stats.kurtosis(clean)))
    agree(pm.value_at_risk, ep.value_at_risk(clean))
    agree(pm.conditional_value_at_risk, ep.conditional_value_at_risk(returns))
    assert pm.beta is not None
    agree(pm.beta, ep.beta(returns, bench, risk_free=rf_p))
    agree(pm.up_capture, ep.up_capture(returns, bench))  # type: ignore[arg-type]
    agree(pm.down_capture, ep.down_capture(returns, bench))  # type: ignore[arg-type]
    months = ep.aggregate_returns(clean, "monthly").to_numpy()
    years = ep.aggregate_returns(clean, "yearly").to_numpy()
    agree(pm.best_month, months.max())  # type: ignore[arg-type]
    agree(pm.worst_month, months.min())  # type: ignore[arg-type]
    agree(pm.best_year, years.max())  # type: ignore[arg-type]
    agree(pm.worst_year, years.min())  # type: ignore[arg-type]


def test_benchmark_metrics_agree(returns: pd.Series) -> None:
    bench = _benchmark(returns)
    agree(m.beta(returns, bench), ep.beta(returns, bench))
    agree(m.up_capture(returns, bench), ep.up_capture(returns, bench))
    agree(m.down_capture(returns, bench), ep.down_capture(returns, bench))
    both = pd.concat([returns, bench], axis=1).dropna()
    agree(m.correlation(returns, bench), float(np.corrcoef(both[0], both[1])[0, 1]))


def test_series_agree(returns: pd.Series) -> None:
    clean = returns.dropna()
    np.testing.assert_allclose(
        m.cumulative_returns(returns).to_numpy(), ep.cum_returns(clean).to_numpy(), rtol=1e-9
    )
    np.testing.assert_allclose(
        m.drawdown_series(returns).to_numpy(),
        ep.stats.drawdown_series(clean).to_numpy(),
        rtol=1e-9,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        m.period_returns(returns, "month").to_numpy(),
        ep.aggregate_returns(clean, "monthly").to_numpy(),
        rtol=1e-9,
    )
    np.testing.assert_allclose(
        m.monthly_returns_table(returns)["Year"].to_numpy(),
        ep.aggregate_returns(clean, "yearly").to_numpy(),
        rtol=1e-9,
    )


def test_rolling_agree(returns: pd.Series) -> None:
    window = 63
    clean = returns.dropna().to_numpy()
    bench = _benchmark(returns)
    paired = pd.concat([returns, bench], axis=1).dropna()

    def tail(series: pd.Series) -> np.ndarray:
        return series.to_numpy()[window - 1 :]

    np.testing.assert_allclose(
        tail(m.rolling_sharpe(returns, window)),
        ep.roll_sharpe_ratio(clean, window),
        rtol=1e-9,
        atol=1e-9,
    )
    np.testing.assert_allclose(
        tail(m.rolling_volatility(returns, window)),
        ep.roll_annual_volatility(clean, window),
        rtol=1e-9,
    )
    np.testing.assert_allclose(
        tail(m.rolling_max_drawdown(returns, window)),
        ep.roll_max_drawdown(clean, window),
        rtol=1e-9,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        tail(m.rolling_beta(returns, bench, window)),
        ep.roll_beta(paired[0].to_numpy(), paired[1].to_numpy(), window),
        rtol=1e-9,
    )


# ---- deliberate differences, one test each (listed in docs/metrics.md) ----


def test_cagr_counts_observations_not_rows() -> None:
    returns = _with_nans()
    ours = m.cagr(returns)
    agree(ours, ep.cagr(returns.dropna()))
    # empyrical divides by len(returns), NaN rows included: a lower CAGR.
    assert ep.cagr(returns) < ours - 1e-4
    assert m.calmar_ratio(returns) != pytest.approx(ep.calmar_ratio(returns), rel=1e-6)


def test_alpha_is_annualised_arithmetically() -> None:
    returns = _normal()
    bench = _benchmark(returns)
    rf = 0.04
    rf_p = (1 + rf) ** (1 / P) - 1
    ours = m.alpha(returns, bench, risk_free=rf)
    theirs = ep.alpha(returns, bench, risk_free=rf_p)
    agree((1 + ours / P) ** P - 1, theirs)
    assert abs(ours - theirs) > 1e-4


def test_information_ratio_is_annualised() -> None:
    returns = _normal()
    bench = _benchmark(returns)
    agree(m.information_ratio(returns, bench), ep.excess_sharpe(returns, bench) * math.sqrt(P))
    agree(m.tracking_error(returns, bench), float(np.std(returns - bench, ddof=1)) * math.sqrt(P))


def test_risk_free_is_an_annual_rate() -> None:
    returns = _normal()
    # Passing empyrical's per-period number to us would be a near-zero annual rate.
    assert m.sharpe_ratio(returns, risk_free=0.04) != pytest.approx(
        ep.sharpe_ratio(returns, risk_free=0.04), rel=1e-3
    )
    agree(
        m.sharpe_ratio(returns, risk_free=0.04),
        ep.sharpe_ratio(returns, risk_free=1.04 ** (1 / P) - 1),
    )


def test_nans_are_dropped_not_propagated() -> None:
    returns = _with_nans()
    assert math.isnan(float(stats.skew(returns)))
    assert math.isnan(ep.value_at_risk(returns))
    assert not math.isnan(m.skew(returns))
    assert not math.isnan(m.value_at_risk(returns))
    # empyrical keeps NaN rows in cum_returns as zero returns; we drop the rows.
    theirs = ep.cum_returns(returns)
    ours = m.cumulative_returns(returns)
    assert len(ours) == returns.notna().sum() < len(theirs)
    np.testing.assert_allclose(ours.to_numpy(), theirs[returns.notna()].to_numpy(), rtol=1e-12)


def test_periods_per_year_inferred_for_24_7_assets() -> None:
    rng = np.random.default_rng(6)
    crypto = pd.Series(
        rng.normal(0.001, 0.03, 400), index=pd.date_range("2021-01-01", periods=400, tz="UTC")
    )
    agree(m.sharpe_ratio(crypto), ep.sharpe_ratio(crypto, annualization=365))
    agree(m.cagr(crypto), ep.cagr(crypto, annualization=365))
    # empyrical's default would annualise with 252.
    assert m.annual_volatility(crypto) > ep.annual_volatility(crypto)


def test_rolling_results_keep_full_length() -> None:
    returns = _normal()
    ours = m.rolling_sharpe(returns, 20)
    theirs = ep.roll_sharpe_ratio(returns, 20)
    assert len(ours) == len(returns)
    assert len(theirs) == len(returns) - 19
    assert ours.iloc[:19].isna().all()
    pd.testing.assert_index_equal(ours.index[19:], theirs.index)
