"""Turn a raw polars frame (file columns) into the canonical pandas long frame.

Shared by every file source. Each step that can fail on bad input locates the
first offending cell and raises `SchemaError` naming file, line and column, so a
trader never sees a traceback from inside polars.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import polars as pl

from rustybt.data.bars import Frequency
from rustybt.data.sources.dates import ISO_DESCRIPTION, detect_date_format, format_hint
from rustybt.data.sources.mapping import ColumnMap
from rustybt.errors import SchemaError, clip_text
from rustybt.interface import hint_for
from rustybt.security.sanitise import is_valid_symbol

__all__ = ["LINE_COLUMN", "TRUNCATED_COLUMN", "to_canonical"]

#: Name of the optional column holding each row's 1-based line number in its file.
LINE_COLUMN = "line"
#: Name of the optional boolean column marking a last line that may be cut off.
TRUNCATED_COLUMN = "truncated"
TRUNCATED_HINT = (
    "if the file is complete, add the missing final newline (echo >> FILE); "
    "otherwise download or export it again"
)

_NUMERIC_FIELDS: tuple[str, ...] = ("open", "high", "low", "close", "volume")


#: The dates every path accepts: pandas' nanosecond range (1677-09-21 to 2262-04-11)
#: less a day at each end, so the label shift and time-zone conversions stay inside it.
#: Outside it a timestamp would wrap around silently or crash the conversion.
EARLIEST = datetime(1677, 9, 22)
LATEST = datetime(2262, 4, 10)
_RANGE_HINT = "fix the line (a damaged or wrong date), or drop it"


def _first_bad(frame: pl.DataFrame, bad: pl.Expr, column: str) -> tuple[int, str]:
    """Line number and raw text (capped) of the first row where ``bad`` holds."""
    row = frame.filter(bad).select(pl.col(LINE_COLUMN), pl.col(column).cast(pl.Utf8)).row(0)
    return int(row[0]), clip_text(str(row[1]))


def _out_of_range(frame: pl.DataFrame, bad: pl.Series, column: str, file: str) -> SchemaError:
    line, value = _first_bad(frame, pl.lit(bad), column)
    return SchemaError(
        f"{file}: line {line}, column {column!r}: {value!r} is outside the supported "
        f"date range {EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d}",
        context={"file": file, "line": line, "column": column, "value": value},
        hint=_RANGE_HINT,
    )


def _check_epoch_range(
    frame: pl.DataFrame, ints: pl.Series, column: str, unit: str, file: str
) -> None:
    per_second = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[unit]
    low = int(EARLIEST.replace(tzinfo=UTC).timestamp()) * per_second
    high = int(LATEST.replace(tzinfo=UTC).timestamp()) * per_second
    bad = (ints < low) | (ints > high)
    if bad.any():
        raise _out_of_range(frame, bad, column, file)


def _check_range(frame: pl.DataFrame, stamps: pl.Series, column: str, file: str) -> None:
    """SchemaError naming the first timestamp outside [EARLIEST, LATEST]."""
    naive = stamps.dt.replace_time_zone(None) if isinstance(stamps.dtype, pl.Datetime) else stamps
    if stamps.dtype == pl.Date:
        bad = (naive < EARLIEST.date()) | (naive > LATEST.date())
    else:
        bad = (naive < EARLIEST) | (naive > LATEST)
    if bad.any():
        raise _out_of_range(frame, bad, column, file)


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
        finite = series.is_finite() | series.is_null()
        too_big = series.abs() >= 2.0**63
        if (~finite | too_big).any():
            raise _out_of_range(frame, ~finite | too_big.fill_null(False), column, file)
        series = series.cast(pl.Int64)
    elif not series.dtype.is_integer():
        raise SchemaError(
            f"{file}: column {column!r} holds {series.dtype}, expected Unix timestamps",
            context={"file": file, "column": column},
        )
    unit = mapping.timestamp_unit or "s"
    _check_epoch_range(frame, series, column, unit, file)
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
    _check_range(frame, stamps, column, file)
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


def _symbols(frame: pl.DataFrame, mapping: ColumnMap, file: str) -> pl.Series:
    """The symbol column, each distinct symbol checked by the sanitiser (a symbol
    such as ``../../etc/passwd`` or ``$(id)`` is refused, naming its line)."""
    if mapping.symbol is None:
        return pl.repeat(mapping.constant_symbol, frame.height, eager=True, dtype=pl.Utf8)
    symbols = frame[mapping.symbol].cast(pl.Utf8).str.strip_chars()
    for symbol in symbols.drop_nulls().unique().to_list():
        if symbol and not is_valid_symbol(symbol):
            line, value = _first_bad(frame, pl.lit(symbols == symbol), mapping.symbol)
            raise SchemaError(
                f"{file}: line {line}, column {mapping.symbol!r}: {value!r} is not a valid symbol",
                context={"file": file, "line": line, "column": mapping.symbol, "value": value},
                hint="symbols use 1-32 letters, digits and . _ ^ / - (e.g. AAPL, BRK.B, ^GSPC); "
                "fix or remove the line",
            )
    return symbols


def _tidy(frame: pl.DataFrame, mapping: ColumnMap, frequency: Frequency, file: str) -> pl.DataFrame:
    """The canonical columns of ``frame`` (plus the line), unsorted."""
    columns: dict[str, pl.Series] = {"timestamp": _timestamps(frame, mapping, frequency, file)}
    columns["symbol"] = _symbols(frame, mapping, file)
    fields = mapping.field_columns()
    for name in _NUMERIC_FIELDS:
        if name in fields:
            columns[name] = _as_float(frame, fields[name], file)
        else:
            columns[name] = pl.repeat(0.0, frame.height, eager=True, dtype=pl.Float64)
    columns[LINE_COLUMN] = frame[LINE_COLUMN]
    return pl.DataFrame({name: series.alias(name) for name, series in columns.items()})


def _tidy_last(
    last: pl.DataFrame, mapping: ColumnMap, frequency: Frequency, file: str
) -> pl.DataFrame:
    """The possibly cut-off last line: as parsed when it parses, else as a row with no
    timestamp and no prices (validation quarantines it either way)."""
    try:
        return _tidy(last, mapping, frequency, file)
    except SchemaError:
        empty = _tidy(last.clear(), mapping, frequency, file)
        return pl.DataFrame(
            {
                name: pl.Series(name, [last[LINE_COLUMN][0] if name == LINE_COLUMN else None])
                for name in empty.columns
            },
            schema=empty.schema,
        )


def to_canonical(
    raw: pl.DataFrame,
    mapping: ColumnMap,
    *,
    frequency: Frequency,
    file: str,
    first_line: int,
    line_numbers: bool,
    truncated_last: bool = False,
) -> pd.DataFrame:
    """The canonical long frame (`BAR_COLUMNS`, sorted by timestamp then symbol).

    Args:
        raw: the mapped file columns, as read (text or typed).
        first_line: 1-based line number (or row number) of ``raw``'s first row.
        line_numbers: add a ``line`` column so validation can point back to the file.
        truncated_last: the file does not end with a newline. With ``line_numbers`` its
            last line gets ``truncated=True`` (a `TRUNCATED_COLUMN` column) so validation
            quarantines it; without, it is a `SchemaError`.
    """
    frame = raw.with_columns(
        pl.int_range(first_line, first_line + raw.height, dtype=pl.Int64).alias(LINE_COLUMN)
    )
    mapped = mapping.required_columns()
    # Blank lines come through as all-null rows; they hold no data to keep.
    frame = frame.filter(~pl.all_horizontal([pl.col(c).is_null() for c in mapped]))
    last: pl.DataFrame | None = None
    if truncated_last:
        # No final newline: the last line may be cut off (a phantom "AAP" from "AAPL",
        # a volume missing digits). It is kept apart and marked, never stored as clean.
        is_last = frame[LINE_COLUMN] == first_line + raw.height - 1
        last, frame = frame.filter(is_last), frame.filter(~is_last)
    tidy = _tidy(frame, mapping, frequency, file)
    if last is not None and last.height:
        if not line_numbers:
            line = int(last[LINE_COLUMN][0])
            raise SchemaError(
                f"{file}: line {line}: the file does not end with a newline, so its last "
                "line may be cut off",
                context={"file": file, "line": line},
                hint=TRUNCATED_HINT,
            )
        tidy = pl.concat(
            [
                tidy.with_columns(pl.lit(False).alias(TRUNCATED_COLUMN)),
                _tidy_last(last, mapping, frequency, file).with_columns(
                    pl.lit(True).alias(TRUNCATED_COLUMN)
                ),
            ]
        )
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
        if TRUNCATED_COLUMN in tidy.columns:
            data[TRUNCATED_COLUMN] = tidy[TRUNCATED_COLUMN].to_numpy()
    # The dict above is built in BAR_COLUMNS order, then the optional line column.
    return pd.DataFrame(data)
