"""Which day/month order a text date column uses, decided over the whole column.

polars infers a date format from the first value alone, and reads ``02/08/2013``
day-first: a US file whose days are all <= 12 would silently become the wrong
dates. So numeric ``a/b/yyyy`` dates (``/``, ``.`` or ``-`` separated) are never
left to inference: the order is taken from a value whose day is > 12, and a
column where no value settles it is refused with a request for a date format.
Year-first dates (``2013-02-08``) are unambiguous and left to the parser.
"""

from __future__ import annotations

import polars as pl

from rustybt.errors import SchemaError
from rustybt.interface import hint_for

__all__ = ["ISO_DESCRIPTION", "detect_date_format", "format_hint"]

#: How the inferred (year-first) format is named in error messages.
ISO_DESCRIPTION = "year-month-day (ISO-8601, e.g. 2013-02-08 or 2013-02-08 09:30:00)"

_NUMERIC_DATE = r"^(\d{1,2})([/.\-])(\d{1,2})([/.\-])(\d{4}|\d{2})(.*)$"
_TIME_SUFFIXES = (
    (r"^$", ""),
    (r"^[ T]\d{1,2}:\d{2}$", "{t}%H:%M"),
    (r"^[ T]\d{1,2}:\d{2}:\d{2}$", "{t}%H:%M:%S"),
    (r"^[ T]\d{1,2}:\d{2}:\d{2}\.\d+$", "{t}%H:%M:%S%.f"),
)


def format_hint(example: str = "%m/%d/%Y") -> str:
    """How to give the date format, worded for the interface in use."""
    return hint_for(
        python=f"pass date_format={example!r} (or set ColumnMap.timestamp_format)",
        cli=f"pass --date-format '{example}'",
    )


def _ambiguous(file: str, column: str, value: str, line: int, sep: str, year: str) -> SchemaError:
    us, european = f"%m{sep}%d{sep}{year}", f"%d{sep}%m{sep}{year}"
    return SchemaError(
        f"{file}: column {column!r}: dates such as {value!r} (line {line}) can be read "
        "month/day or day/month, and no value in the column has a day above 12 to "
        "decide; refusing to guess",
        context={"file": file, "column": column, "line": line, "value": value},
        hint=hint_for(
            python=f"pass date_format={us!r} (US, month first) or {european!r} (day first)",
            cli=f"pass --date-format '{us}' (US, month first) or --date-format '{european}' "
            "(day first)",
        ),
    )


def detect_date_format(text: pl.Series, lines: pl.Series, file: str, column: str) -> str | None:
    """The strptime format of a numeric day/month column, or None for other text.

    Args:
        text: the stripped timestamp text (nulls for empty cells).
        lines: each row's line number in the file, for the messages.

    Raises:
        SchemaError: the order cannot be decided from the column (all day and
            month fields <= 12), no single order fits every value, or the time
            part is not one this function knows.
    """
    parts = text.str.extract_groups(_NUMERIC_DATE)
    first = parts.struct.field("1").cast(pl.Int32, strict=False)
    matched = first.is_not_null()
    if not matched.any():
        return None
    second = parts.struct.field("3").cast(pl.Int32, strict=False)
    row = int(matched.arg_true()[0])
    sep = str(parts.struct.field("2")[row])
    year = "%Y" if len(str(parts.struct.field("5")[row])) == 4 else "%y"
    value, line = str(text[row]), int(lines[row])
    first_max, second_max = int(first.max()), int(second.max())  # type: ignore[arg-type]  # max of an Int32 column with values
    if first_max <= 12 and second_max <= 12:
        raise _ambiguous(file, column, value, line, sep, year)
    if first_max > 12 and second_max > 12:
        day_first = int((first > 12).arg_true()[0])
        month_first = int((second > 12).arg_true()[0])
        raise SchemaError(
            f"{file}: column {column!r}: no day/month order fits every date: "
            f"{text[day_first]!r} (line {lines[day_first]}) is day first and "
            f"{text[month_first]!r} (line {lines[month_first]}) is month first",
            context={"file": file, "column": column},
            hint=f"fix the lines that use the other order, or {format_hint()}",
        )
    date = f"%d{sep}%m{sep}{year}" if first_max > 12 else f"%m{sep}%d{sep}{year}"
    rest = str(parts.struct.field("6")[row])
    for pattern, suffix in _TIME_SUFFIXES:
        if pl.select(pl.lit(rest).str.contains(pattern)).item():
            return date + suffix.format(t=rest[:1])
    raise SchemaError(
        f"{file}: column {column!r}: cannot tell the time format of {value!r} (line {line})",
        context={"file": file, "column": column, "line": line, "value": value},
        hint=format_hint(f"{date} %H:%M:%S"),
    )
