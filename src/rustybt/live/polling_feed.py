"""`PollingFeed`: live bars polled from a venue's candle endpoint, closed bars only.

The shared logic of the venue feeds (`CCXTPollingFeed`, `AlpacaPollingFeed`): the
feed plans its clock ahead (``index``: one row per timeframe from the start,
``horizon`` rows) as the live runner's `Feed` protocol asks, and hands over bar
``n`` only once it has closed: ``index[n] + timeframe`` has passed (plus a
``grace`` for the venue to settle the candle). Candles are labelled by their
open time, as the venues do; the one still forming is never delivered.

Gaps and reconnects:

- polling always asks from the next undelivered bar, so after an outage (the
  venue call raised a transient `BrokerError`) the missed bars come back in
  order on the next successful poll. Each carries ``due`` (when it closed), so
  the runner sees how late it is and will not trade on stale data;
- a symbol with no candle for a bar (no trades, a venue gap, a closed market)
  gets NaN for that bar once a later candle of it exists or ``max_wait`` has
  passed after the close.

A venue feed only says how its symbols become assets (`make_asset`); its source
turns the venue's bars into candles ``[open ms, open, high, low, close, volume]``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np
import pandas as pd
import structlog

from rustybt.assets import Asset
from rustybt.data.bars import Frequency, to_utc_timestamp
from rustybt.errors import BrokerError, ConfigError
from rustybt.live.feeds import FeedBar

__all__ = ["Candle", "OhlcvSource", "PollingFeed", "timeframe_seconds"]

Candle = list[float]  # [open time ms, open, high, low, close, volume]
_UNITS = {"m": 60, "h": 3600, "d": 86400}


class OhlcvSource(Protocol):
    """Where candles come from (`CCXTBroker.ohlcv`, `AlpacaBars.ohlcv`: rate-limited, retried)."""

    def ohlcv(self, symbol: str, timeframe: str, since_ms: int, limit: int) -> list[Candle]: ...


def timeframe_seconds(timeframe: str) -> int:
    """``"1m"`` → 60, ``"4h"`` → 14400, ``"1d"`` → 86400."""
    unit, count = timeframe[-1:], timeframe[:-1]
    if unit not in _UNITS or not count.isdigit() or int(count) < 1:
        raise ConfigError(
            f"timeframe {timeframe!r} is not one rustybt can poll",
            hint="use minutes, hours or days: 1m, 5m, 15m, 1h, 4h, 1d",
        )
    return int(count) * _UNITS[unit]


class PollingFeed:
    """A live `Feed` polling ``source`` for ``symbols`` every ``timeframe``.

    Args:
        source: anything with ``ohlcv(symbol, timeframe, since_ms, limit)``, normally
            the venue's broker or bar client (so polling shares its rate limit).
        symbols: venue symbols ("BTC/USDT", "AAPL"); the assets are named the same.
        timeframe: candle length ("1m", "5m", "1h", "1d").
        start: first bar's open time (default: the bar forming now, so the first
            delivered bar is the one that closes next).
        horizon: how many bars the planned index holds.
        grace: seconds after a close before the candle is asked for.
        max_wait: seconds after a close before a symbol with no candle gets NaN.
        clock, sleep: wall-clock seconds and sleeping (injectable for tests).
    """

    venue = "venue"

    @staticmethod
    def make_asset(symbol: str) -> Asset:
        """The asset a venue symbol stands for (equity unless the venue says otherwise)."""
        return Asset(symbol)

    def __init__(
        self,
        source: OhlcvSource,
        *,
        symbols: Sequence[str],
        timeframe: str = "1m",
        start: object | None = None,
        horizon: int = 100_000,
        grace: float = 2.0,
        max_wait: float | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not symbols:
            raise ConfigError(
                f"the {self.venue} feed needs at least one symbol", hint="[feed] symbols = [...]"
            )
        self._source = source
        self.symbols = list(symbols)
        self.timeframe = timeframe
        self._step = timeframe_seconds(timeframe)
        self.assets = tuple(self.make_asset(symbol) for symbol in self.symbols)
        self.frequency = Frequency.DAILY if self._step >= 86400 else Frequency.MINUTE
        now = clock()
        first = (
            to_utc_timestamp(start)
            if start is not None
            else pd.Timestamp(int(now // self._step * self._step), unit="s", tz="UTC")
        )
        self.index = pd.date_range(first, periods=horizon, freq=pd.Timedelta(seconds=self._step))
        self._first_s = int(first.timestamp())
        self.grace = grace
        self.max_wait = float(self._step) if max_wait is None else max_wait
        self._clock = clock
        self._sleep = sleep
        self._next = 0
        self._candles: dict[str, dict[int, Candle]] = {symbol: {} for symbol in self.symbols}
        self._latest: dict[str, int] = {}  # symbol -> newest candle bar seen
        self.connected = True
        self.reconnects = 0
        self._log = structlog.get_logger("rustybt.live")

    # --- Feed protocol ------------------------------------------------------------
    def seek(self, bar: int) -> None:
        self._next = max(bar, 0)

    def history(self, bar: int) -> FeedBar | None:
        """A bar that has already closed (rebuilding history after a restart)."""
        if not 0 <= bar < len(self.index) or self._close_s(bar) + self.grace > self._clock():
            return None
        if not all(bar in self._candles[s] for s in self.symbols):
            self._poll(bar)
        return self._row(bar, None)

    def next_bar(self, timeout: float) -> FeedBar | None:
        """The next closed bar, waiting at most ``timeout`` seconds; None when none is ready."""
        if self.finished:
            return None
        bar = self._next
        ready_at = self._close_s(bar) + self.grace
        wait = ready_at - self._clock()
        if wait > 0:
            self._sleep(min(wait, max(timeout, 0.0)))
            if self._clock() < ready_at:
                return None
        if not self._complete(bar) and not self._poll(bar):
            return None
        if not self._complete(bar):
            if self._clock() < self._close_s(bar) + self.max_wait:
                return None
            missing = [s for s in self.symbols if bar not in self._candles[s]]
            self._log.warning("feed.gap", bar_time=self.index[bar].isoformat(), symbols=missing)
        self._next = bar + 1
        lateness = self._clock() - self._close_s(bar)
        return self._row(bar, time.monotonic() - lateness)

    @property
    def finished(self) -> bool:
        return self._next >= len(self.index)

    def close(self) -> None:
        self._candles.clear()

    # --- polling --------------------------------------------------------------------
    def _close_s(self, bar: int) -> float:
        return float(self._first_s + (bar + 1) * self._step)

    def _complete(self, bar: int) -> bool:
        """Every symbol has this bar's candle, or a later one (so this one will never come)."""
        return all(bar in self._candles[s] or self._latest.get(s, -1) > bar for s in self.symbols)

    def _poll(self, bar: int) -> bool:
        """Fetch candles from ``bar`` on; False (and a logged disconnect) when the venue fails."""
        since_ms = (self._first_s + bar * self._step) * 1000
        now = self._clock()
        try:
            for symbol in self.symbols:
                for candle in self._source.ohlcv(symbol, self.timeframe, since_ms, 1000):
                    self._keep(symbol, candle, now)
        except BrokerError as error:
            if not error.transient:
                raise
            if self.connected:
                self.connected = False
                self._log.warning("feed.disconnected", error=str(error))
            return False
        if not self.connected:
            self.connected = True
            self.reconnects += 1
            self._log.info("feed.reconnected", resume_from=self.index[bar].isoformat())
        # drop what was delivered: memory stays bounded on a long run
        for candles in self._candles.values():
            for old in [b for b in candles if b < bar]:
                del candles[old]
        return True

    def _keep(self, symbol: str, candle: Candle, now: float) -> None:
        if len(candle) < 6:
            return
        opened_s = candle[0] / 1000
        offset = opened_s - self._first_s
        if offset < 0 or offset % self._step:
            return  # not on this feed's grid
        bar = int(offset // self._step)
        if opened_s + self._step > now:
            return  # still forming: closed bars only
        self._candles[symbol][bar] = candle
        self._latest[symbol] = max(self._latest.get(symbol, -1), bar)

    def _row(self, bar: int, due: float | None) -> FeedBar:
        fields = np.full((5, len(self.symbols)), np.nan)
        for column, symbol in enumerate(self.symbols):
            candle = self._candles[symbol].get(bar)
            if candle is not None:
                fields[:, column] = [float(v) if v is not None else np.nan for v in candle[1:6]]
        return FeedBar(
            bar, self.index[bar], fields[0], fields[1], fields[2], fields[3], fields[4], due
        )
