"""Known-answer tests for the CSV and Parquet sources on small hand-written files."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rustybt.data.bars import BAR_COLUMNS, Frequency
from rustybt.data.sources import (
    ColumnMap,
    CSVSource,
    ParquetSource,
    Source,
    binance_klines,
    ninjatrader_minute,
    preset,
    yahoo_daily,
)
from rustybt.errors import ConfigError


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_long_csv_sorted_by_timestamp_then_symbol(tmp_path: Path) -> None:
    path = write(
        tmp_path / "bars.csv",
        "date,open,high,low,close,volume,ticker\n"
        "2020-01-03,11,12,10,11.5,200,BBB\n"
        "2020-01-02,10,11,9,10.5,100,BBB\n"
        "2020-01-02,20,21,19,20.5,300,AAA\n",
    )
    source = CSVSource(
        path, columns=ColumnMap(timestamp="date", symbol="ticker", timestamp_format="%Y-%m-%d")
    )
    frame = source.read()
    assert list(frame.columns) == list(BAR_COLUMNS)
    assert list(frame["symbol"]) == ["AAA", "BBB", "BBB"]
    assert list(frame["timestamp"]) == [utc("2020-01-02"), utc("2020-01-02"), utc("2020-01-03")]
    assert list(frame["close"]) == [20.5, 10.5, 11.5]
    assert frame["volume"].dtype == np.float64
    assert str(frame["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert isinstance(source, Source)


def test_line_numbers_point_at_file_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path / "bars.csv",
        "# exported by hand\n"
        "timestamp,open,high,low,close,volume,symbol\n"
        "2020-01-03,1,1,1,1,1,X\n"
        "\n"
        "2020-01-02,2,2,2,2,2,X\n",
    )
    frame = CSVSource(path, columns=ColumnMap(skip_rows=1)).read(line_numbers=True)
    # The blank line 4 holds nothing and is skipped; numbering still matches the file.
    assert list(frame["line"]) == [5, 3]
    assert list(frame["close"]) == [2.0, 1.0]


def test_empty_price_cell_is_nan_not_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path / "b.csv",
        "timestamp,open,high,low,close,volume,symbol\n2020-01-02,,2,1,1.5,10,X\n",
    )
    frame = CSVSource(path).read()
    assert np.isnan(frame["open"].iloc[0])
    assert frame.loc[0, "high"] == 2.0


def test_constant_symbol_and_missing_volume(tmp_path: Path) -> None:
    path = write(tmp_path / "idx.csv", "Date,O,H,L,C\n2020-01-02,1,2,0.5,1.5\n")
    columns = ColumnMap(
        timestamp="Date", open="O", high="H", low="L", close="C",
        volume=None, symbol=None, constant_symbol="^IDX",
    )  # fmt: skip
    frame = CSVSource(path, columns=columns).read()
    assert frame.loc[0, "symbol"] == "^IDX"
    assert frame.loc[0, "volume"] == 0.0
    assert frame.loc[0, "low"] == 0.5


def test_headerless_semicolon_file(tmp_path: Path) -> None:
    path = write(tmp_path / "nt.csv", "20110309 143100;132.31;132.37;132.25;132.35;556121\n")
    columns = ColumnMap(
        symbol=None,
        constant_symbol="SPY",
        separator=";",
        has_header=False,
        column_names=("timestamp", "open", "high", "low", "close", "volume"),
        timestamp_format="%Y%m%d %H%M%S",
    )
    frame = CSVSource(path, columns=columns, frequency="minute").read(line_numbers=True)
    assert frame.loc[0, "timestamp"] == utc("2011-03-09 14:31")
    assert frame.loc[0, "close"] == 132.35
    assert frame.loc[0, "line"] == 1


def test_label_end_shifts_minute_bars_back_one_minute(tmp_path: Path) -> None:
    path = write(tmp_path / "nt.csv", "20110309 143100;132.31;132.37;132.25;132.35;556121\n")
    frame = ninjatrader_minute(path).read()
    assert frame.loc[0, "timestamp"] == utc("2011-03-09 14:30")
    assert frame.loc[0, "symbol"] == "SPY"


def test_label_end_shifts_daily_bars_back_one_session_date(tmp_path: Path) -> None:
    path = write(
        tmp_path / "d.csv",
        "timestamp,open,high,low,close,volume,symbol\n2020-01-03 00:00:00,1,1,1,1,1,X\n",
    )
    frame = CSVSource(path, columns=ColumnMap(label="end")).read()
    assert frame.loc[0, "timestamp"] == utc("2020-01-02")


def test_epoch_milliseconds(tmp_path: Path) -> None:
    path = write(
        tmp_path / "k.csv",
        "open_time,open,high,low,close,volume,close_time\n"
        "1580515260000,2,2,2,2,1,1580515319999\n"
        "1580515200000,1,1,1,1,1,1580515259999\n",
    )
    frame = binance_klines(path).read()
    assert list(frame["timestamp"]) == [utc("2020-02-01 00:00"), utc("2020-02-01 00:01")]
    assert frame.loc[0, "symbol"] == "BTCUSDT"


def test_binance_headerless_raw_file(tmp_path: Path) -> None:
    path = write(
        tmp_path / "k.csv",
        "1580515200000,9351.71,9375,9351.71,9358.59,56.88664,1580515259999,1,627,1,1,0\n",
    )
    frame = binance_klines(path, has_header=False).read()
    assert frame.loc[0, "timestamp"] == utc("2020-02-01")
    assert frame.loc[0, "high"] == 9375.0


def test_naive_local_minutes_converted_to_utc(tmp_path: Path) -> None:
    path = write(
        tmp_path / "ny.csv",
        "timestamp,open,high,low,close,volume,symbol\n"
        "2020-01-02 09:30:00,1,1,1,1,1,X\n"  # EST = UTC-5
        "2020-07-01 09:30:00,1,1,1,1,1,X\n",  # EDT = UTC-4
    )
    frame = CSVSource(
        path, columns=ColumnMap(timezone="America/New_York"), frequency="minute"
    ).read()
    assert list(frame["timestamp"]) == [utc("2020-01-02 14:30"), utc("2020-07-01 13:30")]


def test_daily_labels_are_session_dates_at_utc_midnight(tmp_path: Path) -> None:
    # 20:00 New York on Jan 2 is 01:00 UTC on Jan 3, but the session is still Jan 2.
    path = write(
        tmp_path / "d.csv",
        "timestamp,open,high,low,close,volume,symbol\n2020-01-02 20:00:00,1,1,1,1,1,X\n",
    )
    frame = CSVSource(path, columns=ColumnMap(timezone="America/New_York")).read()
    assert frame.loc[0, "timestamp"] == utc("2020-01-02")


def test_aware_iso_timestamps_are_converted(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.csv",
        "timestamp,open,high,low,close,volume,symbol\n2020-01-02T09:30:00-05:00,1,1,1,1,1,X\n",
    )
    frame = CSVSource(
        path, columns=ColumnMap(timestamp_format="%Y-%m-%dT%H:%M:%S%z"), frequency="minute"
    ).read()
    assert frame.loc[0, "timestamp"] == utc("2020-01-02 14:30")


def test_gzip_compression_is_inferred(tmp_path: Path) -> None:
    path = tmp_path / "bars.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("Date,Open,High,Low,Close,Adj Close,Volume\n2020-01-02,3,4,2,3.5,3.4,1000\n")
    frame = yahoo_daily(path, symbol="^GSPC").read()
    assert frame.loc[0, "close"] == 3.5  # not Adj Close
    assert frame.loc[0, "symbol"] == "^GSPC"


def test_parquet_source_with_naive_datetimes(tmp_path: Path) -> None:
    path = tmp_path / "bars.parquet"
    pd.DataFrame(
        {
            "ts": pd.to_datetime(["2020-01-03", "2020-01-02"]),
            "sym": ["A", "A"],
            "o": [2.0, 1.0],
            "h": [2.0, 1.0],
            "l": [2.0, 1.0],
            "c": [2.0, 1.0],
            "v": [5, 6],
        }
    ).to_parquet(path)
    columns = ColumnMap(
        timestamp="ts", symbol="sym", open="o", high="h", low="l", close="c", volume="v"
    )
    frame = ParquetSource(path, columns=columns).read(line_numbers=True)
    assert list(frame["timestamp"]) == [utc("2020-01-02"), utc("2020-01-03")]
    assert list(frame["line"]) == [2, 1]
    assert list(frame["volume"]) == [6.0, 5.0]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"symbol": None}, "constant_symbol"),
        ({"constant_symbol": "X"}, "not both"),
        ({"separator": ";;"}, "single character"),
        ({"has_header": False}, "column_names"),
        ({"timestamp_format": "%Y", "timestamp_unit": "ms"}, "not both"),
        ({"timezone": "Mars/Olympus"}, "time zone"),
        ({"label": "middle"}, "label"),
        ({"open": "close"}, "same file column"),
        ({"has_header": False, "column_names": ("timestamp",)}, "lacks mapped"),
    ],
)
def test_column_map_rejects_bad_settings(kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        ColumnMap(**kwargs)  # type: ignore[arg-type]


def test_preset_lookup(tmp_path: Path) -> None:
    assert preset("ninjatrader", tmp_path / "x.csv").frequency is Frequency.MINUTE
    assert preset("yahoo", tmp_path / "x.csv", symbol="GSPC").columns.constant_symbol == "GSPC"
    with pytest.raises(ConfigError, match="needs a symbol"):
        preset("yahoo", tmp_path / "x.csv")
    with pytest.raises(ConfigError, match="unknown data format"):
        preset("bloomberg", tmp_path / "x.csv")
