"""Builders of small synthetic bar frames for the validation tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from rustybt.data.bars import BAR_COLUMNS
from rustybt.data.calendars import get_calendar


def sessions(start: str, end: str) -> pd.DatetimeIndex:
    """XNYS session labels (00:00 UTC)."""
    return get_calendar("XNYS").sessions(start, end)


def frame(
    stamps: Sequence[pd.Timestamp] | pd.DatetimeIndex,
    symbol: str,
    closes: Sequence[float] | np.ndarray,
    *,
    volume: Sequence[float] | np.ndarray | float = 1000.0,
) -> pd.DataFrame:
    """One symbol's bars with open = close, high = close * 1.01, low = close * 0.99."""
    close = np.asarray(closes, dtype=float)
    return pd.DataFrame(
        {
            "timestamp": pd.DatetimeIndex(list(stamps)),
            "symbol": symbol,
            "open": close,
            "high": close * 1.01,
            "low": close * 0.99,
            "close": close,
            "volume": np.broadcast_to(np.asarray(volume, dtype=float), close.shape).copy(),
        }
    )[list(BAR_COLUMNS)]


def zigzag(n: int) -> np.ndarray:
    """100, 101, 100, 101, ...: log returns of +-0.00995, median 0, MAD 0.00995."""
    return np.where(np.arange(n) % 2 == 0, 100.0, 101.0)
