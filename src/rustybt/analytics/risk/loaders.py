"""Readers for the user-supplied history behind the stress tests.

rustybt ships scenario *definitions* (`rustybt.analytics.risk.scenarios`), not
market data: point these loaders at your own files.

* `load_index_csv`: a Yahoo-Finance-style daily export
  (``Date,Open,High,Low,Close,Adj Close,Volume``); only ``Date`` and the price
  column are read, so rows with ``Open = 0`` (old ^GSPC history) are fine.
  Yahoo's ``null`` rows are dropped.
* Fama-French factor files are read by `rustybt.data.factors.load_fama_french`
  (re-exported from `rustybt.analytics.risk`).

Bad input raises a `DataError` subclass naming the file and the 1-based line.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from rustybt.errors import DataNotFound, SchemaError, ValidationError

__all__ = ["load_index_csv", "prices_to_returns"]

_DATE_LINE = re.compile(r"^\s*(\d{8})\s*$")


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError as exc:
        raise DataNotFound(
            "index or factor file not found", context={"file": str(path)}, hint="check the path"
        ) from exc
    except UnicodeDecodeError as exc:
        raise SchemaError(
            "file is not UTF-8 text (is it compressed or a spreadsheet?)",
            context={"file": str(path)},
        ) from exc


def load_index_csv(path: str | Path, *, column: str = "Close") -> pd.Series[float]:
    """Daily index levels from a Yahoo-style CSV, as a Series indexed by date.

    Raises:
        DataNotFound: the file does not exist or has no data rows.
        SchemaError: no ``Date`` or ``column`` header, an unreadable date or price.
        ValidationError: a non-positive price, or dates not strictly increasing.
    """
    file = Path(path)
    lines = _read_lines(file)
    if not lines:
        raise DataNotFound("index file is empty", context={"file": str(file)})
    header = [cell.strip() for cell in lines[0].split(",")]
    if "Date" not in header or column not in header:
        raise SchemaError(
            f"index file needs 'Date' and '{column}' columns",
            context={"file": str(file), "line": 1, "header": lines[0][:80]},
            hint="expected a Yahoo-style export: Date,Open,High,Low,Close,Adj Close,Volume",
        )
    at_date, at_price = header.index("Date"), header.index(column)
    dates: list[pd.Timestamp] = []
    prices: list[float] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.split(",")
        if len(cells) <= max(at_date, at_price):
            raise SchemaError(
                "index file line has too few fields", context={"file": str(file), "line": number}
            )
        raw = cells[at_price].strip()
        if raw.lower() == "null":
            continue
        try:
            stamp = pd.Timestamp(cells[at_date].strip())
            price = float(raw)
        except ValueError as exc:
            raise SchemaError(
                "index file has an unreadable date or price",
                context={"file": str(file), "line": number, "text": line[:80]},
            ) from exc
        if not np.isfinite(price) or price <= 0.0:
            raise ValidationError(
                f"index {column} must be a positive price",
                context={"file": str(file), "line": number, "value": raw},
            )
        if dates and stamp <= dates[-1]:
            raise ValidationError(
                "index file dates must be strictly increasing",
                context={"file": str(file), "line": number, "date": str(stamp.date())},
            )
        dates.append(stamp)
        prices.append(price)
    if not prices:
        raise DataNotFound("index file has no data rows", context={"file": str(file)})
    index = pd.DatetimeIndex(dates, name="date").normalize()
    return pd.Series(prices, index=index, name=file.stem, dtype=np.float64)


def prices_to_returns(prices: pd.Series[float]) -> pd.Series[float]:
    """Close-to-close simple returns of a price series (the first date dropped)."""
    values = prices.to_numpy(dtype=np.float64)
    return pd.Series(values[1:] / values[:-1] - 1.0, index=prices.index[1:], name=prices.name)
