"""Conventions: periods per year, risk-free conversion, NaN policy, time zones, alignment."""

from __future__ import annotations

import math
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest

from rustybt.analytics import metrics as m
from rustybt.errors import ConfigError, DataNotFound, ValidationError


def same(a: m.PerformanceMetrics, b: m.PerformanceMetrics) -> bool:
    """Field-by-field equality where NaN equals NaN."""
    for key, left in a.to_dict().items():
        right = getattr(b, key)
        if left != right and not (left != left and right != right):
            return False
    return True


def _returns(index: pd.DatetimeIndex, seed: int = 0) -> pd.Series:
    rng = np.random.default_rng(seed)
    return pd.Series(rng.normal(0.0004, 0.01, len(index)), index=index)


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (pd.bdate_range("2020-01-01", periods=300), 252.0),
        (pd.date_range("2020-01-01", periods=300, freq="D"), 365.0),
        (pd.date_range("2020-01-01", periods=5000, freq="min", tz="UTC"), 365.0 * 1440),
        (pd.date_range("2020-01-01", periods=500, freq="h"), 365.0 * 24),
        (pd.date_range("2020-01-03", periods=120, freq="W-FRI"), 52.0),
        (pd.date_range("2015-01-31", periods=60, freq="ME"), 12.0),
        (pd.date_range("2000-03-31", periods=40, freq="QE"), 4.0),
        (pd.date_range("1990-12-31", periods=20, freq="YE"), 1.0),
    ],
)
def test_infer_periods_per_year(index: pd.DatetimeIndex, expected: float) -> None:
    assert m.infer_periods_per_year(index) == expected


def test_equity_minutes_scale_by_bars_per_session() -> None:
    days = pd.bdate_range("2024-03-04", periods=5)  # Mon..Fri
    minutes = pd.DatetimeIndex(
        np.concatenate(
            [
                pd.date_range(day + pd.Timedelta("14:30:00"), periods=390, freq="min").asi8
                for day in days
            ]
        )
    ).tz_localize("UTC")
    assert m.infer_periods_per_year(minutes) == 252.0 * 390
    bars = _returns(minutes)
    assert m.performance_metrics(bars).periods_per_year == 252.0 * 390


def test_a_few_weekend_prints_do_not_make_equities_24_7() -> None:
    index = pd.bdate_range("2020-01-01", periods=300).append(pd.DatetimeIndex(["2021-03-06"]))
    assert m.infer_periods_per_year(pd.DatetimeIndex(index.sort_values())) == 252.0


def test_periods_override_and_default_without_index() -> None:
    daily = _returns(pd.bdate_range("2020-01-01", periods=100))
    assert m.performance_metrics(daily, periods_per_year=12).periods_per_year == 12.0
    array = daily.to_numpy()
    assert m.performance_metrics(array).periods_per_year == 252.0
    assert m.sharpe_ratio(array) == m.sharpe_ratio(daily)
    assert m.sharpe_ratio(list(array), periods_per_year=365) == pytest.approx(
        m.sharpe_ratio(daily) * math.sqrt(365 / 252), rel=1e-12
    )
    with pytest.raises(ConfigError):
        m.sharpe_ratio(daily, periods_per_year=0)


def test_risk_free_converted_geometrically() -> None:
    assert m.per_period_rate(0.05, 252) == pytest.approx(1.05 ** (1 / 252) - 1, rel=1e-15)
    assert (1 + m.per_period_rate(0.05, 12)) ** 12 == pytest.approx(1.05, rel=1e-14)
    assert m.per_period_rate(0.0, 252) == 0.0
    with pytest.raises(ConfigError):
        m.per_period_rate(-1.5, 252)


def test_nan_policy_drops_every_nan() -> None:
    index = pd.bdate_range("2020-01-01", periods=8)
    values = [np.nan, 0.01, -0.02, np.nan, 0.03, 0.0, 0.01, np.nan]
    with_nans = pd.Series(values, index=index)
    clean = with_nans.dropna()
    a = m.performance_metrics(with_nans)
    b = m.performance_metrics(clean)
    assert same(a, b)
    assert a.observations == 5
    assert a.start == index[1]
    assert a.end == index[6]
    assert a.cagr == (1.01 * 0.98 * 1.03 * 1.01) ** (252 / 5) - 1
    assert len(m.drawdown_series(with_nans)) == 5


def test_all_nan_or_empty_is_a_clear_error() -> None:
    with pytest.raises(DataNotFound, match="no observation"):
        m.performance_metrics(pd.Series([np.nan, np.nan]))
    assert math.isnan(m.sharpe_ratio([]))
    assert math.isnan(m.max_drawdown([]))
    assert math.isnan(m.total_return([np.nan]))


def test_bad_input_raises_actionable_errors() -> None:
    index = pd.bdate_range("2020-01-01", periods=3)
    with pytest.raises(ValidationError, match="infinite"):
        m.sharpe_ratio(pd.Series([0.01, np.inf, 0.0], index=index))
    with pytest.raises(ValidationError, match="strictly increasing"):
        m.sharpe_ratio(pd.Series([0.01, 0.02, 0.0], index=index[::-1]))
    with pytest.raises(ValidationError, match="strictly increasing"):
        m.sharpe_ratio(pd.Series([0.01, 0.02], index=[index[0], index[0]]))
    with pytest.raises(ConfigError, match="DataFrame"):
        m.sharpe_ratio(pd.DataFrame({"a": [0.01, 0.02]}))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="one-dimensional"):
        m.sharpe_ratio(np.zeros((3, 2)))
    with pytest.raises(ConfigError, match="DatetimeIndex"):
        m.monthly_returns_table([0.01, 0.02])
    with pytest.raises(ConfigError):
        m.worst_drawdowns([0.01], top=0)
    with pytest.raises(ConfigError):
        m.rolling_sharpe([0.01, 0.02], window=1)
    with pytest.raises(ConfigError):
        m.value_at_risk([0.01], cutoff=5)
    with pytest.raises(ValidationError, match="equal length"):
        m.beta([0.01, 0.02, 0.03], [0.01, 0.02])


