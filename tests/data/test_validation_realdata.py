"""The real anomalies of ../shared/data (its README lists them), found by the four layers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rustybt.data.catalog import Catalog
from rustybt.data.sources import binance_klines, kaggle_all_stocks, yahoo_daily
from rustybt.data.validation import Rule, ValidationReport, validate

pytestmark = pytest.mark.realdata

NOW = "2024-06-01"


def keys(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(
        zip(frame["symbol"], pd.DatetimeIndex(frame["timestamp"]).strftime("%Y-%m-%d"), strict=True)
    )


def hits(report: ValidationReport, rule: Rule) -> set[tuple[str, str]]:
    return keys(report.flagged[report.flagged["rule"] == rule.value])


@pytest.fixture(scope="module")
def stocks(shared_data: Path) -> ValidationReport:
    # Its speed is measured by benchmarks/validation_speed.py, not here.
    frame = kaggle_all_stocks(shared_data / "all_stocks_5yr.csv.gz").read(line_numbers=True)
    return validate(frame, source="all_stocks_5yr", frequency="daily", now=NOW)


def test_all_stocks_errors_are_quarantined(stocks: ValidationReport) -> None:
    report = stocks
    assert report.rows_in == 619_040
    assert report.rows_rejected == 12
    reasons = dict(zip(keys(report.rejected), report.rejected["reason"], strict=True))
    by_key = {
        (s, t.strftime("%Y-%m-%d")): r
        for s, t, r in zip(
            report.rejected["symbol"],
            report.rejected["timestamp"],
            report.rejected["reason"],
            strict=True,
        )
    }
    assert by_key[("AOS", "2014-05-19")] == "high_below_low"
    missing = {k for k, r in by_key.items() if r == "missing_price"}
    assert missing == {
        ("BHF", "2017-07-26"),
        ("DHR", "2015-07-17"),
        ("DHR", "2016-01-12"),
        ("ES", "2015-07-17"),
        ("FTV", "2016-07-01"),
        ("O", "2015-07-17"),
        ("O", "2016-01-12"),
        ("REGN", "2015-06-09"),
        ("UA", "2016-04-07"),
        ("VRTX", "2015-05-12"),
        ("WRK", "2015-06-26"),
    }
    assert len(reasons) == 12


def test_lnt_halved_close_is_a_bad_print(stocks: ValidationReport) -> None:
    report = stocks
    bad = hits(report, Rule.BAD_PRINT)
    assert ("LNT", "2016-05-19") in bad
    assert ("LNT", "2016-05-20") not in hits(report, Rule.LEVEL_SHIFT)  # the reverting bar
    assert ("LNT", "2016-05-19") in hits(report, Rule.LOW_ABOVE_BODY)
    # Not in the README: on 2017-09-14 several tickers hold another day's prices
    # (NWL 44.22 -> 30.81 -> 43.20, MRO 11.91 -> 16.02 -> 12.00).
    assert {("NWL", "2017-09-14"), ("MRO", "2017-09-14"), ("MRK", "2017-09-14")} <= bad
    assert report.count(Rule.BAD_PRINT) == 12


def test_unadjusted_spin_offs_are_level_shifts_not_bad_prints(
    stocks: ValidationReport,
) -> None:
    report = stocks
    shifts = hits(report, Rule.LEVEL_SHIFT)
    spin_offs = {
        ("EBAY", "2015-07-20"),  # -57%, PayPal
        ("NI", "2015-07-02"),
        ("BAX", "2015-07-01"),
        ("DISCA", "2014-08-07"),
        ("DISCK", "2014-08-07"),
    }
    assert spin_offs <= shifts
    assert not spin_offs & hits(report, Rule.BAD_PRINT)
    assert ("AMD", "2016-04-22") in shifts  # a real +52% day is flagged too (a warning)
    assert report.count(Rule.LEVEL_SHIFT) == 44
    ebay = report.clean[(report.clean["symbol"] == "EBAY")].set_index("timestamp")["close"]
    assert ebay[pd.Timestamp("2015-07-20", tz="UTC")] == 28.57  # warned, still stored


def test_all_stocks_calendar_gaps(stocks: ValidationReport) -> None:
    report = stocks
    gaps = report.gaps
    es = gaps[gaps["symbol"] == "ES"].to_dict("records")
    assert {
        "symbol": "ES",
        "start": pd.Timestamp("2015-03-09", tz="UTC"),
        "end": pd.Timestamp("2015-03-20", tz="UTC"),
        "bars": 10,
    } in es
    # README: DHR 16, O 16, ES 10, ICE 5, BMY 2, ORCL 2 missing days; plus the days
    # quarantined here (DHR 2, O 2, ES 1, and 7 single rows of other tickers).
    missing = gaps.groupby("symbol")["bars"].sum().to_dict()
    assert {s: missing[s] for s in ("DHR", "O", "ES", "ICE", "BMY", "ORCL")} == {
        "DHR": 18,
        "O": 18,
        "ES": 11,
        "ICE": 5,
        "BMY": 2,
        "ORCL": 2,
    }


def test_gspc_zero_opens_keep_their_closes_as_an_index(shared_data: Path) -> None:
    frame = yahoo_daily(shared_data / "GSPC_daily_1927_2023.csv", symbol="GSPC").read()
    as_index = validate(frame, source="gspc", frequency="daily", asset_class="index", now=NOW)
    assert as_index.rows_rejected == 0
    close_only = as_index.flagged[as_index.flagged["rule"] == "close_only_bar"]
    assert len(close_only) == 5075
    assert close_only["timestamp"].min() == pd.Timestamp("1962-01-02", tz="UTC")
    assert close_only["timestamp"].max() == pd.Timestamp("1982-04-19", tz="UTC")
    bar = as_index.clean.set_index("timestamp").loc[pd.Timestamp("1962-01-02", tz="UTC")]
    assert np.isnan(bar["open"])
    assert bar["close"] == pytest.approx(70.96, abs=1e-4)
    as_equity = validate(frame, source="gspc", frequency="daily", now=NOW)
    assert as_equity.rows_rejected == 5075
    assert set(as_equity.rejected["reason"]) == {"non_positive_price"}


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def test_btc_minute_gaps_are_exactly_the_four_outages(shared_data: Path) -> None:
    name = "BTCUSDT_1m_binance_spot_2020-02-01_2020-04-30.csv.gz"
    frame = binance_klines(shared_data / name).read()
    report = validate(frame, source="btc", frequency="minute", asset_class="crypto", now=NOW)
    assert report.rows_rejected == 0
    assert report.gaps.to_dict("records") == [
        {
            "symbol": "BTCUSDT",
            "start": utc("2020-02-09 02:00"),
            "end": utc("2020-02-09 02:59"),
            "bars": 60,
        },
        {
            "symbol": "BTCUSDT",
            "start": utc("2020-02-19 11:36"),
            "end": utc("2020-02-19 17:29"),
            "bars": 354,
        },
        {
            "symbol": "BTCUSDT",
            "start": utc("2020-03-04 09:22"),
            "end": utc("2020-03-04 11:29"),
            "bars": 128,
        },
        {
            "symbol": "BTCUSDT",
            "start": utc("2020-04-25 02:00"),
            "end": utc("2020-04-25 04:29"),
            "bars": 150,
        },
    ]
    assert int(report.gaps["bars"].sum()) == 692


def test_ingest_writes_the_report_and_keeps_index_closes(shared_data: Path, tmp_path: Path) -> None:
    source = yahoo_daily(shared_data / "GSPC_daily_1927_2023.csv", symbol="GSPC")
    catalog = Catalog(tmp_path)
    ingested = catalog.ingest(source, name="gspc", asset_class="index")
    assert ingested.quarantine_path is None
    assert "validation report:" in ingested.summary()
    assert "close_only_bar: 5075" in ingested.summary()
    saved = catalog.validation_report("gspc")
    assert json.loads(json.dumps(saved)) == saved
    listed = saved["rules"]
    assert isinstance(listed, list)
    rules = {r["rule"]: r for r in listed}
    assert rules["close_only_bar"]["count"] == 5075
    assert saved["gaps"]["count"] == len(ingested.validation.gaps)  # type: ignore[index]
    panel = catalog.load("gspc", start="1962-01-02", end="1962-01-02")
    assert np.isnan(panel.open[0, 0])
    assert panel.close[0, 0] == pytest.approx(70.96, abs=1e-4)
