"""Known-answer tests: hand-computed values on tiny series.

r = [0.10, -0.05, 0.02]: mean 7/300, deviations (23, -22, -1)/300.
b = [0.05, -0.02, 0.01]: mean 4/300, deviations (11, -10, -1)/300.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rustybt.analytics import metrics as m

R = [0.10, -0.05, 0.02]
B = [0.05, -0.02, 0.01]
P = 252.0
DATES = pd.DatetimeIndex(["2024-01-30", "2024-01-31", "2024-02-01"])  # Tue, Wed, Thu

SUM_SQ = (23**2 + 22**2 + 1**2) / 300**2  # sum of squared deviations of R
STD = math.sqrt(SUM_SQ / 2)
GROWTH = 1.10 * 0.95 * 1.02
CAGR = GROWTH ** (P / 3) - 1


def close(actual: float, expected: float) -> bool:
    return math.isclose(actual, expected, rel_tol=1e-12, abs_tol=1e-15)


@pytest.fixture
def r() -> pd.Series:
    return pd.Series(R, index=DATES)


@pytest.fixture
def b() -> pd.Series:
    return pd.Series(B, index=DATES)


def test_compounding(r: pd.Series) -> None:
    assert close(m.total_return(r), 0.0659)
    assert close(m.cagr(r), CAGR)
    assert np.allclose(m.cumulative_returns(r).to_numpy(), [0.1, 0.045, 0.0659], rtol=1e-14)


def test_volatility_sharpe_sortino(r: pd.Series) -> None:
    assert close(m.annual_volatility(r), STD * math.sqrt(P))
    assert close(m.sharpe_ratio(r), (7 / 300) / STD * math.sqrt(P))
    downside = math.sqrt(0.05**2 / 3) * math.sqrt(P)
    assert close(m.downside_deviation(r), downside)
    assert close(m.sortino_ratio(r), (7 / 300) * P / downside)


def test_sharpe_with_annual_risk_free(r: pd.Series) -> None:
    rf_p = 1.05 ** (1 / P) - 1
    excess = np.array(R) - rf_p
    expected = excess.mean() / excess.std(ddof=1) * math.sqrt(P)
    assert close(m.sharpe_ratio(r, risk_free=0.05), expected)


def test_drawdowns(r: pd.Series) -> None:
    assert np.allclose(m.drawdown_series(r).to_numpy(), [0.0, -0.05, 1.0659 / 1.1 - 1], rtol=1e-14)
    assert close(m.max_drawdown(r), -0.05)
    assert close(m.ulcer_index(r), math.sqrt((0.05**2 + (1.0659 / 1.1 - 1) ** 2) / 3))
    assert close(m.calmar_ratio(r), CAGR / 0.05)
    period = m.max_drawdown_period(r)
    assert period is not None
    assert period.peak == DATES[0]
    assert period.valley == DATES[1]
    assert period.recovery is None
    assert period.duration == 2


def test_drawdown_from_starting_capital_has_no_peak_date() -> None:
    period = m.max_drawdown_period([-0.1, 0.2, -0.05])
    assert period is not None
    assert period.peak is None  # the high-water mark is the starting capital
    assert period.valley == 0
    assert period.recovery == 1  # 0.9 * 1.2 = 1.08 >= 1
    assert period.duration == 1


def test_worst_drawdowns_table() -> None:
    # Episodes: -10% (0..1, recovered at 2), -20% (3, recovered at 4), -5% open at the end.
    returns = [-0.1, 0.0, 0.2, -0.2, 0.3, -0.05]
    table = m.worst_drawdowns(returns, top=5)
    assert list(table.index) == [1, 2, 3]
    assert np.allclose(table["drawdown"].to_numpy(float), [-0.2, -0.1, -0.05])
    assert list(table["peak"]) == [2, None, 4]
    assert list(table["valley"]) == [3, 0, 5]
    assert list(table["recovery"]) == [4, 2, None]
    assert list(table["duration"]) == [1, 2, 1]


def test_omega_tail_var_cvar(r: pd.Series) -> None:
    assert close(m.omega_ratio(r), 0.12 / 0.05)
    # Linear percentiles of [-0.05, 0.02, 0.10]: 95% -> 0.02 + 0.9 * 0.08, 5% -> -0.05 + 0.1 * 0.07.
    assert close(m.tail_ratio(r), 0.092 / 0.043)
    assert close(m.value_at_risk(r), -0.043)
    assert close(m.conditional_value_at_risk(r), -0.05)
    rf_p = 1.10 ** (1 / P) - 1
    gains = sum(max(x - rf_p, 0) for x in R)
    losses = sum(max(rf_p - x, 0) for x in R)
    assert close(m.omega_ratio(r, threshold=0.10), gains / losses)


def test_skew_kurtosis(r: pd.Series) -> None:
    m2 = (23**2 + 22**2 + 1) / 3
    m3 = (23**3 - 22**3 - 1) / 3
    m4 = (23**4 + 22**4 + 1) / 3
    assert close(m.skew(r), m3 / m2**1.5)
    assert close(m.kurtosis(r), m4 / m2**2 - 3)
    assert close(m.kurtosis(r), -1.5)


def test_stability(r: pd.Series) -> None:
    y = np.cumsum(np.log1p(R))
    syy = float(((y - y.mean()) ** 2).sum())
    # t = 0, 1, 2 so sum((t - 1)(y - ybar)) = y2 - y0 and sum((t - 1)^2) = 2.
    assert close(m.stability(r), (y[2] - y[0]) ** 2 / (2 * syy))


def test_calendar_stats(r: pd.Series) -> None:
    assert close(m.best_return(r), 0.10)
    assert close(m.worst_return(r), -0.05)
    assert close(m.win_rate(r), 2 / 3)
    assert close(m.average_win(r), 0.06)
    assert close(m.average_loss(r), -0.05)
    jan = 1.1 * 0.95 - 1
    monthly = m.period_returns(r, "month")
    assert list(monthly.index.astype(str)) == ["2024-01", "2024-02"]
    assert np.allclose(monthly.to_numpy(), [jan, 0.02], rtol=1e-14)
    assert close(m.best_return(r, "month"), jan)
    assert close(m.worst_return(r, "month"), 0.02)
    assert close(m.best_return(r, "year"), 0.0659)
    table = m.monthly_returns_table(r)
    assert list(table.index) == [2024]
    assert close(table["Jan"].iloc[0], jan)
    assert close(table["Feb"].iloc[0], 0.02)
    assert close(table["Year"].iloc[0], 0.0659)
    assert table.loc[2024, ["Mar", "Dec"]].isna().all()


def test_win_rate_ignores_flat_periods() -> None:
    assert close(m.win_rate([0.01, 0.0, 0.0, -0.02]), 0.5)
    assert math.isnan(m.win_rate([0.0, 0.0]))


def test_intraday_days_compound_their_bars() -> None:
    index = pd.DatetimeIndex(
        ["2024-01-02 14:30", "2024-01-02 14:31", "2024-01-03 14:30", "2024-01-03 14:31"]
    )
    bars = pd.Series([0.01, 0.02, -0.01, -0.03], index=index)
    daily = m.period_returns(bars, "day")
    assert np.allclose(daily.to_numpy(), [1.01 * 1.02 - 1, 0.99 * 0.97 - 1], rtol=1e-14)
    assert close(m.best_return(bars, "day"), 1.01 * 1.02 - 1)


def test_benchmark_relative(r: pd.Series, b: pd.Series) -> None:
    beta = 474 / 222  # sum(dev_r * dev_b) / sum(dev_b^2)
    assert close(m.beta(r, b), beta)
    assert close(m.alpha(r, b), P * (7 / 300 - beta * 4 / 300))
    a, bb = m.alpha_beta(r, b)
    assert close(a, P * (7 / 300 - beta * 4 / 300))
    assert close(bb, beta)
    # Active returns [0.05, -0.03, 0.01]: mean 0.01, std 0.04.
    assert close(m.information_ratio(r, b), 0.25 * math.sqrt(P))
    assert close(m.tracking_error(r, b), 0.04 * math.sqrt(P))
    up = ((1.1 * 1.02) ** (P / 2) - 1) / ((1.05 * 1.01) ** (P / 2) - 1)
    assert close(m.up_capture(r, b), up)
    assert close(m.down_capture(r, b), (0.95**P - 1) / (0.98**P - 1))
    assert close(m.correlation(r, b), 474 / math.sqrt(1014 * 222))


def test_alpha_with_risk_free(r: pd.Series, b: pd.Series) -> None:
    rf_p = 1.04 ** (1 / P) - 1
    beta = 474 / 222
    expected = P * (7 / 300 - rf_p - beta * (4 / 300 - rf_p))
    assert close(m.alpha(r, b, risk_free=0.04), expected)


def test_probabilistic_sharpe(r: pd.Series) -> None:
    sr = (7 / 300) / STD
    m2 = (23**2 + 22**2 + 1) / 3
    g3 = ((23**3 - 22**3 - 1) / 3) / m2**1.5
    g4 = ((23**4 + 22**4 + 1) / 3) / m2**2
    z = sr * math.sqrt(2) / math.sqrt(1 - g3 * sr + (g4 - 1) / 4 * sr**2)
    expected = 0.5 * math.erfc(-z / math.sqrt(2))
    assert close(m.probabilistic_sharpe_ratio(r), expected)


def test_deflated_sharpe_paper_example() -> None:
    # Bailey & López de Prado (2014), section 5: SR 2.5 annualised over 5 years
    # of daily data (T = 1250, 250 days a year), N = 100 trials with annualised
    # V[SR] = 0.5, skew -3, kurtosis 10 -> SR0 = 0.1132 per day and DSR = 0.9004.
    sr0 = m.expected_maximum_sharpe(100, 0.5 / 250)
    assert round(sr0, 4) == 0.1132
    dsr = m.probabilistic_sharpe_from_moments(2.5 / math.sqrt(250), 1250, -3.0, 7.0, sr0)
    assert abs(dsr - 0.9004) < 5e-4


def test_deflated_sharpe_from_returns_uses_trials(r: pd.Series) -> None:
    trials = [0.5, 1.0, 1.5, 2.0]
    variance = float(np.var(trials, ddof=1)) / P
    threshold = m.expected_maximum_sharpe(4, variance)
    expected = m.probabilistic_sharpe_from_moments(
        (7 / 300) / STD, 3, m.skew(r), m.kurtosis(r), threshold
    )
    assert close(m.deflated_sharpe_ratio(r, trials), expected)
    assert m.deflated_sharpe_ratio(r, trials) < m.probabilistic_sharpe_ratio(r)


def test_container_matches_functions(r: pd.Series, b: pd.Series) -> None:
    pm = m.performance_metrics(r, b, risk_free=0.03)
    rf_p = 1.03 ** (1 / P) - 1
    assert pm.observations == 3
    assert pm.periods_per_year == P
    assert pm.start == DATES[0]
    assert pm.end == DATES[-1]
    assert close(pm.total_return, 0.0659)
    assert close(pm.cagr, CAGR)
    assert close(pm.sharpe_ratio, m.sharpe_ratio(r, risk_free=0.03))
    assert close(pm.sortino_ratio, m.sortino_ratio(r, required_return=0.03))
    assert close(pm.omega_ratio, m.omega_ratio(r, threshold=0.03))
    assert close(pm.max_drawdown, -0.05)
    assert pm.max_drawdown_valley == DATES[1]
    assert pm.max_drawdown_duration == 2
    assert close(pm.value_at_risk, -0.043)
    assert close(pm.best_month, 1.1 * 0.95 - 1)  # type: ignore[arg-type]
    assert pm.monthly_win_rate == 1.0
    assert pm.monthly_avg_loss is not None
    assert math.isnan(pm.monthly_avg_loss)
    assert close(pm.alpha, m.alpha(r, b, risk_free=0.03))  # type: ignore[arg-type]
    assert close(pm.beta, 474 / 222)  # type: ignore[arg-type]
    assert pm.benchmark_observations == 3
    assert rf_p > 0
