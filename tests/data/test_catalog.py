"""Catalog: ingest, load windows, metadata, checksums, quarantine and name safety."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import rustybt
from rustybt.assets import Asset, AssetClass
from rustybt.data.bars import BAR_COLUMNS, BarPanel, Frequency
from rustybt.data.catalog import Catalog, check_name, ingest
from rustybt.data.sources import CSVSource
from rustybt.data.structural import StructuralError
from rustybt.errors import (
    CatalogError,
    ConfigError,
    DataNotFound,
    UnknownSymbol,
    ValidationError,
)


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def frame_of(rows: list[tuple[str, str, float, float, float, float, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(BAR_COLUMNS))
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    return frame


ROWS = [
    ("2020-01-02", "AAA", 10.0, 11.0, 9.0, 10.5, 100.0),
    ("2020-01-02", "BBB", 20.0, 21.0, 19.0, 20.5, 200.0),
    ("2020-01-03", "AAA", 10.5, 12.0, 10.0, 11.0, 150.0),
    ("2020-01-06", "BBB", 20.5, 22.0, 20.0, 21.0, 250.0),
    ("2020-01-06", "AAA", float("nan"), 12.0, 10.0, 11.0, 150.0),
]


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    catalog = Catalog(tmp_path / "cat")
    catalog.ingest(frame_of(ROWS), name="toy", frequency="daily", sectors={"AAA": "Energy"})
    return catalog


def test_round_trip_panel(catalog: Catalog) -> None:
    panel = catalog.load("toy")
    assert isinstance(panel, BarPanel)
    assert panel.symbols == ("AAA", "BBB")
    assert list(panel.index) == [utc("2020-01-02"), utc("2020-01-03"), utc("2020-01-06")]
    nan = np.nan
    np.testing.assert_array_equal(panel.close, [[10.5, 20.5], [11.0, nan], [nan, 21.0]])
    np.testing.assert_array_equal(panel.volume, [[100.0, 200.0], [150.0, nan], [nan, 250.0]])
    assert panel.frequency is Frequency.DAILY
    assert panel.assets[0].sector == "Energy"
    assert panel.assets[1].sector is None
    clean = frame_of(ROWS[:4])
    expected = BarPanel.from_frame(clean)
    for name in ("open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(panel.field(name), expected.field(name))


def test_window_and_symbol_order(catalog: Catalog) -> None:
    panel = catalog.load("toy", start="2020-01-03", end="2020-01-06", symbols=["BBB", Asset("AAA")])
    assert panel.symbols == ("BBB", "AAA")
    assert list(panel.index) == [utc("2020-01-03"), utc("2020-01-06")]
    np.testing.assert_array_equal(panel.close, [[np.nan, 11.0], [21.0, np.nan]])
    aware = catalog.load("toy", start=pd.Timestamp("2020-01-05 19:00", tz="America/New_York"))
    assert list(aware.index) == [utc("2020-01-06")]


def test_metadata_entry(catalog: Catalog, tmp_path: Path) -> None:
    info = catalog.info("toy")
    assert catalog.datasets() == ["toy"]
    assert info.frequency is Frequency.DAILY
    assert info.source == "pandas DataFrame"
    assert info.symbols == ("AAA", "BBB")
    assert (info.start, info.end) == ("2020-01-02T00:00:00+00:00", "2020-01-06T00:00:00+00:00")
    assert info.rows == {"in": 5, "clean": 4, "rejected": 1}
    assert info.rustybt_version == rustybt.__version__
    assert set(info.files) == {"bars.parquet", "quarantine.parquet", "validation.json"}
    for name, digest in info.files.items():
        assert hashlib.sha256((tmp_path / "cat" / "toy" / name).read_bytes()).hexdigest() == digest
    raw = json.loads((tmp_path / "cat" / "catalog.json").read_text())
    assert raw["datasets"]["toy"]["assets"][0] == {
        "symbol": "AAA",
        "asset_class": "equity",
        "sector": "Energy",
    }
    assert not [p for p in (tmp_path / "cat").iterdir() if p.name.startswith(".")]


def test_quarantine_and_validation_report(catalog: Catalog) -> None:
    rejected = catalog.quarantine("toy")
    assert len(rejected) == 1
    row = rejected.iloc[0]
    assert (row["symbol"], row["timestamp"], row["reason"], row["row"]) == (
        "AAA",
        utc("2020-01-06"),
        "missing_price",
        4,
    )
    assert np.isnan(row["open"])
    report = catalog.validation_report("toy")
    assert report["rows_rejected"] == 1


def test_verify_detects_corruption(catalog: Catalog, tmp_path: Path) -> None:
    assert catalog.verify("toy").name == "toy"
    bars = tmp_path / "cat" / "toy" / "bars.parquet"
    with bars.open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(CatalogError, match=r"checksum mismatch for bars\.parquet"):
        catalog.verify("toy")
    bars.unlink()
    with pytest.raises(CatalogError, match="missing"):
        catalog.verify("toy")
    with pytest.raises(CatalogError, match="missing"):
        catalog.load("toy")


def test_unknown_dataset_and_symbol_hint_at_what_exists(catalog: Catalog) -> None:
    with pytest.raises(DataNotFound) as info:
        catalog.load("tyo")
    assert "toy" in str(info.value.hint)
    with pytest.raises(UnknownSymbol) as sym:
        catalog.load("toy", symbols=["AAA", "BBC"])
    assert sym.value.context["symbols"] == ["BBC"]
    assert "BBB" in str(sym.value.hint)


def test_empty_window_is_data_not_found(catalog: Catalog) -> None:
    with pytest.raises(DataNotFound, match="no bars") as info:
        catalog.load("toy", start="2021-01-01")
    assert "2020-01-02" in str(info.value.hint)


@pytest.mark.parametrize(
    "name", ["..", "../x", "a/b", "a\\b", "", ".hidden", "a..b", "/abs", "x" * 129]
)
def test_dataset_names_cannot_escape(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError, match="invalid dataset name"):
        check_name(name)
    with pytest.raises(ConfigError):
        ingest(frame_of(ROWS), tmp_path, name=name, frequency="daily")
    with pytest.raises(ConfigError):
        Catalog(tmp_path).load(name)
    assert not (tmp_path.parent / "x").exists()


def test_existing_name_needs_overwrite(catalog: Catalog) -> None:
    with pytest.raises(CatalogError, match="already exists"):
        catalog.ingest(frame_of(ROWS), name="toy", frequency="daily")
    report = catalog.ingest(frame_of(ROWS[:2]), name="toy", frequency="daily", overwrite=True)
    assert report.quarantine_path is None
    assert catalog.info("toy").rows == {"in": 2, "clean": 2, "rejected": 0}
    assert not (catalog.path / "toy" / "quarantine.parquet").exists()
    assert catalog.quarantine("toy").empty
    assert len(catalog.load("toy")) == 1


def test_strict_and_all_rejected_write_nothing(tmp_path: Path) -> None:
    with pytest.raises(StructuralError):
        ingest(frame_of(ROWS), tmp_path, name="s", frequency="daily", strict=True)
    with pytest.raises(ValidationError, match="no clean rows"):
        ingest(frame_of(ROWS[4:]), tmp_path, name="s", frequency="daily")
    assert Catalog(tmp_path).datasets() == []
    assert not (tmp_path / "s").exists()


def test_frame_needs_a_frequency(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="frequency"):
        ingest(frame_of(ROWS), tmp_path, name="x")


def test_ingest_csv_source_quarantines_with_file_lines(tmp_path: Path) -> None:
    path = tmp_path / "btc.csv"
    path.write_text(
        "timestamp,open,high,low,close,volume,symbol\n"
        "2020-02-01 00:01:00,2,2,2,2,1,BTCUSDT\n"
        "2020-02-01 00:00:00,1,1,1,1,-3,BTCUSDT\n"
    )
    source = CSVSource(path, frequency="minute")
    report = ingest(source, tmp_path / "cat", name="btc", asset_class="crypto")
    assert report.rows_clean == 1
    assert report.quarantine_path is not None
    rejected = pd.read_parquet(report.quarantine_path)
    assert (rejected.loc[0, "line"], rejected.loc[0, "reason"]) == (3, "negative_volume")
    panel = Catalog(tmp_path / "cat").load("btc")
    assert panel.frequency is Frequency.MINUTE
    assert panel.assets[0].asset_class is AssetClass.CRYPTO
    assert panel.assets[0].fractional
    assert "btc.csv" in Catalog(tmp_path / "cat").info("btc").source
    with pytest.raises(ConfigError, match="differs"):
        ingest(source, tmp_path / "cat", name="btc2", frequency="daily")


def test_corrupt_metadata_is_a_catalog_error(tmp_path: Path) -> None:
    (tmp_path / "catalog.json").write_text("{not json")
    with pytest.raises(CatalogError, match="unreadable"):
        Catalog(tmp_path).datasets()
    assert Catalog(tmp_path / "none").datasets() == []


def test_loading_a_catalog_does_not_import_polars_or_calendars() -> None:
    code = (
        "import sys, rustybt.data.catalog;"
        "print('polars' in sys.modules, 'exchange_calendars' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
