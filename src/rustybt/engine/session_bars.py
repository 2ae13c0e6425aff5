"""Daily bars from minute bars, for ``data.history(..., "1d")`` in a minute backtest.

A daily bar: open = the session's first valid open, high = max, low = min, close =
last valid close, volume = sum, price = the last traded close (carried across
sessions). The current session is a partial bar built only from its minutes up to
the current bar, so a strategy never sees the rest of the day. Sessions are UTC
dates, as everywhere else.

Speed: a minute backtest asks for this on every bar, so nothing per call may scan
the session. Per field, one vectorised pass builds the "bar so far" of every
minute (a running max / min / sum inside each session; O(1) index lookups for
open, close and price); a completed session is then just its last minute's value.
A call copies ``count - 1`` completed values and one running value, and session
labels are built only for the DataFrame shapes, once per session and length.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from rustybt.data.bars import BarPanel, FloatArray
from rustybt.engine.scheduling import SessionLayout

__all__ = ["SessionBars"]

IntArray = npt.NDArray[np.int64]
_LABEL_CACHE_LIMIT = 4096


class SessionBars:
    def __init__(self, panel: BarPanel, prices: FloatArray) -> None:
        layout = SessionLayout.from_index(panel.index, daily=False)
        self.sessions = layout.sessions
        self._session_of_bar = layout.session_of_bar
        self._starts = np.flatnonzero(layout.position_in_session == 0).astype(np.int64)
        self._ends = np.r_[self._starts[1:], len(panel.index)].astype(np.int64)
        self._panel = panel
        self._prices = prices
        rows = np.arange(len(panel.index), dtype=np.int64)[:, None]
        n = len(panel.index)
        # Per bar and asset: the last row at or before it with a close, and the first
        # row at or after it with an open (-1 / n when there is none).
        last_close = np.where(~np.isnan(panel.close), rows, -1)
        self._last_close: IntArray = np.maximum.accumulate(last_close, axis=0)
        next_open = np.where(~np.isnan(panel.open), rows, n)
        self._next_open: IntArray = np.minimum.accumulate(next_open[::-1], axis=0)[::-1]
        self._so_far: dict[str, FloatArray] = {}
        self._complete: dict[str, FloatArray] = {}
        self._labels: dict[tuple[int, int], pd.DatetimeIndex] = {}

    def _running(self, reduce: np.ufunc, values: FloatArray) -> FloatArray:
        """``reduce.accumulate`` restarted at every session start (one pass per session)."""
        out = np.empty_like(values)
        for start, end in zip(self._starts.tolist(), self._ends.tolist(), strict=True):
            reduce.accumulate(values[start:end], axis=0, out=out[start:end])
        return out

    def _bar_so_far(self, field: str) -> FloatArray:
        """Per minute and asset: the session's daily bar from its first minute to this one."""
        cached = self._so_far.get(field)
        if cached is not None:
            return cached
        panel = self._panel
        session_start = self._starts[self._session_of_bar][:, None]
        traded = self._last_close >= session_start  # a close seen this session so far
        columns = np.arange(len(panel.assets))
        if field == "high":
            values = self._running(np.fmax, panel.high)
        elif field == "low":
            values = self._running(np.fmin, panel.low)
        elif field == "volume":
            summed = self._running(np.add, np.nan_to_num(panel.volume))
            values = np.where(traded, summed, np.nan)
        elif field == "close":
            values = np.where(traded, panel.close[np.maximum(self._last_close, 0), columns], np.nan)
        elif field == "open":
            first_open = self._next_open[self._starts][self._session_of_bar]
            bar = np.arange(len(panel.index))[:, None]
            last = len(panel.index) - 1
            values = np.where(
                first_open <= bar, panel.open[np.minimum(first_open, last), columns], np.nan
            )
        else:  # "price": the last traded close, carried across sessions
            values = self._prices
        result: FloatArray = np.asarray(values, dtype=np.float64)
        self._so_far[field] = result
        return result

    def _aggregate(self, field: str) -> FloatArray:
        """Every session's full-day value of ``field`` (sessions x assets)."""
        cached = self._complete.get(field)
        if cached is None:
            cached = self._complete[field] = self._bar_so_far(field)[self._ends - 1]
        return cached

    def labels(self, bar: int, count: int) -> pd.DatetimeIndex:
        """Session labels of the ``count`` daily bars up to minute ``bar`` (dates before
        the first session continue the calendar backwards, one day apart)."""
        session = int(self._session_of_bar[bar])
        key = (session, count)
        cached = self._labels.get(key)
        if cached is not None:
            return cached
        first = session - count + 1
        labels = pd.DatetimeIndex(self.sessions[max(first, 0) : session + 1])
        if first < 0:
            before = pd.date_range(
                end=labels[0] - pd.Timedelta(days=1), periods=-first, freq="D", tz="UTC"
            )
            labels = pd.DatetimeIndex(before.append(labels))
        if len(self._labels) > _LABEL_CACHE_LIMIT:
            self._labels.clear()
        self._labels[key] = labels
        return labels

    def window_one(self, field: str, bar: int, count: int, column: int) -> FloatArray:
        """The last ``count`` daily values of one asset up to minute ``bar`` (the last
        one partial), NaN before the first session; a new read-only array."""
        session = int(self._session_of_bar[bar])
        first = session - count + 1
        out = np.empty(count)
        done = self._aggregate(field)
        if first >= 0:
            out[:-1] = done[first:session, column]
        else:
            out[:-first] = np.nan
            out[-first:-1] = done[0:session, column]
        out[-1] = self._bar_so_far(field)[bar, column]
        out.flags.writeable = False
        return out

    def window(
        self, field: str, bar: int, count: int, columns: list[int]
    ) -> tuple[FloatArray, pd.DatetimeIndex]:
        """The last ``count`` daily bars up to the minute ``bar`` (the last one partial),
        NaN-padded before the first session, with their session labels."""
        session = int(self._session_of_bar[bar])
        first = session - count + 1
        block = np.empty((count, len(columns)))
        done = self._aggregate(field)
        if first >= 0:
            block[:-1] = done[first:session][:, columns]
        else:
            block[:-first] = np.nan
            block[-first:-1] = done[0:session][:, columns]
        block[-1] = self._bar_so_far(field)[bar, columns]
        block.flags.writeable = False
        return block, self.labels(bar, count)
