"""`schedule_function` rules, precomputed into one boolean mask over bars per function.

Date rules pick sessions (every day, the n-th session of each week or month, or
the n-th from the end). Time rules pick a bar inside a minute session counted in
bars: ``market_open(minutes=1)`` is the session's first bar,
``market_close(minutes=1)`` its last. With daily bars the time rule is ignored.
Sessions of minute data are UTC calendar dates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from rustybt.errors import ConfigError

__all__ = ["DateRule", "ScheduledFunction", "SessionLayout", "TimeRule", "date_rules", "time_rules"]

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class SessionLayout:
    """Where sessions start and end in a bar index."""

    sessions: pd.DatetimeIndex
    session_of_bar: IntArray
    position_in_session: IntArray
    position_from_end: IntArray
    # Trading sessions just before the first (set by the runner when a start rule needs them).
    earlier: pd.DatetimeIndex | None = None

    @classmethod
    def from_index(cls, index: pd.DatetimeIndex, *, daily: bool) -> SessionLayout:
        if daily:
            n = len(index)
            return cls(
                sessions=index,
                session_of_bar=np.arange(n, dtype=np.int64),
                position_in_session=np.zeros(n, dtype=np.int64),
                position_from_end=np.zeros(n, dtype=np.int64),
            )
        days = index.normalize()
        sessions, session_of_bar = np.unique(days.asi8, return_inverse=True)
        session_of_bar = session_of_bar.astype(np.int64)
        starts = np.flatnonzero(np.r_[True, np.diff(session_of_bar) != 0])
        ends = np.r_[starts[1:], len(index)]
        counts = ends - starts
        position = np.arange(len(index), dtype=np.int64) - np.repeat(starts, counts)
        from_end = np.repeat(counts, counts) - 1 - position
        return cls(
            sessions=pd.DatetimeIndex(sessions.astype("datetime64[ns]")).tz_localize("UTC"),
            session_of_bar=session_of_bar,
            position_in_session=position,
            position_from_end=from_end,
        )

    @property
    def session_end(self) -> BoolArray:
        mask: BoolArray = self.position_from_end == 0
        return mask

    @property
    def session_start(self) -> BoolArray:
        mask: BoolArray = self.position_in_session == 0
        return mask


@dataclass(frozen=True)
class DateRule:
    kind: Literal["every_day", "week_start", "week_end", "month_start", "month_end"]
    days_offset: int = 0

    def __post_init__(self) -> None:
        if self.days_offset < 0:
            raise ConfigError("days_offset must be >= 0", context={"days_offset": self.days_offset})

    def session_mask(
        self, sessions: pd.DatetimeIndex, earlier: pd.DatetimeIndex | None = None
    ) -> BoolArray:
        """Sessions the rule fires on. ``earlier``: the trading sessions just before
        the first one (from the data before the start, or the exchange calendar).
        A week or month that began before the first session is partial: its
        ``days_offset`` counts from the period's real first session, as in zipline,
        so ``month_start()`` does not fire on a backtest starting mid-month."""
        if earlier is not None and len(earlier) and self.kind in ("week_start", "month_start"):
            before = earlier[earlier < sessions[0]]
            combined = pd.DatetimeIndex(before.append(sessions))
            full: BoolArray = self._mask(combined)[len(before) :]
            return full
        return self._mask(sessions)

    def _mask(self, sessions: pd.DatetimeIndex) -> BoolArray:
        if self.kind == "every_day":
            return np.ones(len(sessions), dtype=bool)
        naive = sessions.tz_localize(None)
        if self.kind.startswith("week"):
            iso = naive.isocalendar()
            keys = (iso["year"].to_numpy() * 100 + iso["week"].to_numpy()).astype(np.int64)
        else:
            keys = (naive.year * 100 + naive.month).to_numpy().astype(np.int64)
        groups = pd.Series(np.arange(len(sessions))).groupby(keys)
        ascending = self.kind.endswith("start")
        position = groups.cumcount(ascending=ascending).to_numpy()
        mask: BoolArray = position == self.days_offset
        if not ascending and len(sessions) and not self._last_period_complete(naive):
            # The data stops mid-week/month: its last bar is not the period's end.
            mask[keys == keys[-1]] = False
        return mask

    def _last_period_complete(self, naive: pd.DatetimeIndex) -> bool:
        last = naive[-1]
        trades_weekends = bool((naive.dayofweek >= 5).any())
        following = last + (pd.Timedelta(days=1) if trades_weekends else pd.offsets.BDay(1))
        if self.kind == "week_end":
            return bool(following.isocalendar()[:2] != last.isocalendar()[:2])
        return bool((following.year, following.month) != (last.year, last.month))


@dataclass(frozen=True)
class TimeRule:
    anchor: Literal["open", "close", "every_bar"]
    bars: int = 1

    def __post_init__(self) -> None:
        if self.bars < 1:
            raise ConfigError("time rule offsets start at 1 (the first/last bar)")

    def bar_mask(self, layout: SessionLayout) -> BoolArray:
        if self.anchor == "every_bar":
            return np.ones(len(layout.session_of_bar), dtype=bool)
        if self.anchor == "open":
            mask: BoolArray = layout.position_in_session == self.bars - 1
            return mask
        mask = layout.position_from_end == self.bars - 1
        return mask


class _DateRules:
    @staticmethod
    def every_day() -> DateRule:
        return DateRule("every_day")

    @staticmethod
    def week_start(days_offset: int = 0) -> DateRule:
        return DateRule("week_start", days_offset)

    @staticmethod
    def week_end(days_offset: int = 0) -> DateRule:
        return DateRule("week_end", days_offset)

    @staticmethod
    def month_start(days_offset: int = 0) -> DateRule:
        return DateRule("month_start", days_offset)

    @staticmethod
    def month_end(days_offset: int = 0) -> DateRule:
        return DateRule("month_end", days_offset)


def _offset_minutes(offset: object, hours: int | None, minutes: int | None) -> int:
    """zipline's offset rule: nothing given means 1 minute; otherwise the sum of
    ``offset`` (a timedelta), ``hours`` and ``minutes``."""
    if offset is None and hours is None and minutes is None:
        return 1
    total = (hours or 0) * 60 + (minutes or 0)
    if offset is not None:
        try:
            delta = pd.Timedelta(offset)  # type: ignore[arg-type]  # checked just below
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"time rule offset must be a timedelta, not {offset!r}") from exc
        total += int(delta.total_seconds() // 60)
    return total


class _TimeRules:
    @staticmethod
    def market_open(
        offset: object = None, hours: int | None = None, minutes: int | None = None
    ) -> TimeRule:
        """The session's N-th bar, N = the offset in minutes (default 1: the first)."""
        return TimeRule("open", _offset_minutes(offset, hours, minutes))

    @staticmethod
    def market_close(
        offset: object = None, hours: int | None = None, minutes: int | None = None
    ) -> TimeRule:
        """The session's N-th bar from the end (default 1: the last)."""
        return TimeRule("close", _offset_minutes(offset, hours, minutes))

    @staticmethod
    def every_minute() -> TimeRule:
        return TimeRule("every_bar")


date_rules = _DateRules()
time_rules = _TimeRules()


@dataclass(frozen=True)
class ScheduledFunction:
    func: Callable[..., object]
    date_rule: DateRule
    time_rule: TimeRule

    def bar_mask(self, layout: SessionLayout, *, daily: bool) -> BoolArray:
        on_session = self.date_rule.session_mask(layout.sessions, layout.earlier)[
            layout.session_of_bar
        ]
        if daily:
            return on_session
        mask: BoolArray = on_session & self.time_rule.bar_mask(layout)
        return mask