@pytest.mark.parametrize("tz", [None, "UTC", "America/New_York", "Europe/London", "Asia/Tokyo"])
def test_time_zones_give_identical_metrics(tz: str | None) -> None:
    dates = pd.bdate_range("2021-01-04", periods=300)  # spans both DST changes
    naive = _returns(dates)
    local_midnight = naive.copy()
    local_midnight.index = dates.tz_localize(tz) if tz else dates
    bench = _returns(dates, seed=1)
    expected = m.performance_metrics(naive, bench)
    assert same(m.performance_metrics(local_midnight, bench), expected)
    assert same(
        m.performance_metrics(naive, local_midnight.rename("b")),
        m.performance_metrics(naive, naive),
    )
    assert expected.periods_per_year == 252.0


@pytest.mark.parametrize("tz", ["UTC", "America/New_York"])
def test_session_close_timestamps_label_their_date(tz: str) -> None:
    dates = pd.bdate_range("2021-01-04", periods=300)
    naive = _returns(dates)
    at_close = naive.copy()
    at_close.index = (
        (dates + pd.Timedelta("16:00:00")).tz_localize("America/New_York").tz_convert(tz)
    )
    assert same(m.performance_metrics(at_close), m.performance_metrics(naive))


def test_mixed_tz_strategy_and_benchmark_align_on_dates() -> None:
    index = pd.bdate_range("2021-01-04", periods=50)
    strategy = _returns(index)
    strategy.index = index.tz_localize("UTC")
    bench = _returns(index, seed=1)  # tz-naive
    assert m.beta(strategy, bench) == m.beta(strategy.tz_localize(None), bench)
    assert m.performance_metrics(strategy, bench).benchmark_observations == 50


def test_benchmark_never_changes_strategy_metrics() -> None:
    index = pd.bdate_range("2019-01-01", periods=500)
    strategy = _returns(index)
    strategy.iloc[[10, 200]] = np.nan
    shorter = _returns(index[100:400], seed=2)
    shorter.iloc[5] = np.nan
    other_dates = _returns(pd.date_range("2019-06-01", periods=400, tz="Europe/London"), seed=3)
    alone = m.performance_metrics(strategy, risk_free=0.03)
    benchmark_fields = {
        "benchmark_observations",
        "alpha",
        "beta",
        "information_ratio",
        "tracking_error",
        "up_capture",
        "down_capture",
        "correlation",
    }
    for bench in (shorter, other_dates, _returns(index, seed=4)):
        with_bench = m.performance_metrics(strategy, bench, risk_free=0.03)
        for field in fields(alone):
            if field.name in benchmark_fields:
                continue
            ours, theirs = getattr(with_bench, field.name), getattr(alone, field.name)
            assert ours == theirs or (ours != ours and theirs != theirs), field.name
    pm = m.performance_metrics(strategy, shorter)
    assert pm.benchmark_observations == 299 - 1  # shorter minus its NaN, minus strategy NaN at 200


def test_no_overlap_benchmark_gives_nan_not_error() -> None:
    strategy = _returns(pd.bdate_range("2019-01-01", periods=50))
    bench = _returns(pd.bdate_range("2021-01-01", periods=50))
    pm = m.performance_metrics(strategy, bench)
    assert pm.benchmark_observations == 0
    assert pm.beta is not None
    assert math.isnan(pm.beta)
    assert pm.sharpe_ratio == m.sharpe_ratio(strategy)


def test_positional_benchmark_drops_pairs_with_a_nan() -> None:
    strategy = [0.01, np.nan, 0.02, -0.01, 0.03]
    bench = [0.02, 0.01, np.nan, -0.02, 0.01]
    assert m.beta(strategy, bench) == m.beta([0.01, -0.01, 0.03], [0.02, -0.02, 0.01])


def test_values_are_full_precision_and_exports() -> None:
    pm = m.performance_metrics(_returns(pd.bdate_range("2020-01-01", periods=300)), risk_free=0.01)
    as_dict = pm.to_dict()
    assert list(as_dict) == [f.name for f in fields(pm)]
    allowed = (float, int, pd.Timestamp, type(None))
    assert all(type(value) in allowed for value in as_dict.values())
    assert as_dict["sharpe_ratio"] == m.sharpe_ratio(
        _returns(pd.bdate_range("2020-01-01", periods=300)), risk_free=0.01
    )
    frame = pm.to_frame()
    assert frame.loc["cagr", "value"] == pm.cagr
    assert frame.shape == (len(as_dict), 1)
    html = pm._repr_html_()
    assert "<table" in html
    assert "sharpe ratio" in html
    assert f"{pm.cagr:.2%}" in html
    assert "alpha" not in html  # no benchmark: benchmark rows are left out
    with pytest.raises(AttributeError):
        pm.sharpe_ratio = 0.0  # type: ignore[misc]


def test_calendar_fields_none_without_dates() -> None:
    pm = m.performance_metrics([0.01, -0.02, 0.03])
    assert pm.start is None
    assert pm.best_month is None
    assert pm.monthly_win_rate is None
    assert pm.best_day == 0.03
    assert pm.max_drawdown_valley == 1
