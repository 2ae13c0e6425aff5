"""Readers for the user-supplied history behind the stress tests.

rustybt ships scenario *definitions* (`rustybt.analytics.risk.scenarios`), not
market data: point these loaders at your own files.

* `load_index_csv`: a Yahoo-Finance-style daily export
  (``Date,Open,High,Low,Close,Adj Close,Volume``); only ``Date`` and the price
  column are read, so rows with ``Open = 0`` (old ^GSPC history) are fine.
  Yahoo's ``null`` rows are dropped.
* `load_fama_french`: a Kenneth French Data Library daily factor CSV, in the
  original layout (preamble, blank line, ``,Mkt-RF,SMB,HML,RF``, data, blank,
  copyright) or re-saved by a spreadsheet (trailing commas, ``,Mom,``). Values
  in the file are percent; the frame holds fractions (``-17.44`` -> ``-0.1744``).
  The library's missing markers ``-99.99`` and ``-999`` become NaN.

Bad input raises a `DataError` subclass naming the file and the 1-based line.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from rustybt.errors import DataNotFound, SchemaError, ValidationError

__all__ = ["load_fama_french", "load_index_csv", "prices_to_returns"]

_DATE_LINE = re.compile(r"^\s*(\d{8})\s*$")
_MISSING_MARKERS = (-99.99, -999.0)


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


def _header(lines: list[str], file: Path) -> tuple[int, list[str]]:
    for number, line in enumerate(lines):
        cells = [cell.strip() for cell in line.split(",")]
        names = [cell for cell in cells[1:] if cell]
        if cells[0] == "" and names and len(cells) > 1 and cells[1]:
            return number, names
    raise SchemaError(
        "no factor header line (',Mkt-RF,SMB,HML,RF' or ',Mom') in the file",
        context={"file": str(file)},
        hint="expected a Kenneth French Data Library daily CSV",
    )


def load_fama_french(path: str | Path) -> pd.DataFrame:
    """Daily Fama-French factors as fractions, indexed by date.

    Raises:
        DataNotFound: missing file or no data line after the header.
        SchemaError: no header, or a data line with an unreadable or missing value.
        ValidationError: dates not strictly increasing.
    """
    file = Path(path)
    lines = _read_lines(file)
    start, names = _header(lines, file)
    dates: list[str] = []
    rows: list[list[float]] = []
    for number in range(start + 1, len(lines)):
        cells = lines[number].split(",")
        if not _DATE_LINE.match(cells[0]):
            if rows:
                break  # blank line or copyright footer: the data block is over
            continue
        values = [cell.strip() for cell in cells[1:]]
        while len(values) > len(names) and values[-1] == "":
            values.pop()
        if len(values) != len(names):
            raise SchemaError(
                f"factor line has {len(values)} values, the header names {len(names)}",
                context={"file": str(file), "line": number + 1},
            )
        try:
            parsed = [float(value) for value in values]
        except ValueError as exc:
            raise SchemaError(
                "factor line has a value that is not a number",
                context={"file": str(file), "line": number + 1, "text": lines[number][:80]},
            ) from exc
        date = cells[0].strip()
        if dates and date <= dates[-1]:
            raise ValidationError(
                "factor dates must be strictly increasing",
                context={"file": str(file), "line": number + 1, "date": date},
            )
        dates.append(date)
        rows.append(parsed)
    if not rows:
        raise DataNotFound("factor file has no data lines", context={"file": str(file)})
    percent = np.array(rows, dtype=np.float64)
    percent[np.isin(percent, _MISSING_MARKERS)] = np.nan
    index = pd.DatetimeIndex(pd.to_datetime(dates, format="%Y%m%d"), name="date")
    return pd.DataFrame(percent / 100.0, index=index, columns=names)
