"""Entry and exit quality: where each fill sits in the price range around it.

For a fill on bar ``b`` the window is bars ``b − N .. b + N`` (clipped to the panel;
it looks ahead on purpose — this is a post-trade review, not a signal). With
``L``/``H`` the lowest low and highest high of the asset in the window:

* buy:  quality = (price − L) / (H − L), left_on_table = |q| · (price − L)
* sell: quality = (H − price) / (H − L), left_on_table = |q| · (H − price)

so 0 is the best price available in the window and 1 the worst. Both are clipped
to the window (a fill outside it, e.g. through slippage, scores 0 or 1 and leaves
nothing / the full range on the table). NaN when the window has no range.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import numpy as np
import pandas as pd

from rustybt.data.bars import BarPanel, FloatArray
from rustybt.engine.roundtrips.builder import match_fills
from rustybt.engine.roundtrips.excursions import RangeTable
from rustybt.engine.roundtrips.inputs import (
    bar_positions,
    normalize_transactions,
    symbol_bar_positions,
)
from rustybt.errors import ConfigError

__all__ = ["fill_quality", "trade_quality"]


def _windows(fills: pd.DataFrame, bars: BarPanel, window: int) -> tuple[FloatArray, FloatArray]:
    if window < 0:
        raise ConfigError("window must be >= 0 bars", context={"window": window})
    n = len(fills)
    low = np.full(n, np.nan)
    high = np.full(n, np.nan)
    bar = bar_positions(fills, bars)
    columns_of = symbol_bar_positions(bars, list(dict.fromkeys(fills["symbol"])))
    columns = np.array([columns_of.get(s, -1) for s in fills["symbol"]], dtype=np.int64)
    starts = np.clip(bar - window, 0, len(bars) - 1)
    ends = np.clip(bar + window, 0, len(bars) - 1)
    for column in np.unique(columns[(columns >= 0) & (bar >= 0)]):
        chosen = np.flatnonzero((columns == column) & (bar >= 0))
        high[chosen] = RangeTable(bars.high[:, column]).query(starts[chosen], ends[chosen])
        low[chosen] = -RangeTable(-bars.low[:, column]).query(starts[chosen], ends[chosen])
    return low, high


def _score(fills: pd.DataFrame, low: FloatArray, high: FloatArray) -> pd.DataFrame:
    price = np.array([float(p) for p in fills["price"]], dtype=np.float64)
    size = np.array([abs(float(q)) for q in fills["quantity"]], dtype=np.float64)
    buy = np.array([q > 0 for q in fills["quantity"]], dtype=bool)
    clipped = np.clip(price, low, high)
    distance = np.where(buy, clipped - low, high - clipped)
    span = high - low
    with np.errstate(divide="ignore", invalid="ignore"):
        quality = np.where(span > 0, distance / span, np.nan)
    return pd.DataFrame(
        {
            "fill": fills["fill"].to_numpy(np.int64),
            "timestamp": fills["timestamp"],
            "symbol": fills["symbol"],
            "side": np.where(buy, "buy", "sell"),
            "quantity": size,
            "price": price,
            "window_low": low,
            "window_high": high,
            "quality": quality,
            "left_on_table": np.where(span > 0, size * distance, np.where(span == 0, 0.0, np.nan)),
        }
    )


def fill_quality(transactions: pd.DataFrame, bars: BarPanel, *, window: int = 5) -> pd.DataFrame:
    """Quality score of every fill (time order; ``fill`` = row in the caller's frame)."""
    fills = normalize_transactions(transactions)
    low, high = _windows(fills, bars, window)
    return _score(fills, low, high)


def trade_quality(
    transactions: pd.DataFrame,
    bars: BarPanel,
    *,
    window: int = 5,
    marks: Mapping[str, Decimal] | None = None,
) -> pd.DataFrame:
    """Per trade: quantity-weighted entry and exit quality and PnL left on the table.

    Columns: trade_id, symbol, direction, entry_quality, exit_quality (NaN before
    any exit), entry_left_on_table, exit_left_on_table, left_on_table (currency).
    A reversal fill counts as the exit of one trade and the entry of the next, each
    with its share of the quantity.
    """
    matched = match_fills(transactions, bars, marks=marks)
    low, high = _windows(matched.fills, bars, window)
    scored = _score(matched.fills, low, high)
    legs = matched.legs
    positions = legs["fill"].to_numpy(np.int64)
    quantity = np.array([float(q) for q in legs["quantity"]], dtype=np.float64)
    per_unit = (scored["left_on_table"] / scored["quantity"]).to_numpy(np.float64)[positions]
    quality = scored["quality"].to_numpy(np.float64)[positions]
    known = np.isfinite(quality)
    table = pd.DataFrame(
        {
            "trade_id": legs["trade_id"].to_numpy(np.int64),
            "role": legs["role"].to_numpy(),
            # Legs without a score (no range in the window) carry no weight.
            "weight": np.where(known, quantity, 0.0),
            "weighted_quality": np.where(known, quantity * quality, 0.0),
            "left": quantity * per_unit,
        }
    )
    sums = table.groupby(["trade_id", "role"]).sum()
    result = matched.trades[["trade_id", "symbol", "direction"]].copy()
    for role in ("entry", "exit"):
        part = sums.xs(role, level="role") if role in sums.index.get_level_values("role") else None
        if part is None:
            result[f"{role}_quality"] = np.nan
            result[f"{role}_left_on_table"] = np.nan
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            score = (part["weighted_quality"] / part["weight"]).reindex(result["trade_id"])
        left = part["left"].reindex(result["trade_id"])
        result[f"{role}_quality"] = score.replace([np.inf, -np.inf], np.nan).to_numpy(np.float64)
        result[f"{role}_left_on_table"] = left.to_numpy(np.float64)
    result["left_on_table"] = result["entry_left_on_table"] + result["exit_left_on_table"].fillna(
        0.0
    )
    return result.reset_index(drop=True)
