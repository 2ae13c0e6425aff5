"""The compressed-clock feed: bar ``n`` is due at ``epoch + n * interval`` (wall time).

The epoch is fixed by the supervisor before the first start and survives every
restart, so bars that fell due while the trader was down arrive late (and are
counted late by the checker) instead of shifting the schedule.

The raw source it reads is deliberately dirty (`Market.bad`): a re-delivered bar
(dropped here: a bar at or before the last delivered one is never handed over
twice), a gap (the source has no row: delivered as an all-NaN bar, the panel's
"no bar"), a NaN close, and high < low (both left to the runner's validation,
which masks them before the strategy runs).
"""

from __future__ import annotations

import time

import numpy as np

from rustybt.data.bars import FloatArray
from rustybt.live.feeds import FeedBar
from rustybt.soak.market import Market

__all__ = ["SoakFeed"]


class SoakFeed:
    """A `Feed` over `Market` on the wall clock (see the module docstring)."""

    def __init__(self, market: Market, *, epoch: float, interval: float) -> None:
        self.market = market
        self.assets = market.assets
        self.frequency = market.panel().frequency
        self.index = market.index
        self.epoch, self.interval = epoch, interval
        self._next = 0
        self._last_delivered = -1
        self._pending: list[int] = []  # raw arrivals not yet handed over
        self.duplicates_dropped = 0

    @property
    def start_bar(self) -> int:
        return 0

    def due(self, bar: int) -> float:
        """Wall-clock time bar ``bar`` is due."""
        return self.epoch + bar * self.interval

    def seek(self, bar: int) -> None:
        self._next = bar
        self._last_delivered = bar - 1
        self._pending.clear()

    def history(self, bar: int) -> FeedBar | None:
        return self._row(bar) if 0 <= bar < len(self.index) else None

    def history_block(self, start: int, stop: int) -> dict[str, FloatArray]:
        """Bars ``start .. stop - 1`` at once, corrupted exactly as `_row` corrupts each."""
        market = self.market
        rows = {
            "open": market.open[start:stop].copy(),
            "high": market.high[start:stop].copy(),
            "low": market.low[start:stop].copy(),
            "close": market.close[start:stop].copy(),
            "volume": market.volume[start:stop].copy(),
        }
        for bar, kind in market.bad.kinds.items():
            if not start <= bar < stop:
                continue
            row = bar - start
            if kind == "gap":
                for values in rows.values():
                    values[row] = np.nan
            elif kind == "nan":
                rows["close"][row, 0] = np.nan
            elif kind == "high_low":
                high, low = rows["high"][row, 0], rows["low"][row, 0]
                rows["high"][row, 0], rows["low"][row, 0] = low - 0.5, high + 0.5
        return rows

    def _row(self, bar: int, due: float | None = None) -> FeedBar:
        market = self.market
        fields = [a[bar].copy() for a in (market.open, market.high, market.low, market.close)]
        volume = market.volume[bar].copy()
        kind = market.bad.kinds.get(bar)
        if kind == "gap":
            fields = [np.full(len(self.assets), np.nan) for _ in fields]
            volume = np.full(len(self.assets), np.nan)
        elif kind == "nan":
            fields[3][0] = np.nan
        elif kind == "high_low":
            fields[1][0], fields[2][0] = fields[2][0] - 0.5, fields[1][0] + 0.5
        open_, high, low, close = fields
        return FeedBar(bar, self.index[bar], open_, high, low, close, volume, due)

    def _arrivals(self, bar: int) -> list[int]:
        """What the dirty source sends when bar ``bar`` closes."""
        if self.market.bad.kinds.get(bar - 1) == "duplicate":
            return [bar - 1, bar]  # the previous bar is re-sent before this one
        return [bar]

    def next_bar(self, timeout: float) -> FeedBar | None:
        while True:
            if not self._pending:
                if self.finished:
                    return None
                bar = self._next
                wait = self.due(bar) - time.time()
                if wait > timeout:
                    time.sleep(max(timeout, 0.0))
                    return None
                if wait > 0:
                    time.sleep(wait)
                self._next = bar + 1
                self._pending = self._arrivals(bar)
            bar = self._pending.pop(0)
            if bar <= self._last_delivered:
                self.duplicates_dropped += 1
                continue
            self._last_delivered = bar
            # FeedBar.due is on the monotonic clock (the runner's stale check).
            due = time.monotonic() - (time.time() - self.due(bar))
            return self._row(bar, due)

    @property
    def finished(self) -> bool:
        return self._next >= len(self.index) and not self._pending

    def close(self) -> None:
        return None
