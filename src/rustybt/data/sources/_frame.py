"""Turn a raw polars frame (file columns) into the canonical pandas long frame.

Shared by every file source. Each step that can fail on bad input locates the
first offending cell and raises `SchemaError` naming file, line and column, so a
trader never sees a traceback from inside polars.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl

from rustybt.data.bars import Frequency
from rustybt.data.sources.dates import ISO_DESCRIPTION, detect_date_format, format_hint
from rustybt.data.sources.mapping import ColumnMap
from rustybt.errors import SchemaError
from rustybt.interface import hint_for

__all__ = ["LINE_COLUMN", "to_canonical"]

#: Name of the optional column holding each row's 1-based line number in its file.
LINE_COLUMN = "line"

_NUMERIC_FIELDS: tuple[str, ...] = ("open", "high", "low", "close", "volume")


def _first_bad(frame: pl.DataFrame, bad: pl.Expr, column: str) -> tuple[int, str]:
    """Line number and raw text of the first row where ``bad`` holds."""
    row = frame.filter(bad).select(pl.col(LINE_COLUMN), pl.col(column).cast(pl.Utf8)).row(0)
    return int(row[0]), str(row[1])


def _as_float(frame: pl.DataFrame, column: str, file: str) -> pl.Series:
    """The column as Float64; text that is neither empty nor a number is an error."""
    series = frame[column]
    if series.dtype == pl.Float64:
        return series
    if series.dtype.is_numeric() or series.dtype == pl.Null:
        return series.cast(pl.Float64)
    if series.dtype != pl.Utf8:
        raise SchemaError(
            f"{file}: column {column!r} holds {series.dtype}, expected numbers",
            context={"file": file, "column": column, "dtype": str(series.dtype)},
        )
    text = series.str.strip_chars()
    text = pl.select(pl.when(text.str.len_chars() == 0).then(None).otherwise(text)).to_series()
    values = text.cast(pl.Float64, strict=False)
    bad = values.is_null() & text.is_not_null()
    if bad.any():
        line, value = _first_bad(frame, pl.lit(bad), column)
        raise SchemaError(
            f"{file}: line {line}, column {column!r}: {value!r} is not a number",
            context={"file": file, "line": line, "column": column, "value": value},
            hint=hint_for(
                python="fix or remove the line, or map the right column in ColumnMap",
                cli="fix or remove the line, or map the right column with --columns close=Close,...",
            ),
        )
    return values


def _parse_epoch(frame: pl.DataFrame, column: str, mapping: ColumnMap, file: str) -> pl.Series:
    series = frame[column]
    if series.dtype == pl.Utf8:
        text = series.str.strip_chars()
        ints = text.cast(pl.Int64, strict=False)
        bad = ints.is_null() & text.is_not_null() & (text.str.len_chars() > 0)
        if bad.any():
            line, value = _first_bad(frame, pl.lit(bad), column)
            raise SchemaError(
                f"{file}: line {line}, column {column!r}: {value!r} is not a Unix "
                f"timestamp in {mapping.timestamp_unit}",
                context={"file": file, "line": line, "column": column, "value": value},
            )
        series = ints
    elif series.dtype.is_float():
        series = series.cast(pl.Int64)
    elif not series.dtype.is_integer():
        raise SchemaError(
            f"{file}: column {column!r} holds {series.dtype}, expected Unix timestamps",
            context={"file": file, "column": column},
        )
    unit = mapping.timestamp_unit or "s"
    return pl.select(pl.from_epoch(series, time_unit=unit).dt.replace_time_zone("UTC")).to_series()


def _parse_text(frame: pl.DataFrame, column: str, mapping: ColumnMap, file: str) -> pl.Series:
    text = frame[column].str.strip_chars()
    text = pl.select(pl.when(text.str.len_chars() == 0).then(None).otherwise(text)).to_series()
    date_format = mapping.timestamp_format
    if date_format is None:
        # Never let the parser guess day/month order from the first value.
        date_format = detect_date_format(text, frame[LINE_COLUMN], file, column)
    try:
        if date_format is None:
            parsed = text.str.to_datetime(strict=False, time_unit="us")
        else:
            parsed = text.str.to_datetime(date_format, strict=False, time_unit="us")
    except pl.exceptions.PolarsError as exc:
        # Format inference failed on the whole column (no value matched any pattern).
        line, value = _first_bad(frame, pl.lit(text.is_not_null()), column)
        raise SchemaError(
            f"{file}: line {line}, column {column!r}: cannot parse {value!r} as a date/time",
            context={"file": file, "line": line, "column": column, "value": value},
            hint=format_hint("%Y-%m-%d %H:%M:%S"),
        ) from exc
    bad = parsed.is_null() & text.is_not_null()
    if bad.any():
        line, value = _first_bad(frame, pl.lit(bad), column)
        if mapping.timestamp_format is not None:
            tried = f"the timestamp format {date_format!r}"
        elif date_format is not None:
            tried = f"the format {date_format!r} (detected from the column)"
        else:
            tried = f"the format inferred from its first value, {ISO_DESCRIPTION}"
        raise SchemaError(
            f"{file}: line {line}, column {column!r}: {value!r} does not match {tried}",
            context={"file": file, "line": line, "column": column, "value": value},
            hint=f"fix the line, or {format_hint()}",
        )
    return parsed


def _localize(
    frame: pl.DataFrame, parsed: pl.Series, column: str, mapping: ColumnMap, file: str
) -> pl.Series:
    """Naive wall-clock times in ``mapping.timezone`` -> aware UTC."""
    dtype = parsed.dtype
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        return parsed.dt.convert_time_zone("UTC")
    local = parsed.dt.replace_time_zone(mapping.timezone, ambiguous="null", non_existent="null")
    bad = local.is_null() & parsed.is_not_null()
    if bad.any():
        line, value = _first_bad(frame, pl.lit(bad), column)
        raise SchemaError(
            f"{file}: line {line}, column {column!r}: {value!r} does not exist or is "
            f"ambiguous in time zone {mapping.timezone} (daylight-saving change)",
            context={"file": file, "line": line, "column": column, "value": value},
            hint="store timestamps in UTC, or drop the line",
        )
    return local.dt.convert_time_zone("UTC")


def _timestamps(
    frame: pl.DataFrame, mapping: ColumnMap, frequency: Frequency, file: str
) -> pl.Series:
    column = mapping.timestamp
    source = frame[column]
    if mapping.timestamp_unit is not None:
        stamps = _parse_epoch(frame, column, mapping, file)
    elif isinstance(source.dtype, pl.Datetime):
        stamps = _localize(frame, source, column, mapping, file)
    elif source.dtype == pl.Date:
        stamps = source.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    elif source.dtype == pl.Utf8:
        stamps = _localize(frame, _parse_text(frame, column, mapping, file), column, mapping, file)
    else:
        raise SchemaError(
            f"{file}: column {column!r} holds {source.dtype}, expected dates or times",
            context={"file": file, "column": column},
            hint="set ColumnMap.timestamp_unit for Unix epoch numbers",
        )
    step = pl.duration(days=1) if frequency == Frequency.DAILY else pl.duration(minutes=1)
    expr = pl.lit(stamps)
    if mapping.label == "end":
        expr = expr - step
    if frequency == Frequency.DAILY:
        # A daily bar is labelled by its session date (in the exchange's zone) at 00:00 UTC.
        expr = (
            expr.dt.convert_time_zone(mapping.timezone)
            .dt.date()
            .cast(pl.Datetime("ns"))
            .dt.replace_time_zone("UTC")
        )
    else:
        expr = expr.dt.cast_time_unit("ns")
    return pl.select(expr.alias("timestamp")).to_series()


def to_canonical(
    raw: pl.DataFrame,
    mapping: ColumnMap,
    *,
    frequency: Frequency,
    file: str,
    first_line: int,
    line_numbers: bool,
) -> pd.DataFrame:
    """The canonical long frame (`BAR_COLUMNS`, sorted by timestamp then symbol).

    Args:
        raw: the mapped file columns, as read (text or typed).
        first_line: 1-based line number (or row number) of ``raw``'s first row.
        line_numbers: add a ``line`` column so validation can point back to the file.
    """
    frame = raw.with_columns(
        pl.int_range(first_line, first_line + raw.height, dtype=pl.Int64).alias(LINE_COLUMN)
    )
    mapped = mapping.required_columns()
    # Blank lines come through as all-null rows; they hold no data to keep.
    frame = frame.filter(~pl.all_horizontal([pl.col(c).is_null() for c in mapped]))
    columns: dict[str, pl.Series] = {"timestamp": _timestamps(frame, mapping, frequency, file)}
    if mapping.symbol is not None:
        columns["symbol"] = frame[mapping.symbol].cast(pl.Utf8).str.strip_chars()
    else:
        columns["symbol"] = pl.repeat(mapping.constant_symbol, frame.height, eager=True)
    fields = mapping.field_columns()
    for name in _NUMERIC_FIELDS:
        if name in fields:
            columns[name] = _as_float(frame, fields[name], file)
        else:
            columns[name] = pl.repeat(0.0, frame.height, eager=True, dtype=pl.Float64)
    columns[LINE_COLUMN] = frame[LINE_COLUMN]
    tidy = pl.DataFrame({name: series.alias(name) for name, series in columns.items()})
    tidy = tidy.sort(["timestamp", "symbol", LINE_COLUMN], nulls_last=True)
    return _to_pandas(tidy, line_numbers=line_numbers)


def _to_pandas(tidy: pl.DataFrame, *, line_numbers: bool) -> pd.DataFrame:
    """Build the pandas frame column by column: polars' own to_pandas is ~8x slower on
    string columns because it goes through Arrow large_string."""
    stamps = tidy["timestamp"].dt.replace_time_zone(None).to_numpy()
    data: dict[str, object] = {
        "timestamp": pd.DatetimeIndex(stamps.astype("datetime64[ns]")).tz_localize("UTC"),
        "symbol": tidy["symbol"].to_numpy().astype(object),
    }
    for name in _NUMERIC_FIELDS:
        data[name] = tidy[name].to_numpy().astype(np.float64, copy=False)
    if line_numbers:
        data[LINE_COLUMN] = tidy[LINE_COLUMN].to_numpy()
    # The dict above is built in BAR_COLUMNS order, then the optional line column.
    return pd.DataFrame(data)
