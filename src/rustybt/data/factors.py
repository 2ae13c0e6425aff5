"""Readers for Kenneth French's daily factor files (Fama-French 3 and momentum).

Two layouts are read:

* ``F-F_Research_Data_Factors_daily.CSV`` as published: a free-text preamble, a
  blank line, the header ``,Mkt-RF,SMB,HML,RF``, rows ``YYYYMMDD,  x.xx, ...``
  in **percent**, a blank line and a copyright footer.
* ``F-F_Momentum_Factor_daily.CSV`` re-saved by a spreadsheet: every line ends
  with extra commas (an empty trailing column), the header is ``,Mom,`` and the
  footer lines start with ``,,``.

`load_fama_french` reads either file (or any file of the library's daily
layout) and takes the column names from its header; the named readers also check
that the expected columns are there. They find the header by its shape rather
than by a fixed line number, read data rows until the first line that is not a data row, convert
percent to fractions (``0.45`` -> ``0.0045``) and turn the library's missing
markers (``-99.99`` and ``-999``) into NaN. A malformed data row raises
`SchemaError` naming the file and the 1-based line number.

The files are not shipped with rustybt: download them from the Ken French Data
Library and pass their paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from rustybt.errors import DataNotFound, SchemaError

__all__ = [
    "FF3_COLUMNS",
    "MOMENTUM_COLUMN",
    "load_carhart_factors",
    "load_fama_french",
    "load_fama_french_factors",
    "load_momentum_factor",
]

FF3_COLUMNS: tuple[str, ...] = ("Mkt-RF", "SMB", "HML", "RF")
MOMENTUM_COLUMN = "Mom"
MISSING_MARKERS: tuple[float, ...] = (-99.99, -999.0)
PERCENT = 100.0


def _read_lines(path: Path) -> list[str]:
    if not path.is_file():
        raise DataNotFound(
            f"factor file {path.name!r} not found",
            context={"file": str(path)},
            hint="download the daily factor CSV from the Ken French Data Library",
        )
    # The library's files are ASCII; latin-1 never fails to decode, so an odd
    # byte in the free-text preamble cannot stop us reading the numbers.
    return path.read_text(encoding="latin-1").splitlines()


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.split(",")]


def _find_header(
    lines: Sequence[str], columns: Sequence[str] | None, path: Path
) -> tuple[int, list[str]]:
    """Line number and names of the header: ``,Name,Name...`` (trailing commas allowed).

    With ``columns`` the header must start with exactly those names.
    """
    wanted = None if columns is None else list(columns)
    for number, line in enumerate(lines):
        cells = _cells(line)
        if len(cells) < 2 or cells[0] != "" or not cells[1]:
            continue
        names = cells[1:]
        while names and not names[-1]:
            names.pop()
        if wanted is None and all(names) and not any(_is_data_line([n]) for n in names):
            return number, names
        if wanted is not None and names[: len(wanted)] == wanted:
            return number, wanted
    expected = "',Mkt-RF,SMB,HML,RF' or ',Mom'" if wanted is None else f"',{','.join(wanted)}'"
    raise SchemaError(
        f"factor file {path.name!r} has no header line {expected}",
        context={"file": str(path), "expected_columns": wanted},
        hint="pass the daily file from the Ken French Data Library, not the monthly one",
    )


def _is_data_line(cells: Sequence[str]) -> bool:
    return len(cells[0]) > 0 and cells[0][0].isdigit()


def _parse_rows(
    lines: Sequence[str], header: int, columns: Sequence[str], path: Path
) -> pd.DataFrame:
    width = len(columns)
    dates: list[str] = []
    rows: list[list[float]] = []
    for number in range(header + 1, len(lines)):
        cells = _cells(lines[number])
        if not _is_data_line(cells):
            break  # the blank line before the footer ends the table
        line_no = number + 1
        values = cells[1 : 1 + width]
        extra = [cell for cell in cells[1 + width :] if cell]
        if len(cells[0]) != 8 or not cells[0].isdigit():
            raise SchemaError(
                f"{path.name} line {line_no}: date {cells[0]!r} is not YYYYMMDD",
                context={"file": str(path), "line": line_no, "text": lines[number]},
            )
        if len(values) != width or extra:
            raise SchemaError(
                f"{path.name} line {line_no}: expected {width} value(s) after the date",
                context={"file": str(path), "line": line_no, "text": lines[number]},
            )
        try:
            rows.append([float(value) for value in values])
        except ValueError as exc:
            raise SchemaError(
                f"{path.name} line {line_no}: a factor value is not a number",
                context={"file": str(path), "line": line_no, "text": lines[number]},
            ) from exc
        dates.append(cells[0])
    if not rows:
        raise SchemaError(
            f"factor file {path.name!r} has a header but no data rows",
            context={"file": str(path), "line": header + 1},
        )
    try:
        index = pd.DatetimeIndex(pd.to_datetime(dates, format="%Y%m%d"), name="date")
    except ValueError as exc:
        raise SchemaError(
            f"factor file {path.name!r} holds a date that is not a calendar day",
            context={"file": str(path)},
        ) from exc
    numbers = np.asarray(rows, dtype=np.float64)
    numbers[np.isin(numbers, MISSING_MARKERS)] = np.nan
    frame = pd.DataFrame(numbers / PERCENT, index=index, columns=list(columns))
    if not index.is_monotonic_increasing or not index.is_unique:
        position = int(np.flatnonzero(np.diff(index.asi8) <= 0)[0]) + 1
        line_no = header + 2 + position
        raise SchemaError(
            f"{path.name} line {line_no}: dates must be strictly increasing",
            context={"file": str(path), "line": line_no, "date": dates[position]},
        )
    return frame


def load_fama_french(path: str | Path) -> pd.DataFrame:
    """Read any daily Ken French factor file as fractions, columns named by its header.

    Raises:
        DataNotFound: the file does not exist.
        SchemaError: no header line, or a malformed data row (file and line named).
    """
    source = Path(path)
    lines = _read_lines(source)
    header, names = _find_header(lines, None, source)
    return _parse_rows(lines, header, names, source)


def load_fama_french_factors(path: str | Path) -> pd.DataFrame:
    """Read ``F-F_Research_Data_Factors_daily.CSV`` as fractions.

    Returns:
        A DataFrame indexed by tz-naive session date with columns ``Mkt-RF``,
        ``SMB``, ``HML`` and ``RF`` as simple daily returns (``0.45`` in the file
        becomes ``0.0045``).

    Raises:
        DataNotFound: the file does not exist.
        SchemaError: no ``,Mkt-RF,SMB,HML,RF`` header, or a malformed data row
            (the message names the file and line).
    """
    source = Path(path)
    lines = _read_lines(source)
    header, names = _find_header(lines, FF3_COLUMNS, source)
    return _parse_rows(lines, header, names, source)


def load_momentum_factor(path: str | Path) -> pd.DataFrame:
    """Read ``F-F_Momentum_Factor_daily.CSV`` (spreadsheet-saved layout) as fractions.

    Returns:
        A DataFrame indexed by tz-naive session date with one column ``Mom``.

    Raises:
        DataNotFound: the file does not exist.
        SchemaError: no ``,Mom`` header, or a malformed data row.
    """
    source = Path(path)
    lines = _read_lines(source)
    header, names = _find_header(lines, (MOMENTUM_COLUMN,), source)
    return _parse_rows(lines, header, names, source)


def load_carhart_factors(ff3_path: str | Path, momentum_path: str | Path) -> pd.DataFrame:
    """The four Carhart factors plus RF: ``Mkt-RF, SMB, HML, Mom, RF``.

    The two files are inner-joined on date (momentum starts in November 1926,
    four months after the three-factor file).
    """
    ff3 = load_fama_french_factors(ff3_path)
    momentum = load_momentum_factor(momentum_path)
    joined = ff3.join(momentum, how="inner")
    if joined.empty:
        raise DataNotFound(
            "the three-factor and momentum files share no dates",
            context={"ff3": str(ff3_path), "momentum": str(momentum_path)},
        )
    return joined[["Mkt-RF", "SMB", "HML", MOMENTUM_COLUMN, "RF"]]
