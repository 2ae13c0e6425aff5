"""Speed of `run_pipeline` on 500 assets x 2,520 daily sessions (docs/pipeline.md).

Run: ``.venv/bin/python benchmarks/pipeline_speed.py``. Prints the median and best
wall seconds and the median CPU seconds over seven runs (after one warm-up) of:

* five built-in factors (Returns 20, SimpleMovingAverage 50, AverageDollarVolume 20,
  RSI 15, AnnualizedVolatility 252) for every one of the 2,520 sessions;
* the same plus a screen (top 100 by dollar volume) and cross-sectional ranks and
  z-scores by sector;
* one user CustomFactor (20-day window), which zipline's API calls once per session.

Target: the five-factor pipeline in < 1 s.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from rustybt.assets import Asset
from rustybt.data.bars import BarPanel
from rustybt.pipeline import CustomFactor, Pipeline, run_pipeline
from rustybt.pipeline.classifiers import Sector
from rustybt.pipeline.data import EquityPricing
from rustybt.pipeline.factors import (
    RSI,
    AnnualizedVolatility,
    AverageDollarVolume,
    Returns,
    SimpleMovingAverage,
)

N_ASSETS, N_DAYS = 500, 2520


def panel() -> BarPanel:
    rng = np.random.default_rng(0)
    index = pd.bdate_range("2010-01-04", periods=N_DAYS, tz="UTC")
    close = 50 * np.exp(np.cumsum(rng.normal(0.0003, 0.015, (N_DAYS, N_ASSETS)), axis=0))
    volume = rng.integers(10_000, 1_000_000, (N_DAYS, N_ASSETS)).astype(float)
    sectors = ("Energy", "Financials", "Health Care", "Industrials", "Technology")
    assets = tuple(Asset(f"S{i:03d}", sector=sectors[i % 5]) for i in range(N_ASSETS))
    return BarPanel(
        index=index,
        assets=assets,
        open=close,
        high=close * 1.01,
        low=close * 0.99,
        close=close,
        volume=volume,
    )


def five_factors() -> Pipeline:
    close = EquityPricing.close
    return Pipeline(
        {
            "returns": Returns(window_length=20),
            "sma": SimpleMovingAverage(inputs=[close], window_length=50),
            "adv": AverageDollarVolume(window_length=20),
            "rsi": RSI(),
            "volatility": AnnualizedVolatility(),
        }
    )


def with_screen_and_ranks() -> Pipeline:
    pipe = five_factors()
    columns = pipe.columns
    pipe.add(columns["returns"].rank(groupby=Sector()), "momentum_rank")
    pipe.add(columns["volatility"].zscore(groupby=Sector()), "volatility_z")
    pipe.set_screen(columns["adv"].top(100))
    return pipe


class Range(CustomFactor):
    inputs = (EquityPricing.high, EquityPricing.low)
    window_length = 20

    def compute(self, today, assets, out, high, low):  # type: ignore[no-untyped-def]
        out[:] = np.nanmax(high, axis=0) - np.nanmin(low, axis=0)


def seconds(func: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """Median and best wall seconds, and median CPU seconds of this process (less
    sensitive to other processes on a shared machine)."""
    func()
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        func()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), min(wall), statistics.median(cpu)


def main() -> None:
    data = panel()
    start, end = data.index[0], data.index[-1]
    cases = {
        "five built-in factors": five_factors,
        "five factors + screen + grouped rank/zscore": with_screen_and_ranks,
        "one CustomFactor (per-session compute)": lambda: Pipeline({"range": Range()}),
    }
    print(f"{N_ASSETS} assets x {N_DAYS} sessions")
    for name, build in cases.items():
        pipe = build()
        median, best, cpu = seconds(lambda p=pipe: run_pipeline(p, start, end, data), repeat=7)
        print(
            f"{name:<46} wall median {median:6.3f} s  best {best:6.3f} s  cpu median {cpu:6.3f} s"
        )


if __name__ == "__main__":
    main()
