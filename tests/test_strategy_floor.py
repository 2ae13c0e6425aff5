"""The strategy-floor benchmark's stand-in runs the benchmark strategy through the
same branches as the engine: the same orders (bar, asset, side) on a small case."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from rustybt import run_backtest
from rustybt.data.synthetic import benchmark_panel

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def floor():  # type: ignore[no-untyped-def]  # the benchmark scripts are not typed modules
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import crossover
        import strategy_floor

        yield crossover, strategy_floor
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.mark.parametrize(("n_assets", "n_bars"), [(12, 400), (1, 1_500)])
def test_stand_in_places_the_engines_orders(floor, n_assets: int, n_bars: int) -> None:  # type: ignore[no-untyped-def]
    crossover, strategy_floor = floor
    panel = benchmark_panel(n_assets, n_bars)
    make = crossover.SingleAssetCrossover if n_assets == 1 else crossover.PortfolioCrossover
    result = run_backtest(make(), panel, capital=1_000_000, volume_limit=None)
    context, wall, cpu = strategy_floor.stand_in_run(make(), list(panel.assets), panel.close)
    engine = list(
        zip(
            panel.index.get_indexer(result.orders["created"]),
            result.orders["symbol"],
            np.sign(result.orders["quantity"].astype(float)),
            strict=True,
        )
    )
    stand_in = [
        (bar, asset.symbol, 1.0 if target else -1.0) for bar, asset, target in context.orders
    ]
    assert len(engine) > 20
    assert stand_in == engine
    assert wall > 0
    assert cpu >= 0
