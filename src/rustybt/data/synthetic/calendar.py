"""Time indexes for synthetic bars: NYSE-like sessions and 24/7 crypto days.

Equity sessions are weekdays minus the NYSE's regular holidays, computed from
their rules (below) rather than from exchange-calendars, whose import and
calendar construction take ~0.4 s, longer than generating 500 assets x 10 years.
One-off closures (national days of mourning, storms) are not modelled, so the
sessions differ from XNYS's on those few days (e.g. 2018-12-05, 2025-01-09).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import pandas as pd

from rustybt.assets import AssetClass
from rustybt.data.bars import Frequency

from .config import DEFAULT_N_BARS, SyntheticConfig

__all__ = ["build_index", "nyse_holidays"]

#: Regular equity session in UTC (the NYSE's 09:30-16:00 New York in winter).
SESSION_OPEN_UTC = np.timedelta64(13 * 60 + 30, "m")
_DAY = np.timedelta64(1, "D")

DateArray = npt.NDArray[np.datetime64]


def build_index(config: SyntheticConfig) -> pd.DatetimeIndex:
    """The tz-aware UTC index of a config: daily session labels or minute bar starts."""
    days = _days(config)
    per_day = config.bars_per_session
    if config.frequency is Frequency.DAILY:
        stamps = days.astype("datetime64[ns]")
    else:
        offsets = np.arange(per_day).astype("timedelta64[m]")
        if config.asset_class is AssetClass.EQUITY:
            offsets = offsets + SESSION_OPEN_UTC
        minutes = days.astype("datetime64[m]")[:, None] + offsets[None, :]
        stamps = minutes.ravel().astype("datetime64[ns]")
        if config.end is None:
            stamps = stamps[: config.n_bars or DEFAULT_N_BARS]
    return pd.DatetimeIndex(stamps).tz_localize("UTC")


def _days(config: SyntheticConfig) -> DateArray:
    """Session dates covering the config's bars (whole days for minute bars)."""
    start = np.datetime64(config.start_date, "D")
    end = config.end_date
    per_day = config.bars_per_session
    n_bars = config.n_bars if config.n_bars is not None else DEFAULT_N_BARS
    n_days = -(-n_bars // per_day)  # ceiling division: a partly used last day
    if config.asset_class is AssetClass.CRYPTO:
        if end is not None:
            return np.arange(start, np.datetime64(end, "D") + _day_count(1))
        return start + np.arange(n_days).astype("timedelta64[D]")
    if end is not None:
        calendar = _business_calendar(config.start_date.year, end.year)
        first = np.busday_offset(start, 0, roll="forward", busdaycal=calendar)
        span = np.arange(first, np.datetime64(end, "D") + _day_count(1))
        return span[np.is_busday(span, busdaycal=calendar)]
    # ~252 sessions a year; two spare years keep the holiday table ahead of the offsets.
    last_year = config.start_date.year + n_days // 240 + 2
    calendar = _business_calendar(config.start_date.year, last_year)
    first = np.busday_offset(start, 0, roll="forward", busdaycal=calendar)
    return np.busday_offset(first, np.arange(n_days), roll="forward", busdaycal=calendar)


def _day_count(n: int) -> np.timedelta64:
    return np.timedelta64(n, "D")


@lru_cache(maxsize=16)
def _business_calendar(first_year: int, last_year: int) -> np.busdaycalendar:
    holidays = [day for year in range(first_year, last_year + 1) for day in nyse_holidays(year)]
    return np.busdaycalendar(weekmask="1111100", holidays=np.array(holidays, dtype="datetime64[D]"))


@lru_cache(maxsize=256)
def nyse_holidays(year: int) -> tuple[dt.date, ...]:
    """The NYSE's regular full-day holidays of a year, as observed (weekdays only).

    Rules: New Year's Day (Sunday -> Monday; a Saturday one is not moved back into
    the old year), Martin Luther King Jr. Day (3rd Monday of January, from 1998),
    Washington's Birthday (3rd Monday of February), Good Friday, Memorial Day (last
    Monday of May), Juneteenth (from 2022), Independence Day, Labor Day (1st Monday
    of September), Thanksgiving (4th Thursday of November) and Christmas. Fixed-date
    holidays on a Saturday are observed on Friday, on a Sunday on Monday.
    """
    days: list[dt.date] = []
    new_year = dt.date(year, 1, 1)
    if new_year.weekday() != 5:
        days.append(_observed(new_year))
    if year >= 1998:
        days.append(_nth_weekday(year, 1, 0, 3))
    days.append(_nth_weekday(year, 2, 0, 3))
    days.append(_easter(year) - dt.timedelta(days=2))
    days.append(_nth_weekday(year, 5, 0, -1))
    if year >= 2022:
        days.append(_observed(dt.date(year, 6, 19)))
    days.append(_observed(dt.date(year, 7, 4)))
    days.append(_nth_weekday(year, 9, 0, 1))
    days.append(_nth_weekday(year, 11, 3, 4))
    days.append(_observed(dt.date(year, 12, 25)))
    return tuple(sorted(days))


def _observed(day: dt.date) -> dt.date:
    if day.weekday() == 5:
        return day - dt.timedelta(days=1)
    if day.weekday() == 6:
        return day + dt.timedelta(days=1)
    return day


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th given weekday (Monday = 0) of a month; n = -1 for the last one."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    last = next_month - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _easter(year: int) -> dt.date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)
