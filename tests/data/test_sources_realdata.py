"""The four real files load unedited, with their known row counts and first/last bars."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from rustybt.data.sources import binance_klines, kaggle_all_stocks, ninjatrader_minute, yahoo_daily

pytestmark = pytest.mark.realdata


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def test_all_stocks_5yr(shared_data: Path) -> None:
    frame = kaggle_all_stocks(shared_data / "all_stocks_5yr.csv.gz").read(line_numbers=True)
    assert len(frame) == 619_040
    assert frame["symbol"].nunique() == 505
    assert frame["timestamp"].nunique() == 1_259
    assert frame["timestamp"].iloc[0] == utc("2013-02-08")
    assert frame["timestamp"].iloc[-1] == utc("2018-02-07")
    assert frame["open"].isna().sum() == 11
    aal = frame[(frame["symbol"] == "AAL") & (frame["timestamp"] == utc("2013-02-08"))].iloc[0]
    assert (aal["open"], aal["close"], aal["volume"], aal["line"]) == (15.07, 14.75, 8_407_500.0, 2)


def test_gspc_daily(shared_data: Path) -> None:
    frame = yahoo_daily(shared_data / "GSPC_daily_1927_2023.csv", symbol="^GSPC").read()
    assert len(frame) == 24_114
    assert frame["timestamp"].iloc[0] == utc("1927-12-30")
    assert frame["timestamp"].iloc[-1] == utc("2023-12-28")
    crash = frame.set_index("timestamp").loc[utc("2010-05-06")]
    assert (crash["high"], crash["low"], crash["close"]) == pytest.approx(
        (1167.58, 1065.79, 1128.15), abs=0.005
    )
    assert (frame["open"] == 0.0).sum() == 5_075


def test_binance_btcusdt(shared_data: Path) -> None:
    frame = binance_klines(
        shared_data / "BTCUSDT_1m_binance_spot_2020-02-01_2020-04-30.csv.gz"
    ).read()
    assert len(frame) == 128_908
    assert frame["timestamp"].iloc[0] == utc("2020-02-01 00:00")
    assert frame["timestamp"].iloc[-1] == utc("2020-04-30 23:59")
    assert frame.loc[0, "open"] == 9351.71
    lowest = frame.iloc[int(frame["low"].to_numpy().argmin())]
    assert (lowest["timestamp"], lowest["low"]) == (utc("2020-03-13 02:16"), 3782.13)


@pytest.mark.parametrize(
    ("name", "rows", "first", "last"),
    [
        ("nt-spy-minute-2011-01.csv", 14_180, "2011-01-03 09:00", "2011-02-01 00:59"),
        ("nt-spy-minute-2011-03.csv", 17_577, "2011-03-01 09:00", "2011-03-31 23:58"),
    ],
)
def test_ninjatrader_spy(shared_data: Path, name: str, rows: int, first: str, last: str) -> None:
    # The file labels bar ends (09:01 ... 23:59); we store bar starts.
    frame = ninjatrader_minute(shared_data / name).read()
    assert len(frame) == rows
    assert frame["timestamp"].iloc[0] == utc(first)
    assert frame["timestamp"].iloc[-1] == utc(last)


def test_ninjatrader_known_bar(shared_data: Path) -> None:
    frame = ninjatrader_minute(shared_data / "nt-spy-minute-2011-03.csv").read()
    bar = frame.set_index("timestamp").loc[utc("2011-03-09 14:30")]
    assert bar["close"] == 132.35
