"""Speed of the attribution code (target: Brinson on 2,520 days x 11 sectors < 1 s).

Run: ``.venv/bin/python benchmarks/attribution_speed.py``. Prints milliseconds per
call (best of several repeats) for:

* Brinson-Fachler from arrays, 2,520 days x 11 sectors, with Carino linking;
* Brinson from 500 assets' weights grouped into 11 sectors (the holdings path);
* a Carhart-4 regression with HAC errors on 2,520 days;
* rolling 126-day factor regressions on 2,520 days;
* the stationary bootstrap of alpha (1,000 samples) on 2,520 days.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from rustybt.analytics.attribution import (
    bootstrap_alpha,
    brinson_from_arrays,
    factor_regression,
    rolling_factor_regression,
)

DAYS = 2520
SECTORS = 11
ASSETS = 500


def best_ms(func: Callable[[], object], repeat: int = 5) -> float:
    func()
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        rounds.append(time.perf_counter() - start)
    return min(rounds) * 1e3


def main() -> None:
    rng = np.random.default_rng(0)
    groups = tuple(f"S{i}" for i in range(SECTORS))
    index = pd.bdate_range("2010-01-04", periods=DAYS)
    wp = rng.dirichlet(np.ones(SECTORS), size=DAYS) * 0.95
    wb = rng.dirichlet(np.ones(SECTORS), size=DAYS)
    rp = rng.normal(0.0005, 0.015, (DAYS, SECTORS))
    rb = rng.normal(0.0004, 0.012, (DAYS, SECTORS))

    def brinson() -> object:
        result = brinson_from_arrays(wp, wp * rp, wb, rb, groups=groups, index=index)
        return result.linked_totals()

    asset_w = rng.dirichlet(np.ones(ASSETS), size=DAYS)
    asset_r = rng.normal(0.0004, 0.02, (DAYS, ASSETS))
    membership = np.zeros((ASSETS, SECTORS))
    membership[np.arange(ASSETS), np.arange(ASSETS) % SECTORS] = 1.0

    def holdings() -> object:
        w_g = asset_w @ membership
        c_g = (asset_w * asset_r) @ membership
        b_w = np.full((DAYS, ASSETS), 1.0 / ASSETS) @ membership
        b_r = (asset_r / ASSETS) @ membership / b_w
        result = brinson_from_arrays(w_g * 0.95, c_g * 0.95, b_w, b_r, groups=groups, index=index)
        return result.linked_totals()

    factors = pd.DataFrame(
        rng.normal(0.0, 0.008, (DAYS, 4)), index=index, columns=["Mkt-RF", "SMB", "HML", "Mom"]
    )
    returns = 0.0001 + factors @ np.array([1.1, 0.3, -0.2, 0.1]) + rng.normal(0, 0.003, DAYS)

    results = {
        f"brinson {DAYS} days x {SECTORS} sectors (linked)": best_ms(brinson),
        f"brinson holdings path, {ASSETS} assets -> {SECTORS} sectors": best_ms(holdings),
        f"carhart-4 HAC regression, {DAYS} days": best_ms(
            lambda: factor_regression(returns, factors)
        ),
        f"rolling 126-day regressions, {DAYS} days": best_ms(
            lambda: rolling_factor_regression(returns, factors, 126)
        ),
        f"alpha bootstrap 1,000 samples, {DAYS} days": best_ms(
            lambda: bootstrap_alpha(returns, factors, n_samples=1000), repeat=2
        ),
    }
    for name, ms in results.items():
        print(f"{name:55s} {ms:9.1f} ms")
    target = results[f"brinson {DAYS} days x {SECTORS} sectors (linked)"]
    print(f"target Brinson < 1000 ms: {'OK' if target < 1000 else 'MISSED'}")


if __name__ == "__main__":
    main()
