"""`CSVSource`: bars from a delimited text file (plain or .gz), read with polars."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pandas as pd
import polars as pl

from rustybt.data.sources._frame import to_canonical
from rustybt.data.sources.base import FileSource, existing_file
from rustybt.errors import DataError, SchemaError, clip_text
from rustybt.interface import hint_for
from rustybt.retry import retry_call

__all__ = ["CSVSource", "ends_with_newline"]

_GZIP_MAGIC = b"\x1f\x8b"


def ends_with_newline(path: Path) -> bool:
    """Whether the file's (decompressed) text ends with a newline, or is empty.

    A file cut off in the middle of a write or a download usually is not: its last
    line may then be incomplete. Unreadable compressed data counts as "yes": the
    reader reports it better.
    """
    try:
        with path.open("rb") as handle:
            if handle.read(2) != _GZIP_MAGIC:
                size = handle.seek(0, 2)
                if size == 0:
                    return True
                handle.seek(size - 1)
                return handle.read(1) in (b"\n", b"\r")
        last = b""
        with gzip.open(path, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                last = block[-1:]
        return last in (b"", b"\n", b"\r")
    except (OSError, EOFError, zlib.error):
        return True


class CSVSource(FileSource):
    """Bars from a CSV file described by a `ColumnMap`.

    Compression is inferred from the content (gzip files, usually ``.csv.gz``, are
    decompressed in memory). Prices are parsed as float64 in a fast typed pass; only
    when that fails is the file re-read as text to name the exact bad line and column.

    Example:
        >>> source = CSVSource("bars.csv", columns=ColumnMap(symbol="ticker"))  # doctest: +SKIP
        >>> frame = source.read()  # doctest: +SKIP
    """

    FORMAT = "CSV"

    def read(self, *, line_numbers: bool = False) -> pd.DataFrame:
        """The canonical long frame (see `Source.read`)."""
        path = existing_file(self.path)
        mapping = self.columns
        raw = self._read_raw(path, typed=True)
        if raw is None:
            # The typed pass failed: re-read as text so the conversion can name the cell.
            raw = self._read_raw(path, typed=False)
            if raw is None:
                raise DataError(
                    f"{path}: the file could not be read as CSV", context={"file": str(path)}
                )
        first_line = mapping.skip_rows + (2 if mapping.has_header else 1)
        return to_canonical(
            raw,
            mapping,
            frequency=self._frequency,
            file=str(path),
            first_line=first_line,
            line_numbers=line_numbers,
            truncated_last=not ends_with_newline(path),
        )

    def _schema(self, typed: bool) -> dict[str, type[pl.DataType] | pl.DataType]:
        mapping = self.columns
        schema: dict[str, type[pl.DataType] | pl.DataType] = {
            column: pl.Utf8 for column in mapping.required_columns()
        }
        if typed:
            for name, column in mapping.field_columns().items():
                if name in ("open", "high", "low", "close", "volume"):
                    schema[column] = pl.Float64
            if mapping.timestamp_unit is not None:
                schema[mapping.timestamp] = pl.Int64
        return schema

    def _read_raw(self, path: Path, *, typed: bool) -> pl.DataFrame | None:
        """The mapped columns; None when a typed read hits a value of the wrong type."""
        mapping = self.columns
        wanted = mapping.required_columns()
        try:
            # Through the retry policy: a slow or flaky (network) file system gets
            # another try; a missing file or bad content fails at once.
            frame = retry_call(
                f"read CSV {path}",
                pl.read_csv,
                path,
                separator=mapping.separator,
                has_header=mapping.has_header,
                new_columns=list(mapping.column_names) if mapping.column_names else None,
                skip_rows=mapping.skip_rows,
                columns=wanted if mapping.has_header else None,
                schema_overrides=self._schema(typed) if mapping.has_header else None,
                infer_schema=False,
                truncate_ragged_lines=False,
            )
        except pl.exceptions.ColumnNotFoundError as exc:
            raise self._missing_columns(path) from exc
        except pl.exceptions.NoDataError as exc:
            raise DataError(f"{path}: the file holds no data", context={"file": str(path)}) from exc
        except pl.exceptions.ShapeError as exc:
            raise SchemaError(
                f"{path}: the lines do not have the {len(mapping.column_names or ())} "
                f"columns the format names ({clip_text(str(exc).splitlines()[0])})",
                context={"file": str(path), "separator": mapping.separator},
                hint="check the separator and the format (--format) of the file",
            ) from exc
        except (pl.exceptions.ComputeError, pl.exceptions.InvalidOperationError) as exc:
            if typed:
                return None
            raise DataError(
                f"{path}: not a readable CSV file ({clip_text(str(exc).splitlines()[0])})",
                context={"file": str(path), "separator": mapping.separator},
                hint="check the separator, header and compression settings",
            ) from exc
        except OSError as exc:
            raise DataError(
                f"{path}: cannot read the file ({exc})", context={"file": str(path)}
            ) from exc
        except pl.exceptions.PolarsError as exc:
            raise DataError(
                f"{path}: not a readable CSV file ({clip_text(str(exc).splitlines()[0])})",
                context={"file": str(path), "separator": mapping.separator},
                hint="check the separator, header and compression settings",
            ) from exc
        if not mapping.has_header:
            # Headerless: everything was read as text; keep and type the mapped columns.
            frame = frame.select(wanted)
            if typed:
                try:
                    frame = frame.cast(self._schema(typed=True))  # type: ignore[arg-type]  # polars accepts a name->dtype mapping
                except pl.exceptions.InvalidOperationError:
                    return None
        missing = [c for c in wanted if c not in frame.columns]
        if missing:
            raise self._missing_columns(path)
        return frame

    def _missing_columns(self, path: Path) -> SchemaError:
        mapping = self.columns
        try:
            header = pl.read_csv(
                path,
                separator=mapping.separator,
                has_header=mapping.has_header,
                skip_rows=mapping.skip_rows,
                n_rows=1,
                infer_schema=False,
            ).columns
        except pl.exceptions.PolarsError:
            header = []
        present = list(mapping.column_names) if mapping.column_names else header
        missing = [c for c in mapping.required_columns() if c not in present]
        shown = clip_text(", ".join(clip_text(c, 40) for c in present[:50]))
        return SchemaError(
            f"{path}: missing required column(s) {', '.join(repr(c) for c in missing)}; "
            f"the file has {shown or 'no readable header'}",
            context={"file": str(path), "missing": missing, "columns": present},
            hint=hint_for(
                python="fix the ColumnMap (names are case-sensitive) or the separator",
                cli="name the file's columns with --columns date=Date,open=Open,high=High,"
                "low=Low,close=Close,volume=Volume (case-sensitive), give --symbol for a "
                "file of one instrument, or set --sep",
            ),
        )
