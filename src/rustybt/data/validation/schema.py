"""Layer 1, schema: column types, required fields, value ranges, the close-only policy.

Frame-level problems (a missing column, prices that are not numbers, timestamps
that are not datetimes) make the frame unreadable and raise `SchemaError`; row
problems become masks for the report and the quarantine.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from rustybt.data.bars import BAR_COLUMNS, BAR_FIELDS
from rustybt.data.validation.rules import Rule
from rustybt.data.validation.settings import SymbolSettings
from rustybt.errors import SchemaError

__all__ = [
    "LINE",
    "apply_close_only",
    "missing_symbol",
    "normalise",
    "require_columns",
    "schema_masks",
]

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

LINE = "line"
#: Optional bool column from the file sources: the row is a possibly cut-off last line.
TRUNCATED = "truncated"
_PARTIAL_FIELDS = ("open", "high", "low")


def require_columns(frame: pd.DataFrame, source: str) -> None:
    """Raise `SchemaError` unless the frame has every bar column with a usable dtype."""
    missing = [c for c in BAR_COLUMNS if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"{source}: bar frame lacks required column(s): {', '.join(missing)}",
            context={"source": source, "missing": missing, "columns": list(frame.columns)},
            hint=f"a bar frame has the columns {', '.join(BAR_COLUMNS)}",
        )
    for name in BAR_FIELDS:
        dtype = frame[name].dtype
        if not (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)):
            raise SchemaError(
                f"{source}: column {name!r} holds {dtype}, expected numbers",
                context={"source": source, "column": name, "dtype": str(dtype)},
                hint="read the data with a rustybt source, which parses numbers",
            )
    if not pd.api.types.is_datetime64_any_dtype(frame["timestamp"].dtype):
        raise SchemaError(
            f"{source}: column 'timestamp' holds {frame['timestamp'].dtype}, expected datetimes",
            context={"source": source, "column": "timestamp"},
            hint="convert with pandas.to_datetime(..., utc=True)",
        )


def normalise(frame: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """A copy in canonical dtypes (UTC ns timestamps, object symbols, float64 fields)
    with ``row`` = position in the input, and whether the timestamps were tz-naive."""
    stamps = frame["timestamp"]
    naive = stamps.dt.tz is None
    stamps = stamps.dt.tz_localize("UTC") if naive else stamps.dt.tz_convert("UTC")
    data: dict[str, object] = {
        "row": np.arange(len(frame), dtype=np.int64),
        "timestamp": stamps.dt.as_unit("ns").array,
        "symbol": frame["symbol"].astype(object).to_numpy(),
    }
    if LINE in frame.columns:
        data[LINE] = frame[LINE].to_numpy()
    if TRUNCATED in frame.columns:
        data[TRUNCATED] = frame[TRUNCATED].to_numpy(dtype=bool)
    for name in BAR_FIELDS:
        data[name] = frame[name].to_numpy(dtype=np.float64)
    return pd.DataFrame(data), naive


def missing_symbol(symbols: npt.NDArray[np.object_]) -> BoolArray:
    """Rows whose symbol is missing or empty."""
    missing: BoolArray = pd.isna(symbols) | (symbols == "")
    return missing


def schema_masks(
    work: pd.DataFrame, codes: IntArray, settings: SymbolSettings
) -> dict[Rule, BoolArray]:
    """Layer 1 row masks.

    With the close-only policy on (per asset), a row whose open, high or low is
    missing or <= 0 while its close is finite and positive is a ``close_only_bar``
    (WARNING) instead of a ``missing_price`` or ``non_positive_price`` (ERROR).
    """
    close = work["close"].to_numpy()
    partial = np.column_stack([work[name].to_numpy() for name in _PARTIAL_FIELDS])
    volume = work["volume"].to_numpy()
    prices = np.column_stack([partial, close])
    with np.errstate(invalid="ignore"):
        close_ok = np.isfinite(close) & (close > 0)
        partial_bad = (~np.isfinite(partial) | (partial <= 0)).any(axis=1)
        close_only = settings.flags("close_only_bars", codes) & close_ok & partial_bad
        missing_price = ~np.isfinite(prices).all(axis=1) & ~close_only
        ceiling = settings.floats("max_price", codes)[:, None]
        above_max = (np.isfinite(prices) & (prices > ceiling)).any(axis=1)
    truncated = (
        work[TRUNCATED].to_numpy(dtype=bool)
        if TRUNCATED in work.columns
        else np.zeros(len(work), dtype=bool)
    )
    return {
        Rule.TRUNCATED_LINE: truncated,
        Rule.MISSING_TIMESTAMP: pd.isna(work["timestamp"]).to_numpy(),
        Rule.MISSING_SYMBOL: codes < 0,
        Rule.MISSING_PRICE: missing_price,
        Rule.MISSING_VOLUME: ~np.isfinite(volume),
        Rule.CLOSE_ONLY_BAR: close_only,
        Rule.PRICE_ABOVE_MAX: above_max,
    }


def apply_close_only(work: pd.DataFrame, close_only: BoolArray) -> None:
    """Set the open/high/low of close-only bars to NaN (in place): a zero open is not
    a price, and NaN is how the panel and the engine mark an absent value."""
    if not close_only.any():
        return
    for name in _PARTIAL_FIELDS:
        values = work[name].to_numpy(copy=True)
        values[close_only] = np.nan
        work[name] = values
