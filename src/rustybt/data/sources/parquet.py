"""`ParquetSource`: bars from a long-format Parquet file."""

from __future__ import annotations

import pandas as pd
import polars as pl

from rustybt.data.sources._frame import to_canonical
from rustybt.data.sources.base import FileSource, existing_file
from rustybt.errors import DataError, SchemaError, clip_text
from rustybt.interface import hint_for
from rustybt.retry import retry_call

__all__ = ["ParquetSource"]


def _first_line(exc: BaseException) -> str:
    lines = str(exc).splitlines()
    return lines[0] if lines else type(exc).__name__


class ParquetSource(FileSource):
    """Bars from a long-format Parquet file (one row per timestamp and symbol).

    The same `ColumnMap` as for CSV names the columns; separator and header
    settings do not apply. Timestamp columns may be Parquet timestamps (naive ones
    are read in ``ColumnMap.timezone``), dates, text or epoch integers. Row numbers
    in error messages count data rows from 1.
    """

    FORMAT = "Parquet"

    def read(self, *, line_numbers: bool = False) -> pd.DataFrame:
        """The canonical long frame (see `Source.read`)."""
        path = existing_file(self.path)
        wanted = self.columns.required_columns()
        try:
            present = retry_call(f"read Parquet schema {path}", pl.read_parquet_schema, path)
        # polars panics (a BaseException) on some damaged footers: still a damaged file.
        except (pl.exceptions.PolarsError, pl.exceptions.PanicException, OSError) as exc:
            raise DataError(
                f"{path}: not a readable Parquet file ({clip_text(_first_line(exc))})",
                context={"file": str(path)},
            ) from exc
        missing = [c for c in wanted if c not in present]
        if missing:
            raise SchemaError(
                f"{path}: missing required column(s) {', '.join(repr(c) for c in missing)}; "
                f"the file has {', '.join(present)}",
                context={"file": str(path), "missing": missing, "columns": list(present)},
                hint=hint_for(
                    python="fix the ColumnMap (names are case-sensitive)",
                    cli="name the file's columns with --columns date=...,close=... "
                    "(case-sensitive), or give --symbol for a file of one instrument",
                ),
            )
        try:
            raw = retry_call(f"read Parquet {path}", pl.read_parquet, path, columns=wanted)
        except (pl.exceptions.PolarsError, pl.exceptions.PanicException, OSError) as exc:
            raise DataError(
                f"{path}: cannot read the Parquet data ({clip_text(_first_line(exc))})",
                context={"file": str(path)},
            ) from exc
        if isinstance(present[self.columns.timestamp], pl.Datetime) and self.columns.timestamp_unit:
            raise SchemaError(
                f"{path}: column {self.columns.timestamp!r} already holds timestamps",
                context={"file": str(path), "column": self.columns.timestamp},
                hint="drop ColumnMap.timestamp_unit for this file",
            )
        return to_canonical(
            raw,
            self.columns,
            frequency=self._frequency,
            file=str(path),
            first_line=1,
            line_numbers=line_numbers,
        )
