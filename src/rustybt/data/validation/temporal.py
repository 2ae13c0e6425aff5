"""Layer 4, temporal: order, duplicates, future and misaligned labels, and the
trading calendar (bars off it, and gaps in it).

Calendar gaps are measured per asset *between its first and last stored bar*
(a listing or delisting is not a gap) against the asset's calendar: exchange
sessions for daily bars, the exchange's trading minutes (or every minute for a
24/7 calendar) for minute bars. Each gap is reported with its first and last
missing bar label and its length in bars.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import pandas as pd

from rustybt.data.bars import Frequency
from rustybt.data.validation.report import GAP_COLUMNS, empty_gaps
from rustybt.data.validation.settings import SymbolSettings

__all__ = [
    "CalendarCheck",
    "duplicates",
    "future",
    "infer_frequency",
    "misaligned",
    "sort_rows",
]

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

_DAY_NS = 86_400 * 10**9
_MINUTE_NS = 60 * 10**9


def sort_rows(frame: pd.DataFrame, no_symbol: BoolArray) -> tuple[pd.DataFrame, bool]:
    """The frame sorted by (timestamp, symbol), and whether it already was."""
    stamps = pd.DatetimeIndex(frame["timestamp"]).asi8
    keys = np.where(no_symbol, "", frame["symbol"].to_numpy())
    ordered = not pd.isna(frame["timestamp"]).any() and not no_symbol.any()
    if ordered and len(stamps) > 1:
        steps = np.diff(stamps)
        if (steps < 0).any():
            ordered = False
        else:
            ties = np.flatnonzero(steps == 0)
            ordered = bool(np.all(keys[ties + 1] >= keys[ties]))
    if ordered:
        return frame, True
    resorted = frame.sort_values(
        ["timestamp", "symbol"], kind="stable", na_position="last", ignore_index=True
    )
    return resorted, False


def duplicates(stamps: IntArray, codes: IntArray, usable: BoolArray) -> BoolArray:
    """Every copy of a repeated (timestamp, symbol) pair, in rows sorted by timestamp
    then symbol (so copies are adjacent)."""
    same = (stamps[1:] == stamps[:-1]) & (codes[1:] == codes[:-1]) & usable[1:] & usable[:-1]
    duplicate: BoolArray = np.zeros(len(stamps), dtype=bool)
    duplicate[1:] |= same
    duplicate[:-1] |= same
    return duplicate


def future(
    stamps: IntArray, usable: BoolArray, frequency: Frequency, now: pd.Timestamp
) -> BoolArray:
    """Bars labelled after ``now`` (daily: after today's session label)."""
    limit = now.normalize() if frequency is Frequency.DAILY else now
    late: BoolArray = usable & (stamps > limit.value)
    return late


def misaligned(stamps: IntArray, usable: BoolArray, frequency: Frequency) -> BoolArray:
    """Labels that are not 00:00 UTC (daily) or a whole minute (minute bars)."""
    unit = _DAY_NS if frequency is Frequency.DAILY else _MINUTE_NS
    off: BoolArray = usable & (stamps % unit != 0)
    return off


def infer_frequency(stamps: IntArray, usable: BoolArray) -> Frequency:
    """Daily when every usable label is at 00:00 UTC, else minute."""
    return Frequency.DAILY if bool(np.all(stamps[usable] % _DAY_NS == 0)) else Frequency.MINUTE


class CalendarCheck:
    """Expected bar labels per calendar, built once per validation run."""

    def __init__(self, settings: SymbolSettings, frequency: Frequency) -> None:
        self.settings = settings
        self.frequency = frequency
        detect = settings.per_symbol("detect_gaps").astype(bool)[:-1]
        self._groups: dict[str, IntArray] = {}
        for position in np.flatnonzero(detect):
            name = settings.calendar_name(int(position))
            self._groups.setdefault(name, np.empty(0, dtype=np.int64))
            self._groups[name] = np.append(self._groups[name], position)
        self._expected: dict[str, IntArray] = {}

    def _labels(self, name: str, first: int, last: int) -> IntArray:
        from rustybt.data.calendars import get_calendar  # exchange-calendars: slow import

        cached = self._expected.get(name)
        if cached is not None and len(cached) and cached[0] <= first and last <= cached[-1]:
            return cached
        calendar = get_calendar(name)
        lo, hi = pd.Timestamp(first, tz="UTC"), pd.Timestamp(last, tz="UTC")
        if self.frequency is Frequency.DAILY:
            labels = calendar.sessions(lo, hi)
        else:
            labels = calendar.minutes(lo, hi)
        values = np.asarray(labels.asi8, dtype=np.int64)
        self._expected[name] = values
        return values

    def _per_calendar(
        self, stamps: IntArray, codes: IntArray
    ) -> Iterator[tuple[IntArray, IntArray, BoolArray, IntArray]]:
        """Per calendar: row numbers (sorted by symbol, then time), the position of
        each label in the calendar, whether it is on the calendar, and the labels."""
        for name, members in self._groups.items():
            rows = np.flatnonzero(np.isin(codes, members))
            if not len(rows):
                continue
            order = rows[np.lexsort((stamps[rows], codes[rows]))]
            ts = stamps[order]
            expected = self._labels(name, int(ts.min()), int(ts.max()))
            position = np.searchsorted(expected, ts)
            clipped = np.minimum(position, max(len(expected) - 1, 0))
            on = (
                (position < len(expected)) & (expected[clipped] == ts)
                if len(expected)
                else (np.zeros(len(ts), dtype=bool))
            )
            yield order, position, on, expected

    def off_calendar(self, stamps: IntArray, codes: IntArray, usable: BoolArray) -> BoolArray:
        """Usable rows whose label the asset's calendar does not have."""
        off: BoolArray = np.zeros(len(stamps), dtype=bool)
        picked = np.flatnonzero(usable)
        for order, _, on, _ in self._per_calendar(stamps[picked], codes[picked]):
            off[picked[order[~on]]] = True
        return off

    def gaps(self, stamps: IntArray, codes: IntArray) -> pd.DataFrame:
        """Runs of calendar labels missing between consecutive bars of each asset
        (rows must be unique per (timestamp, symbol))."""
        min_bars = self.settings.per_symbol("gap_min_bars").astype(np.int64)
        parts: list[pd.DataFrame] = []
        for order, position, on, expected in self._per_calendar(stamps, codes):
            at, sym = position[on], codes[order][on]
            step = np.diff(at)
            found = np.flatnonzero((sym[1:] == sym[:-1]) & (step > 1))
            bars = step[found] - 1
            keep = bars >= min_bars[sym[found]]
            found, bars = found[keep], bars[keep]
            parts.append(
                pd.DataFrame(
                    {
                        "symbol": np.asarray(self.settings.symbols, dtype=object)[sym[found]],
                        "start": pd.to_datetime(expected[at[found] + 1], utc=True),
                        "end": pd.to_datetime(expected[at[found + 1] - 1], utc=True),
                        "bars": bars.astype(np.int64),
                    }
                )
            )
        if not parts:
            return empty_gaps()
        gaps = pd.concat(parts, ignore_index=True)[list(GAP_COLUMNS)]
        return gaps.sort_values(["symbol", "start"], kind="stable", ignore_index=True)
