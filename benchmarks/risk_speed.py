"""Speed of the risk analytics (targets in docs/risk.md).

Run: ``.venv/bin/python benchmarks/risk_speed.py``. Prints seconds (best of 3) for:

* Monte Carlo VaR, 100,000 one-day paths of a 500-asset portfolio, for the
  bootstrap, multivariate normal and multivariate Student-t models
  (target < 3 s each);
* the full `risk_report` for 10 years of daily data (2,520 sessions) of a
  500-asset portfolio, with Monte Carlo, decomposition, correlation, VaR
  backtest, tail risk and beta (target < 5 s).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from rustybt.analytics.risk import asset_returns_from_bars, monte_carlo_var, risk_report
from rustybt.analytics.risk.montecarlo import MonteCarloMethod
from rustybt.data.synthetic import benchmark_panel


def best_seconds(func: Callable[[], object], repeat: int = 3) -> float:
    """Best wall-clock seconds of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    panel = benchmark_panel(n_assets=500, n_bars=2520)
    assets = asset_returns_from_bars(panel)
    rng = np.random.default_rng(7)
    positions = pd.Series(rng.uniform(1_000.0, 5_000.0, assets.shape[1]), index=assets.columns)
    value = float(positions.sum()) * 1.05
    returns = pd.Series(
        assets.fillna(0.0).to_numpy() @ (positions.to_numpy() / value), index=assets.index
    )
    benchmark = assets.mean(axis=1)
    print(f"500 assets x {assets.shape[0]} daily returns")
    methods: tuple[MonteCarloMethod, ...] = ("bootstrap", "normal", "student_t")
    for method in methods:

        def simulate(method: MonteCarloMethod = method) -> object:
            return monte_carlo_var(
                assets,
                positions,
                portfolio_value=value,
                method=method,
                n_paths=100_000,
                seed=1,
            )

        seconds = best_seconds(simulate)
        print(f"monte_carlo_var {method:<10} 100,000 paths: {seconds:6.2f} s (target < 3 s)")
    seconds = best_seconds(
        lambda: risk_report(
            returns,
            asset_returns=assets,
            positions=positions,
            portfolio_value=value,
            benchmark=benchmark,
            n_paths=100_000,
        )
    )
    print(f"risk_report (100,000 MC paths):           {seconds:6.2f} s (target < 5 s)")


if __name__ == "__main__":
    main()
