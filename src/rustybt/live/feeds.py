"""Bar feeds for the live runner: the `Feed` protocol and the replay feed.

A feed has a planned clock (``index``: the bar times it will deliver, the live
panel's rows) and hands over one closed bar at a time. The replay feed plays a
`BarPanel` (the demo data or a catalog dataset) at an accelerated clock
(``speed=3600``: an hour of market time per second) or as fast as the runner
goes (``speed=None``), and stops at the data's end.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from rustybt.assets import Asset
from rustybt.data.bars import BAR_FIELDS, BarPanel, FloatArray, Frequency, to_utc_timestamp
from rustybt.errors import ConfigError

__all__ = ["Feed", "FeedBar", "ReplayFeed", "empty_like", "history_rows", "parse_speed"]


@dataclass(frozen=True)
class FeedBar:
    """One bar time's OHLCV for every asset of the feed (NaN: no bar for that asset)."""

    bar: int  # row in the feed's planned index
    timestamp: pd.Timestamp
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray
    due: float | None = None  # wall-clock time (time.monotonic) the bar was due; None: no clock


class Feed(Protocol):
    """Where live bars come from."""

    assets: tuple[Asset, ...]
    frequency: Frequency
    index: pd.DatetimeIndex

    def seek(self, bar: int) -> None:
        """Deliver bar ``bar`` next (resuming after a restart)."""
        ...

    def history(self, bar: int) -> FeedBar | None:
        """An already-closed bar before the resume point (to rebuild history)."""
        ...

    def next_bar(self, timeout: float) -> FeedBar | None:
        """The next closed bar, waiting at most ``timeout`` seconds (None: none yet)."""
        ...

    @property
    def finished(self) -> bool:
        """True once a replay has delivered its last bar (a live feed never finishes)."""
        ...

    def close(self) -> None: ...


def parse_speed(text: str | float | None) -> float | None:
    """``"max"`` → None (as fast as possible); ``"3600x"`` or ``3600`` → 3600.0."""
    if text is None:
        return None
    if isinstance(text, int | float):
        value = float(text)
    else:
        cleaned = text.strip().lower()
        if cleaned == "max":
            return None
        try:
            value = float(cleaned.removesuffix("x"))
        except ValueError as exc:
            raise ConfigError(
                f"speed must be 'max' or a factor like '3600x', not {text!r}",
                context={"speed": text},
            ) from exc
    if not value > 0:
        raise ConfigError("speed must be positive", context={"speed": text})
    return value


class ReplayFeed:
    """Plays ``panel`` bar by bar (see the module docstring)."""

    def __init__(
        self,
        panel: BarPanel,
        *,
        speed: str | float | None = None,
        start: object | None = None,
    ) -> None:
        self._panel = panel
        self.assets = panel.assets
        self.frequency = panel.frequency
        self.index = panel.index
        self.speed = parse_speed(speed)
        self._next = 0
        if start is not None:
            try:
                when = to_utc_timestamp(pd.Timestamp(str(start)))
            except ValueError as exc:
                raise ConfigError(
                    f"--from {start!r} is not a date", hint="use YYYY-MM-DD, e.g. 2017-01-03"
                ) from exc
            first = int(panel.index.searchsorted(when))
            if first >= len(panel.index):
                raise ConfigError(
                    f"--from {start} is after the data's last bar {panel.index[-1].date()}",
                    context={"from": str(start)},
                )
            self._next = first
        self._first = self._next
        self._t0: float | None = None

    @property
    def start_bar(self) -> int:
        """The first bar the replay trades (``--from``)."""
        return self._first

    def _row(self, bar: int, due: float | None) -> FeedBar:
        panel = self._panel
        return FeedBar(
            bar,
            panel.index[bar],
            panel.open[bar].copy(),
            panel.high[bar].copy(),
            panel.low[bar].copy(),
            panel.close[bar].copy(),
            panel.volume[bar].copy(),
            due,
        )

    def seek(self, bar: int) -> None:
        self._next = max(bar, self._first)
        self._t0 = None

    def history(self, bar: int) -> FeedBar | None:
        return self._row(bar, None) if 0 <= bar < len(self.index) else None

    def history_block(self, start: int, stop: int) -> dict[str, FloatArray]:
        """Bars ``start .. stop - 1`` at once (a restart's history; see `history_rows`)."""
        panel = self._panel
        return {name: panel.field(name)[start:stop].copy() for name in BAR_FIELDS}

    def next_bar(self, timeout: float) -> FeedBar | None:
        if self.finished:
            return None
        bar = self._next
        due: float | None = None
        if self.speed is not None:
            now = time.monotonic()
            if self._t0 is None:
                self._t0 = now - self._offset(bar)
            due = self._t0 + self._offset(bar)
            wait = due - now
            if wait > timeout:
                time.sleep(max(timeout, 0.0))
                return None
            if wait > 0:
                time.sleep(wait)
        self._next = bar + 1
        return self._row(bar, due)

    def _offset(self, bar: int) -> float:
        assert self.speed is not None
        elapsed = (self.index[bar] - self.index[self._first]).total_seconds()
        return float(elapsed) / self.speed

    @property
    def finished(self) -> bool:
        return self._next >= len(self.index)

    def close(self) -> None:
        return None


def history_rows(
    feed: Feed, start: int, stop: int
) -> tuple[dict[str, FloatArray], npt.NDArray[np.bool_]]:
    """Bars ``start .. stop - 1`` as arrays, and which of them the feed could give.

    A feed with ``history_block(start, stop)`` (every row present) answers in one call;
    any other is asked bar by bar through `Feed.history` (a None row stays absent).
    """
    count = max(stop - start, 0)
    block = getattr(feed, "history_block", None)
    if block is not None:
        rows: dict[str, FloatArray] = block(start, stop)
        return rows, np.ones(count, dtype=bool)
    width = len(feed.assets)
    rows = {name: np.full((count, width), np.nan) for name in BAR_FIELDS}
    present = np.zeros(count, dtype=bool)
    for offset in range(count):
        item = feed.history(start + offset)
        if item is None:
            continue
        present[offset] = True
        for name in BAR_FIELDS:
            rows[name][offset] = getattr(item, name)
    return rows, present


def empty_like(feed: Feed) -> BarPanel:
    """The live panel: the feed's planned index and assets, every bar still NaN."""
    shape = (len(feed.index), len(feed.assets))
    return BarPanel(
        index=feed.index,
        assets=feed.assets,
        open=np.full(shape, np.nan),
        high=np.full(shape, np.nan),
        low=np.full(shape, np.nan),
        close=np.full(shape, np.nan),
        volume=np.full(shape, np.nan),
        frequency=feed.frequency,
    )
