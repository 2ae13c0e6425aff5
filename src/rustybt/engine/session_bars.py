"""Daily bars from minute bars, for ``data.history(..., "1d")`` in a minute backtest.

Completed sessions are aggregated once, vectorised: open = the session's first
valid open, high = max, low = min, close = last valid close, volume = sum, price =
the last traded close (carried across sessions). The current session is a
partial bar built only from its minutes up to the current bar, so a strategy
never sees the rest of the day. Sessions are UTC dates, as everywhere else.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from rustybt.data.bars import BarPanel, FloatArray
from rustybt.engine.scheduling import SessionLayout

__all__ = ["SessionBars"]

IntArray = npt.NDArray[np.int64]


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
        self._complete: dict[str, FloatArray] = {}

    def _aggregate(self, field: str) -> FloatArray:
        """Every session's full-day value of ``field`` (sessions x assets)."""
        cached = self._complete.get(field)
        if cached is not None:
            return cached
        panel, starts, ends = self._panel, self._starts, self._ends
        columns = np.arange(len(panel.assets))
        if field == "high":
            values = np.fmax.reduceat(panel.high, starts, axis=0)
        elif field == "low":
            values = np.fmin.reduceat(panel.low, starts, axis=0)
        elif field == "volume":
            values = np.add.reduceat(np.nan_to_num(panel.volume), starts, axis=0)
            traded = np.add.reduceat(~np.isnan(panel.close), starts, axis=0) > 0
            values = np.where(traded, values, np.nan)
        elif field == "close":
            rows = self._last_close[ends - 1]
            inside = rows >= starts[:, None]
            values = np.where(inside, panel.close[np.maximum(rows, 0), columns], np.nan)
        elif field == "open":
            rows = self._next_open[starts]
            inside = rows < ends[:, None]
            last = len(panel.index) - 1
            values = np.where(inside, panel.open[np.minimum(rows, last), columns], np.nan)
        else:  # "price": the last traded close, carried across sessions
            values = self._prices[ends - 1]
        result: FloatArray = np.asarray(values, dtype=np.float64)
        self._complete[field] = result
        return result

    def _partial(self, field: str, bar: int, session: int, columns: list[int]) -> FloatArray:
        """The current session's bar from its first minute up to ``bar`` only."""
        panel, start = self._panel, int(self._starts[session])
        if field == "high":
            return np.asarray(np.fmax.reduce(panel.high[start : bar + 1][:, columns], axis=0))
        if field == "low":
            return np.asarray(np.fmin.reduce(panel.low[start : bar + 1][:, columns], axis=0))
        if field == "volume":
            window = panel.volume[start : bar + 1][:, columns]
            traded = (~np.isnan(panel.close[start : bar + 1][:, columns])).any(axis=0)
            return np.where(traded, np.nansum(window, axis=0), np.nan)
        if field == "close":
            rows = self._last_close[bar, columns]
            return np.where(rows >= start, panel.close[np.maximum(rows, 0), columns], np.nan)
        if field == "open":
            rows = self._next_open[start, columns]
            last = len(panel.index) - 1
            return np.where(rows <= bar, panel.open[np.minimum(rows, last), columns], np.nan)
        return np.asarray(self._prices[bar, columns], dtype=np.float64)

    def window(
        self, field: str, bar: int, count: int, columns: list[int]
    ) -> tuple[FloatArray, pd.DatetimeIndex]:
        """The last ``count`` daily bars up to the minute ``bar`` (the last one partial),
        NaN-padded before the first session, with their session labels."""
        session = int(self._session_of_bar[bar])
        first = session - count + 1
        done = self._aggregate(field)[max(first, 0) : session][:, columns]
        block = np.vstack([done, self._partial(field, bar, session, columns)[None, :]])
        labels = pd.DatetimeIndex(self.sessions[max(first, 0) : session + 1])
        if first < 0:
            block = np.vstack([np.full((-first, len(columns)), np.nan), block])
            before = pd.date_range(
                end=labels[0] - pd.Timedelta(days=1), periods=-first, freq="D", tz="UTC"
            )
            labels = pd.DatetimeIndex(before.append(labels))
        block.flags.writeable = False
        return block, pd.DatetimeIndex(labels)
