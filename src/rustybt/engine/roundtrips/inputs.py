"""Normalising the engine's transactions frame before any trade analysis.

The engine hands us one row per fill (see ``docs/trades.md``). This module checks
the columns, converts money columns to `Decimal` (floats via their shortest repr,
as the ledger does), makes timestamps UTC and orders the fills in time, keeping the
input order among fills that share a timestamp.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import numpy.typing as npt
import pandas as pd

from rustybt.data.bars import BarPanel, to_utc_index
from rustybt.errors import SchemaError, ValidationError
from rustybt.money import ZERO, to_decimal

__all__ = ["REQUIRED_COLUMNS", "bar_positions", "normalize_transactions", "symbol_bar_positions"]

REQUIRED_COLUMNS: tuple[str, ...] = ("timestamp", "symbol", "quantity", "price")

IntArray = npt.NDArray[np.int64]


def _decimals(values: pd.Series, name: str) -> list[Decimal]:
    """A column as Decimals; non-finite values raise so nothing is silently lost."""
    out: list[Decimal] = []
    for row, value in enumerate(values.tolist()):
        try:
            number = to_decimal(value)
        except (ArithmeticError, TypeError, ValueError) as exc:
            raise SchemaError(
                f"transactions column {name!r} holds a value that is not a number",
                context={"column": name, "row": row, "value": value},
            ) from exc
        if not number.is_finite():
            raise ValidationError(
                f"transactions column {name!r} holds a non-finite value",
                context={"column": name, "row": row, "value": value},
            )
        out.append(number)
    return out


def normalize_transactions(transactions: pd.DataFrame) -> pd.DataFrame:
    """A validated copy of the fills, sorted by time (stable), with a fresh RangeIndex.

    Money columns (quantity, price, commission, slippage) become object columns of
    `Decimal`; missing optional columns get neutral defaults (zero costs, empty order
    id, NaN reference/decision prices). The column ``fill`` keeps each row's position
    in the caller's frame so results can point back at the input.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in transactions.columns]
    if missing:
        raise SchemaError(
            f"transactions lack required column(s): {', '.join(missing)}",
            context={"columns": list(transactions.columns)},
        )
    n = len(transactions)
    frame = pd.DataFrame(
        {
            "fill": np.arange(n, dtype=np.int64),
            "timestamp": to_utc_index(transactions["timestamp"]),
            "symbol": transactions["symbol"].astype(str).to_numpy(dtype=object),
        }
    )
    for name in ("quantity", "price", "commission", "slippage"):
        if name in transactions.columns:
            frame[name] = pd.Series(_decimals(transactions[name], name), dtype=object)
        else:
            frame[name] = pd.Series([ZERO] * n, dtype=object)
    for name in ("commission", "slippage"):
        negative = [row for row, v in enumerate(frame[name]) if v < 0]
        if negative:
            raise ValidationError(
                f"transactions column {name!r} must be >= 0 (costs are positive amounts)",
                context={"column": name, "rows": negative[:5]},
            )
    zero = [row for row, q in enumerate(frame["quantity"]) if q == 0]
    if zero:
        raise ValidationError(
            "transactions hold fill(s) with zero quantity; drop them or fix the fill",
            context={"rows": zero[:5]},
        )
    frame["order_id"] = (
        transactions["order_id"].astype(str).to_numpy(dtype=object)
        if "order_id" in transactions.columns
        else np.full(n, "", dtype=object)
    )
    for name in ("reference_price", "decision_price"):
        frame[name] = (
            pd.to_numeric(transactions[name], errors="coerce").to_numpy(dtype=np.float64)
            if name in transactions.columns
            else np.full(n, np.nan)
        )
    frame["bar"] = (
        pd.to_numeric(transactions["bar"], errors="coerce").fillna(-1).to_numpy(dtype=np.int64)
        if "bar" in transactions.columns
        else np.full(n, -1, dtype=np.int64)
    )
    return frame.sort_values("timestamp", kind="mergesort").reset_index(drop=True)


def bar_positions(frame: pd.DataFrame, bars: BarPanel | None) -> IntArray:
    """Row of the fill's bar in the panel: the ``bar`` column, else found by timestamp.

    Without a ``bar`` column the fill belongs to the last bar starting at or before its
    timestamp. Returns -1 where unknown (no panel and no ``bar`` column).
    """
    given: IntArray = frame["bar"].to_numpy(dtype=np.int64)
    if bars is None or (given >= 0).all():
        if bars is not None and len(given) and given.max() >= len(bars):
            raise ValidationError(
                "transactions 'bar' points past the end of the bars panel",
                context={"max_bar": int(given.max()), "bars": len(bars)},
            )
        return given
    stamps = pd.DatetimeIndex(frame["timestamp"])
    found = bars.index.searchsorted(stamps, side="right").astype(np.int64) - 1
    return np.where(given >= 0, given, np.maximum(found, 0)).astype(np.int64)


def symbol_bar_positions(bars: BarPanel | None, symbols: list[str]) -> dict[str, int]:
    """Column of each symbol in the panel; symbols absent from it are left out."""
    if bars is None:
        return {}
    columns = {symbol: position for position, symbol in enumerate(bars.symbols)}
    return {s: columns[s] for s in symbols if s in columns}
