"""Catalog load speed and the real all_stocks_5yr ingestion."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rustybt.data.bars import BAR_COLUMNS
from rustybt.data.catalog import Catalog, ingest
from rustybt.data.sources import kaggle_all_stocks


def test_500_assets_by_2520_days_loads_fast(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    days = pd.date_range("2010-01-01", periods=2520, freq="D", tz="UTC")
    symbols = np.array([f"S{i:03d}" for i in range(505)], dtype=object)
    close = np.round(
        100 * np.exp(np.cumsum(rng.normal(0, 0.01, (len(days), len(symbols))), axis=0)), 2
    )
    frame = pd.DataFrame(
        {
            "timestamp": np.repeat(days, len(symbols)),
            "symbol": np.tile(symbols, len(days)),
            "open": close.ravel(),
            "high": close.ravel() * 1.01,
            "low": close.ravel() * 0.99,
            "close": close.ravel(),
            "volume": np.round(rng.uniform(1e5, 1e7, close.size)),
        },
        columns=list(BAR_COLUMNS),
    )
    ingest(frame, tmp_path, name="big", frequency="daily")
    catalog = Catalog(tmp_path)
    chosen = list(symbols[:500])
    panel = catalog.load("big", symbols=chosen)  # its speed: benchmarks/engine_speed.py
    assert panel.close.shape == (2520, 500)
    np.testing.assert_array_equal(panel.close, close[:, :500])
    window = catalog.load("big", start=days[100], end=days[199], symbols=["S010", "S003"])
    np.testing.assert_array_equal(window.close, close[100:200][:, [10, 3]])


@pytest.mark.realdata
def test_all_stocks_5yr_ingest_and_quarantine(shared_data: Path, tmp_path: Path) -> None:
    report = ingest(
        kaggle_all_stocks(shared_data / "all_stocks_5yr.csv.gz"), tmp_path, name="sp500"
    )
    assert (report.rows_in, report.rows_clean, report.rows_rejected) == (619_040, 619_028, 12)
    catalog = Catalog(tmp_path)
    catalog.verify("sp500")
    quarantine = catalog.quarantine("sp500")
    assert quarantine["reason"].value_counts().to_dict() == {
        "missing_price": 11,
        "high_below_low": 1,
    }
    aos = quarantine.set_index("symbol").loc["AOS"]
    assert (aos["open"], aos["high"], aos["low"], aos["close"], aos["line"]) == (
        23.89,
        23.595,
        23.85,
        24.445,
        53_004,
    )
    panel = catalog.load("sp500", start="2018-02-01", symbols=["AAPL", "APTV"])
    assert len(panel) == 5
    assert panel.close[-1, 0] == 159.54
