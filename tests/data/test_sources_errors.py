"""Every bad-input path names the file, the line and the column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from rustybt.data.sources import ColumnMap, CSVSource, ParquetSource, ninjatrader_minute
from rustybt.errors import DataError, DataNotFound, SchemaError

HEADER = "timestamp,open,high,low,close,volume,symbol\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    with pytest.raises(DataNotFound, match=r"nope\.csv") as info:
        CSVSource(missing).read()
    assert info.value.context["path"] == str(missing)
    with pytest.raises(DataNotFound):
        ParquetSource(tmp_path / "nope.parquet").read()


def test_non_numeric_price_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "b.csv", HEADER + "2020-01-02,1,1,1,1,1,X\n2020-01-03,1,1,1,abc,1,X\n")
    with pytest.raises(SchemaError) as info:
        CSVSource(path).read()
    message = str(info.value)
    assert str(path) in message
    assert "line 3" in message
    assert "'close'" in message
    assert info.value.context == {"file": str(path), "line": 3, "column": "close", "value": "abc"}


def test_non_numeric_in_headerless_file(tmp_path: Path) -> None:
    path = write(tmp_path / "nt.csv", "20110309 143100;1;1;1;1;10\n20110309 143200;1;1;x;1;10\n")
    with pytest.raises(SchemaError, match=r"line 2, column 'low': 'x' is not a number"):
        ninjatrader_minute(path).read()


def test_unparseable_date_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "b.csv", HEADER + "2020-01-02,1,1,1,1,1,X\n2020-13-45,1,1,1,1,1,X\n")
    with pytest.raises(SchemaError) as info:
        CSVSource(path, columns=ColumnMap(timestamp_format="%Y-%m-%d")).read()
    assert info.value.context["line"] == 3
    assert info.value.context["column"] == "timestamp"
    assert "2020-13-45" in str(info.value)


def test_date_that_matches_no_format_at_all(tmp_path: Path) -> None:
    path = write(tmp_path / "b.csv", HEADER + "yesterday,1,1,1,1,1,X\n")
    with pytest.raises(SchemaError, match=r"line 2, column 'timestamp'"):
        CSVSource(path).read()


def test_bad_epoch_names_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "k.csv", HEADER + "1580515200000,1,1,1,1,1,X\n15805152x0000,1,1,1,1,1,X\n"
    )
    with pytest.raises(SchemaError, match=r"line 3, column 'timestamp'.*Unix timestamp in ms"):
        CSVSource(path, columns=ColumnMap(timestamp_unit="ms"), frequency="minute").read()


def test_missing_column_lists_what_the_file_has(tmp_path: Path) -> None:
    path = write(
        tmp_path / "b.csv", "date,open,high,low,close,volume,symbol\n2020-01-02,1,1,1,1,1,X\n"
    )
    with pytest.raises(SchemaError) as info:
        CSVSource(path).read()
    assert "'timestamp'" in str(info.value)
    assert info.value.context["missing"] == ["timestamp"]
    assert "date" in str(info.value)


def test_nonexistent_local_time_is_reported(tmp_path: Path) -> None:
    # 02:30 on 2020-03-08 does not exist in New York (clocks jump 02:00 -> 03:00).
    path = write(tmp_path / "b.csv", HEADER + "2020-03-08 02:30:00,1,1,1,1,1,X\n")
    columns = ColumnMap(timezone="America/New_York")
    with pytest.raises(SchemaError, match=r"line 2.*does not exist or is ambiguous"):
        CSVSource(path, columns=columns, frequency="minute").read()


def test_parquet_missing_column_and_bad_text_price(tmp_path: Path) -> None:
    path = tmp_path / "b.parquet"
    frame = pd.DataFrame(
        {
            "timestamp": pd.to_datetime(["2020-01-02", "2020-01-03"]),
            "symbol": ["A", "A"],
            "open": ["1.0", "oops"],
            "high": [1.0, 1.0],
            "low": [1.0, 1.0],
            "close": [1.0, 1.0],
        }
    )
    frame.to_parquet(path)
    with pytest.raises(SchemaError, match="missing required column"):
        ParquetSource(path).read()
    with pytest.raises(SchemaError, match=r"line 2, column 'open': 'oops' is not a number"):
        ParquetSource(path, columns=ColumnMap(volume=None)).read()


def test_not_a_parquet_file(tmp_path: Path) -> None:
    path = write(tmp_path / "b.parquet", "this is text")
    with pytest.raises(DataError, match="not a readable Parquet file"):
        ParquetSource(path).read()
