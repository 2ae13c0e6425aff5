"""Speed of `performance_metrics` against empyrical (and the targets in docs/metrics.md).

Run: ``.venv/bin/python benchmarks/metrics_speed.py``. Prints milliseconds per call
(best of several repeats) for:

* the full scalar set on 10 years of daily returns (2,520), with a benchmark;
* empyrical's 23 comparable functions on the same series, for reference;
* the full scalar set on 2,000,000 minute returns (24/7 index);
* the rolling metrics on the daily series.

Targets: daily < 10 ms, 2M minutes < 2 s.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from rustybt.analytics import metrics as m


def best_ms(func: Callable[[], object], repeat: int, number: int) -> float:
    """Best average milliseconds per call over ``repeat`` rounds of ``number`` calls."""
    func()
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            func()
        rounds.append((time.perf_counter() - start) / number)
    return min(rounds) * 1e3


def daily_series() -> tuple[pd.Series, pd.Series]:
    rng = np.random.default_rng(0)
    index = pd.bdate_range("2014-01-02", periods=2520, tz="UTC")
    returns = pd.Series(rng.normal(0.0004, 0.011, 2520), index=index)
    bench = pd.Series(0.5 * returns.to_numpy() + rng.normal(0.0003, 0.008, 2520), index=index)
    return returns, bench


def empyrical_suite(returns: pd.Series, bench: pd.Series) -> Callable[[], object]:
    import empyrical as ep
    from scipy import stats

    def run() -> object:
        return [
            ep.cum_returns_final(returns),
            ep.annual_return(returns),
            ep.annual_volatility(returns),
            ep.sharpe_ratio(returns),
            ep.sortino_ratio(returns),
            ep.downside_risk(returns),
            ep.calmar_ratio(returns),
            ep.omega_ratio(returns),
            ep.stability_of_timeseries(returns),
            ep.tail_ratio(returns),
            ep.max_drawdown(returns),
            stats.skew(returns),
            stats.kurtosis(returns),
            ep.value_at_risk(returns),
            ep.conditional_value_at_risk(returns),
            ep.alpha(returns, bench),
            ep.beta(returns, bench),
            ep.excess_sharpe(returns, bench),
            ep.up_capture(returns, bench),
            ep.down_capture(returns, bench),
            ep.aggregate_returns(returns, "monthly").max(),
            ep.aggregate_returns(returns, "yearly").max(),
            ep.cagr(returns),
        ]

    return run


def main() -> None:
    returns, bench = daily_series()
    ours = best_ms(lambda: m.performance_metrics(returns, bench, risk_free=0.02), 5, 50)
    print(f"performance_metrics, 2,520 daily returns + benchmark: {ours:8.2f} ms  (target < 10)")
    try:
        theirs = best_ms(empyrical_suite(returns, bench), 5, 10)
        print(f"empyrical, 23 functions on the same input:           {theirs:8.2f} ms")
    except ImportError:
        print("empyrical not installed: reference timing skipped")

    rng = np.random.default_rng(1)
    minutes = pd.date_range("2020-01-01", periods=2_000_000, freq="min", tz="UTC")
    big = pd.Series(rng.normal(0.0, 0.0008, minutes.shape[0]), index=minutes)
    big_ms = best_ms(lambda: m.performance_metrics(big, risk_free=0.02), 3, 1)
    periods = m.performance_metrics(big).periods_per_year
    print(
        f"performance_metrics, 2,000,000 minute returns:       {big_ms:8.2f} ms  (target < 2000;"
        f" P = {periods:,.0f})"
    )

    for name, func in (
        ("rolling_sharpe(window=126)", lambda: m.rolling_sharpe(returns, 126)),
        ("rolling_volatility(window=126)", lambda: m.rolling_volatility(returns, 126)),
        ("rolling_beta(window=126)", lambda: m.rolling_beta(returns, bench, 126)),
        ("rolling_max_drawdown(window=126)", lambda: m.rolling_max_drawdown(returns, 126)),
    ):
        print(f"{name + ', daily:':<52} {best_ms(func, 5, 20):8.2f} ms")


if __name__ == "__main__":
    main()
