"""Builders for hand-made fills and bars shared by the trade-analysis tests (no tests here)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from rustybt.data.bars import BarPanel

START = pd.Timestamp("2024-01-01", tz="UTC")

Fill = tuple[int, str, str, str, str]  # (bar, symbol, quantity, price, commission)


def day(bar: int) -> pd.Timestamp:
    return START + pd.Timedelta(days=bar)


def make_fills(rows: list[Fill], **extra: list[object]) -> pd.DataFrame:
    """One fill per row, on daily bar ``bar``, with Decimal money columns."""
    frame = pd.DataFrame(
        {
            "timestamp": [day(r[0]) for r in rows],
            "symbol": [r[1] for r in rows],
            "quantity": [Decimal(r[2]) for r in rows],
            "price": [Decimal(r[3]) for r in rows],
            "commission": [Decimal(r[4]) for r in rows],
            "slippage": [Decimal(0) for _ in rows],
            "order_id": [f"o{i}" for i in range(len(rows))],
            "reference_price": [float(r[3]) for r in rows],
            "decision_price": [np.nan for _ in rows],
            "bar": [r[0] for r in rows],
        }
    )
    for name, values in extra.items():
        frame[name] = values
    return frame


def make_panel(series: dict[str, list[tuple[float, float, float, float]]]) -> BarPanel:
    """Daily panel from per-symbol (open, high, low, close) lists starting at START."""
    records = []
    for symbol, bars in series.items():
        for i, (o, h, lo, c) in enumerate(bars):
            records.append((day(i), symbol, o, h, lo, c, 1000.0))
    frame = pd.DataFrame(
        records, columns=["timestamp", "symbol", "open", "high", "low", "close", "volume"]
    )
    return BarPanel.from_frame(frame)


def flat_bars(
    n: int, price: float = 10.0, spread: float = 1.0
) -> list[tuple[float, float, float, float]]:
    return [(price, price + spread, price - spread, price)] * n
