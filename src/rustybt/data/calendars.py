"""Trading calendars: exchange sessions (via exchange-calendars) and a 24/7 calendar.

Every calendar answers the same three questions in rustybt's time conventions:

* ``sessions(start, end)``: session labels, dates at 00:00 UTC (as daily bars);
* ``minutes(start, end)``: the trading minutes of those sessions, each labelled by
  its start in UTC (as minute bars);
* ``is_session(date)``.

exchange-calendars takes ~0.6 s to import, so it is imported only when an exchange
calendar is first used; the 24/7 calendar never imports it.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Protocol

import pandas as pd

from rustybt.assets import AssetClass
from rustybt.errors import ConfigError

if TYPE_CHECKING:  # imported lazily at run time (slow import)
    import exchange_calendars

__all__ = [
    "ALWAYS_OPEN",
    "AlwaysOpenCalendar",
    "ExchangeCalendar",
    "TradingCalendar",
    "calendar_for",
    "get_calendar",
]

ALWAYS_OPEN = "24/7"
_ALWAYS_OPEN_ALIASES = frozenset({"24/7", "24x7", "ALWAYS_OPEN", "CRYPTO"})

#: Extra years built around a requested range, so nearby queries reuse the calendar.
_MARGIN = pd.DateOffset(years=5)


class TradingCalendar(Protocol):
    """The calendar interface the engine and validation use."""

    @property
    def name(self) -> str: ...

    def sessions(self, start: object, end: object) -> pd.DatetimeIndex: ...

    def minutes(self, start: object, end: object) -> pd.DatetimeIndex: ...

    def is_session(self, date: object) -> bool: ...


def _day(value: object) -> pd.Timestamp:
    """A date-like value as its UTC date at 00:00 UTC (naive input is taken as UTC)."""
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]  # pandas accepts any date scalar
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"not a date: {value!r}", context={"value": value}) from exc
    if pd.isna(stamp):
        raise ConfigError(f"not a date: {value!r}", context={"value": value})
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.normalize()


def _range(start: object, end: object) -> tuple[pd.Timestamp, pd.Timestamp]:
    lo, hi = _day(start), _day(end)
    if hi < lo:
        raise ConfigError(
            "calendar range ends before it starts", context={"start": start, "end": end}
        )
    return lo, hi


class AlwaysOpenCalendar:
    """Every day is a session and every minute trades (crypto)."""

    name = ALWAYS_OPEN

    def __repr__(self) -> str:
        return "AlwaysOpenCalendar()"

    def sessions(self, start: object, end: object) -> pd.DatetimeIndex:
        """Every date from start to end inclusive, at 00:00 UTC."""
        lo, hi = _range(start, end)
        return pd.date_range(lo, hi, freq="D", name="session")

    def minutes(self, start: object, end: object) -> pd.DatetimeIndex:
        """Every minute of the sessions start..end (1,440 per day)."""
        lo, hi = _range(start, end)
        last = hi + pd.Timedelta(days=1) - pd.Timedelta(minutes=1)
        return pd.date_range(lo, last, freq="min", name="minute")

    def is_session(self, date: object) -> bool:
        _day(date)
        return True


class ExchangeCalendar:
    """An exchange's sessions from exchange-calendars (``"XNYS"``, ``"XLON"``, ...).

    The underlying calendar is built lazily for the requested years (plus a margin)
    and rebuilt wider when a later query falls outside it.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._calendar: exchange_calendars.ExchangeCalendar | None = None

    @property
    def name(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"ExchangeCalendar({self._name!r})"

    def _covering(self, lo: pd.Timestamp, hi: pd.Timestamp) -> exchange_calendars.ExchangeCalendar:
        naive_lo, naive_hi = lo.tz_localize(None), hi.tz_localize(None)
        calendar = self._calendar
        if (
            calendar is not None
            and calendar.first_session <= naive_lo
            and naive_hi <= calendar.last_session
        ):
            return calendar
        import exchange_calendars as xcals

        first = naive_lo - _MARGIN
        last = naive_hi + _MARGIN
        if calendar is not None:
            first = min(first, calendar.first_session)
            last = max(last, calendar.last_session)
        try:
            built = xcals.get_calendar(self._name, start=first, end=last)
        except (xcals.errors.CalendarError, ValueError) as exc:
            raise ConfigError(
                f"calendar {self._name!r} cannot cover {lo.date()} to {hi.date()} ({exc})",
                context={"calendar": self._name, "start": str(lo.date()), "end": str(hi.date())},
            ) from exc
        self._calendar = built
        return built

    def sessions(self, start: object, end: object) -> pd.DatetimeIndex:
        """Session labels in [start, end], as dates at 00:00 UTC."""
        lo, hi = _range(start, end)
        labels = self._covering(lo, hi).sessions_in_range(
            lo.tz_localize(None), hi.tz_localize(None)
        )
        return pd.DatetimeIndex(labels, name="session").tz_localize("UTC")

    def minutes(self, start: object, end: object) -> pd.DatetimeIndex:
        """Trading minutes (bar starts, UTC) of the sessions in [start, end]."""
        lo, hi = _range(start, end)
        calendar = self._covering(lo, hi)
        labels = calendar.sessions_in_range(lo.tz_localize(None), hi.tz_localize(None))
        if len(labels) == 0:
            return pd.DatetimeIndex([], dtype="datetime64[ns, UTC]", name="minute")
        minutes = calendar.sessions_minutes(labels[0], labels[-1])
        return pd.DatetimeIndex(minutes, name="minute").tz_convert("UTC")

    def is_session(self, date: object) -> bool:
        """Whether the exchange trades on this date."""
        day = _day(date)
        return bool(self._covering(day, day).is_session(day.tz_localize(None)))


@functools.cache
def _exchange(name: str) -> ExchangeCalendar:
    import exchange_calendars as xcals

    if name not in xcals.get_calendar_names(include_aliases=True):
        raise ConfigError(
            f"unknown trading calendar {name!r}",
            context={"calendar": name},
            hint="use an exchange code such as 'XNYS', 'XNAS', 'XLON', 'CMES', or '24/7'",
        )
    return ExchangeCalendar(name)


def get_calendar(name: str) -> TradingCalendar:
    """The calendar called ``name``: an exchange code (``"XNYS"``) or ``"24/7"``.

    Calendars are cached, so repeated calls share one instance per name.
    """
    key = name.strip().upper()
    if key in _ALWAYS_OPEN_ALIASES:
        return _ALWAYS_OPEN_CALENDAR
    return _exchange(key)


def calendar_for(asset_class: AssetClass | str) -> TradingCalendar:
    """The default calendar of an asset class: 24/7 for crypto, CME for futures,
    the NYSE for equities and indexes."""
    try:
        kind = AssetClass(asset_class)
    except ValueError:
        raise ConfigError(
            f"unknown asset class {asset_class!r}",
            hint=f"use one of: {', '.join(c.value for c in AssetClass)}",
        ) from None
    if kind is AssetClass.CRYPTO:
        return get_calendar(ALWAYS_OPEN)
    if kind is AssetClass.FUTURE:
        return get_calendar("CMES")
    return get_calendar("XNYS")


_ALWAYS_OPEN_CALENDAR = AlwaysOpenCalendar()
