"""Strict ingestion: out-of-range dates, cut-off last lines and hostile symbols never
become clean bars, and every refusal names file, line and column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from rustybt.data.catalog import Catalog, ingest
from rustybt.data.sources import ColumnMap, CSVSource, binance_klines, preset
from rustybt.errors import CatalogError, DataError, SchemaError, clip_text

HEADER = "timestamp,open,high,low,close,volume,symbol\n"
ROW = "2013-02-{day:02d},10,11,9,10.5,100,AAPL\n"


def _write(tmp_path: Path, text: str, name: str = "bars.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("stamp", "frequency", "columns"),
    [
        ("0001-01-01", "daily", ColumnMap()),
        ("9999-12-31", "daily", ColumnMap()),
        ("1677-01-01 00:00:00", "minute", ColumnMap()),
        ("2262-04-12 00:00:00", "minute", ColumnMap()),
        ("99999999999999", "minute", ColumnMap(timestamp_unit="ms")),
        ("-9999999999999", "minute", ColumnMap(timestamp_unit="ms")),
        ("9223372036854775807", "minute", ColumnMap(timestamp_unit="ns")),
        ("99999999999", "daily", ColumnMap(timestamp_unit="s")),
    ],
)
def test_timestamps_outside_the_range_are_refused_with_line_and_column(
    tmp_path: Path, stamp: str, frequency: str, columns: ColumnMap
) -> None:
    good = "1360281600" if columns.timestamp_unit == "s" else "2013-02-08"
    if columns.timestamp_unit == "ms":
        good = "1360281600000"
    if columns.timestamp_unit == "ns":
        good = "1360281600000000000"
    path = _write(
        tmp_path,
        HEADER + f"{good},10,11,9,10.5,100,AAPL\n{stamp},10,11,9,10.5,100,AAPL\n",
    )
    source = CSVSource(path, columns=columns, frequency=frequency)
    with pytest.raises(SchemaError) as caught:
        ingest(source, tmp_path / "catalog", name="bars")
    assert "line 3, column 'timestamp'" in caught.value.message
    assert stamp in caught.value.message
    assert "outside the supported date range" in caught.value.message
    assert not (tmp_path / "catalog" / "bars").exists()


def test_the_range_edges_themselves_are_accepted(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + "1677-09-22,10,11,9,10.5,100,AAPL\n")
    frame = CSVSource(path).read()
    assert frame["timestamp"].iloc[0] == pd.Timestamp("1677-09-22", tz="UTC")


def test_a_cut_off_symbol_on_the_last_line_is_quarantined(tmp_path: Path) -> None:
    # "AAP" is what is left of "AAPL" when the file was cut: no final newline.
    path = _write(tmp_path, HEADER + ROW.format(day=8) + ROW.format(day=11)[:-2])
    report = ingest(CSVSource(path), tmp_path / "catalog", name="bars")
    assert report.rows_clean == 1
    assert list(report.structural.clean["symbol"]) == ["AAPL"]
    rejected = report.structural.rejected
    assert list(rejected["symbol"]) == ["AAP"]
    assert list(rejected["line"]) == [3]
    assert rejected["reason"].iloc[0] == "truncated_line"


def test_a_cut_off_volume_is_quarantined_not_stored(tmp_path: Path) -> None:
    lines = ["open_time,open,high,low,close,volume"]
    lines += [f"{1580515200000 + 60_000 * i},1,2,0.5,1.5,56.88664000" for i in range(3)]
    text = "\n".join(lines)[:-6]  # the last volume loses digits and the newline
    path = _write(tmp_path, text)
    report = ingest(binance_klines(path), tmp_path / "catalog", name="btc")
    assert report.rows_clean == 2
    assert report.structural.rejected["reason"].tolist() == ["truncated_line"]
    assert report.structural.rejected["volume"].tolist() == [56.88]


def test_a_last_line_cut_inside_a_number_is_quarantined_without_values(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + ROW.format(day=8) + "2013-02-1")
    report = ingest(CSVSource(path), tmp_path / "catalog", name="bars")
    assert report.rows_clean == 1
    assert report.structural.rejected["line"].tolist() == [3]
    assert "truncated_line" in report.structural.rejected["reason"].iloc[0]


def test_a_complete_file_keeps_its_last_line(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + ROW.format(day=8) + ROW.format(day=11))
    assert ingest(CSVSource(path), tmp_path / "catalog", name="bars").rows_clean == 2


def test_reading_without_validation_refuses_a_cut_off_last_line(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + ROW.format(day=8) + ROW.format(day=11)[:-1])
    with pytest.raises(SchemaError, match="does not end with a newline"):
        CSVSource(path).read()


def test_a_gzipped_file_without_final_newline_is_detected(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "bars.csv.gz"
    path.write_bytes(gzip.compress((HEADER + ROW.format(day=8) + "2013-02-11,1,2").encode()))
    report = ingest(CSVSource(path), tmp_path / "catalog", name="bars")
    assert report.rows_clean == 1
    assert "truncated_line" in report.structural.rejected["reason"].iloc[0]


@pytest.mark.parametrize(
    "symbol", ["../../etc/passwd", "A" * 5000, "AB\x00C", "$(id)", "`id`", "..", "a b"]
)
def test_hostile_symbols_are_refused_at_ingest(tmp_path: Path, symbol: str) -> None:
    path = tmp_path / "bars.csv"
    path.write_bytes((HEADER + ROW.format(day=8) + f"2013-02-11,1,2,0.5,1.5,9,{symbol}\n").encode())
    with pytest.raises(SchemaError) as caught:
        ingest(CSVSource(path), tmp_path / "catalog", name="bars")
    assert "line 3, column 'symbol'" in caught.value.message
    assert "is not a valid symbol" in caught.value.message
    assert len(str(caught.value)) < 2_000
    assert not (tmp_path / "catalog" / "bars").exists()


def test_hostile_symbols_in_a_frame_are_refused(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "timestamp": pd.to_datetime(["2013-02-08", "2013-02-11"], utc=True),
            "symbol": ["AAPL", "../x"],
            **{name: [1.0, 1.0] for name in ("open", "high", "low", "close", "volume")},
        }
    )
    with pytest.raises(SchemaError, match=r"row 1: '\.\./x' is not a valid symbol"):
        ingest(frame, tmp_path / "catalog", name="bars", frequency="daily")


def test_a_one_megabyte_cell_is_echoed_capped(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + "2013-02-08,10," + "9" * 10 + "x" * 1_000_000 + ",9,1,1,A\n")
    with pytest.raises(SchemaError) as caught:
        CSVSource(path).read()
    assert len(str(caught.value)) < 2_000
    assert "chars cut" in caught.value.message
    assert "line 2, column 'high'" in caught.value.message


def test_clip_text_keeps_both_ends_and_says_how_much_was_cut() -> None:
    assert clip_text("short") == "short"
    clipped = clip_text("a" * 500 + "Z", 100)
    assert clipped.startswith("aaaa")
    assert clipped.endswith("Z")
    assert len(clipped) < 110
    assert "chars cut" in clipped


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "holds no data"),
        ("\n\n\n", "holds no data"),
        (HEADER, "no clean rows"),
        (HEADER + "\n\n" + ROW.format(day=8) + "\n\n", None),
    ],
)
def test_empty_and_blank_files(tmp_path: Path, text: str, message: str | None) -> None:
    path = _write(tmp_path, text)
    if message is None:
        assert ingest(CSVSource(path), tmp_path / "catalog", name="bars").rows_clean == 1
        return
    with pytest.raises(DataError, match=message):
        ingest(CSVSource(path), tmp_path / "catalog", name="bars")


def test_headerless_file_with_the_wrong_separator(tmp_path: Path) -> None:
    path = _write(tmp_path, "20110103 090100,126.35,126.39,126.35,126.39,1579\n")
    with pytest.raises(DataError):
        ingest(preset("ninjatrader", path), tmp_path / "catalog", name="spy")


def test_catalog_path_naming_a_file_and_a_symlinked_dataset(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + ROW.format(day=8))
    with pytest.raises(CatalogError, match="is a file, not a folder"):
        ingest(CSVSource(path), path, name="bars")
    root = tmp_path / "catalog"
    ingest(CSVSource(path), root, name="bars")
    outside = tmp_path / "precious"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    (root / "bars").rename(root / "moved")
    (root / "bars").symlink_to(outside)
    with pytest.raises(CatalogError, match="symbolic link"):
        ingest(CSVSource(path), root, name="bars", overwrite=True)
    assert (outside / "keep.txt").read_text() == "keep"
    assert Catalog(root).datasets() == ["bars"]
