"""Calendars: XNYS sessions and minutes, the 24/7 calendar, lazy import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from rustybt.assets import AssetClass
from rustybt.data.calendars import AlwaysOpenCalendar, calendar_for, get_calendar
from rustybt.data.sources import binance_klines
from rustybt.errors import ConfigError


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def test_xnys_january_2020_sessions() -> None:
    sessions = get_calendar("XNYS").sessions("2020-01-01", "2020-01-31")
    # 23 weekdays minus New Year's Day (Jan 1) and Martin Luther King Day (Jan 20).
    assert len(sessions) == 21
    assert sessions[0] == utc("2020-01-02")
    assert sessions[-1] == utc("2020-01-31")
    assert utc("2020-01-20") not in sessions
    assert str(sessions.tz) == "UTC"


def test_xnys_minutes_full_and_half_day() -> None:
    calendar = get_calendar("xnys")
    full = calendar.minutes("2020-01-02", "2020-01-02")
    assert (len(full), full[0], full[-1]) == (390, utc("2020-01-02 14:30"), utc("2020-01-02 20:59"))
    half = calendar.minutes("2019-11-29", "2019-11-29")  # day after Thanksgiving closes 13:00 ET
    assert (len(half), half[-1]) == (210, utc("2019-11-29 17:59"))
    assert len(calendar.minutes("2020-01-04", "2020-01-05")) == 0


def test_xnys_is_session_and_far_ranges() -> None:
    calendar = get_calendar("XNYS")
    assert not calendar.is_session("2020-01-01")
    assert calendar.is_session(pd.Timestamp("2020-01-02 10:00", tz="UTC"))
    assert calendar.is_session("1987-10-19")
    assert calendar.sessions("2001-09-10", "2001-09-17").strftime("%m-%d").tolist() == [
        "09-10",
        "09-17",
    ]


def test_always_open_calendar() -> None:
    calendar = get_calendar("24/7")
    assert isinstance(calendar, AlwaysOpenCalendar)
    assert len(calendar.sessions("2020-02-01", "2020-02-29")) == 29
    minutes = calendar.minutes("2020-02-01", "2020-02-01")
    assert (len(minutes), minutes[0], minutes[-1]) == (
        1440,
        utc("2020-02-01"),
        utc("2020-02-01 23:59"),
    )
    assert calendar.is_session("2020-02-01")  # a Saturday


def test_calendar_for_asset_classes() -> None:
    assert calendar_for(AssetClass.CRYPTO).name == "24/7"
    assert calendar_for("equity").name == "XNYS"
    assert calendar_for(AssetClass.INDEX).name == "XNYS"
    assert calendar_for(AssetClass.FUTURE).name == "CMES"
    with pytest.raises(ConfigError, match="asset class"):
        calendar_for("bond")


def test_bad_names_and_ranges() -> None:
    with pytest.raises(ConfigError, match="unknown trading calendar"):
        get_calendar("NOPE")
    with pytest.raises(ConfigError, match="ends before"):
        get_calendar("24/7").sessions("2020-02-02", "2020-02-01")
    with pytest.raises(ConfigError, match="not a date"):
        get_calendar("24/7").is_session("someday")


def test_exchange_calendars_is_imported_lazily() -> None:
    code = (
        "import sys, rustybt.data.calendars, rustybt.data.catalog, rustybt.data.sources;"
        "print('exchange_calendars' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.realdata
def test_binance_gaps_against_the_24_7_calendar(shared_data: Path) -> None:
    frame = binance_klines(
        shared_data / "BTCUSDT_1m_binance_spot_2020-02-01_2020-04-30.csv.gz"
    ).read()
    minutes = get_calendar("24/7").minutes("2020-02-01", "2020-04-30")
    missing = minutes.difference(pd.DatetimeIndex(frame["timestamp"]))
    assert len(minutes) == 129_600
    assert len(missing) == 692  # the four outages listed in the data README
    assert missing[0] == utc("2020-02-09 02:00")
