"""How fast are round trips with MAE/MFE? Target: 100,000 fills over 500 assets in < 5 s.

Run: ``.venv/bin/python benchmarks/trades_speed.py [--fills N] [--assets N] [--bars N]``.
Prints the time of each step; building the synthetic input is not timed.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from decimal import Decimal

import numpy as np
import pandas as pd

from rustybt.analytics.trades import (
    asset_concentration,
    commission_impact,
    pnl_identity_gap,
    round_trips,
    slippage_summary,
    trade_summary,
    trade_summary_by_symbol,
)
from rustybt.data.bars import BarPanel
from rustybt.money import to_decimal


def synthetic_panel(n_bars: int, n_assets: int, rng: np.random.Generator) -> BarPanel:
    """Random-walk daily bars for ``n_assets`` symbols."""
    close = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.02, (n_bars, n_assets)), axis=0))
    spread = np.abs(rng.normal(0, 0.01, (n_bars, n_assets))) * close
    open_ = close * (1 + rng.normal(0, 0.005, (n_bars, n_assets)))
    high = np.maximum(open_, close) + spread
    low = np.minimum(open_, close) - spread
    index = pd.date_range("2010-01-01", periods=n_bars, freq="D", tz="UTC")
    frame = pd.DataFrame(
        {
            "timestamp": np.repeat(index, n_assets),
            "symbol": np.tile([f"S{i:04d}" for i in range(n_assets)], n_bars),
            "open": open_.ravel(),
            "high": high.ravel(),
            "low": low.ravel(),
            "close": close.ravel(),
            "volume": 1e6,
        }
    )
    return BarPanel.from_frame(frame)


def synthetic_fills(panel: BarPanel, n_fills: int, rng: np.random.Generator) -> pd.DataFrame:
    """Fills with scaling, exact flattening and reversals, priced at the bar's close."""
    n_assets = len(panel.assets)
    column = rng.integers(0, n_assets, n_fills)
    bar = np.sort(rng.integers(0, len(panel), n_fills))
    rows_q: list[Decimal] = []
    position = [Decimal(0)] * n_assets
    choices = rng.random(n_fills)
    sizes = rng.integers(1, 100, n_fills)
    for i in range(n_fills):
        c = int(column[i])
        held = position[c]
        if held != 0 and choices[i] < 0.3:
            quantity = -held  # flatten
        elif held != 0 and choices[i] < 0.4:
            quantity = -2 * held  # reverse
        else:
            quantity = Decimal(int(sizes[i])) * (1 if choices[i] < 0.7 else -1)
        position[c] += quantity
        rows_q.append(quantity)
    close = panel.close[bar, column]
    return pd.DataFrame(
        {
            "timestamp": panel.index[bar],
            "symbol": np.asarray(panel.symbols, dtype=object)[column],
            "quantity": pd.Series(rows_q, dtype=object),
            "price": pd.Series([to_decimal(round(float(p), 2)) for p in close], dtype=object),
            "commission": pd.Series([Decimal("1.00")] * n_fills, dtype=object),
            "slippage": pd.Series([Decimal("0.05")] * n_fills, dtype=object),
            "order_id": [f"o{i}" for i in range(n_fills)],
            "reference_price": close,
            "decision_price": close,
            "bar": bar,
        }
    )


def timed(label: str, action: Callable[[], object]) -> object:
    start = time.perf_counter()
    result = action()
    print(f"{label:<38} {time.perf_counter() - start:8.3f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fills", type=int, default=100_000)
    parser.add_argument("--assets", type=int, default=500)
    parser.add_argument("--bars", type=int, default=2520)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    panel = synthetic_panel(args.bars, args.assets, rng)
    fills = synthetic_fills(panel, args.fills, rng)
    print(f"{args.fills:,} fills, {args.assets} assets, {args.bars} bars")
    start = time.perf_counter()
    trades = timed("round_trips (FIFO + MAE/MFE)", lambda: round_trips(fills, panel))
    assert isinstance(trades, pd.DataFrame)
    total = time.perf_counter() - start
    print(f"  -> {len(trades):,} trades ({int(trades['is_open'].sum())} open)")
    gap = timed("pnl_identity_gap", lambda: pnl_identity_gap(fills, trades))
    print(f"  -> gap = {gap}")
    timed("trade_summary", lambda: trade_summary(trades))
    timed("trade_summary_by_symbol", lambda: trade_summary_by_symbol(trades))
    timed("asset_concentration", lambda: asset_concentration(trades))
    timed("slippage_summary", lambda: slippage_summary(fills))
    timed("commission_impact", lambda: commission_impact(trades))
    verdict = "OK" if total < 5.0 else "SLOW"
    print(f"round trips: {total:.3f} s for {args.fills:,} fills (target < 5 s): {verdict}")


if __name__ == "__main__":
    main()
