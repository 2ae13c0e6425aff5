"""The ccxt polling feed: closed bars only, in order, through gaps and outages (fake clock)."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pandas as pd
import pytest

from rustybt.data.bars import Frequency
from rustybt.errors import BrokerError, ConfigError
from rustybt.live.ccxt_feed import CCXTPollingFeed, timeframe_seconds
from tests.live.harness import FakeClock, binance_harness, running

START = 1_700_000_040  # a minute boundary (seconds)


class Candles:
    """A fake OHLCV source: candles by symbol; ``down`` makes it fail like a dropped venue."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.rows: dict[str, list[list[float]]] = {"BTC/USDT": [], "ETH/USDT": []}
        self.down = False
        self.calls = 0

    def add(self, symbol: str, minute: int, close: float) -> None:
        opened = (START + 60 * minute) * 1000
        self.rows[symbol].append([opened, close - 1, close + 1, close - 2, close, 10.0])

    def ohlcv(self, symbol: str, timeframe: str, since_ms: int, limit: int) -> list[list[float]]:
        self.calls += 1
        if self.down:
            raise BrokerError("venue unreachable", transient=True)
        # like a venue: the forming candle is included too
        return [row for row in self.rows[symbol] if row[0] >= since_ms][:limit]


@pytest.fixture
def setup() -> Iterator[tuple[CCXTPollingFeed, Candles, FakeClock]]:
    clock = FakeClock()
    clock.now = START + 5.0
    source = Candles(clock)
    feed = CCXTPollingFeed(
        source,
        symbols=["BTC/USDT", "ETH/USDT"],
        timeframe="1m",
        grace=1.0,
        clock=clock,
        sleep=clock.sleep,
    )
    yield feed, source, clock
    feed.close()


def test_the_planned_clock_starts_at_the_forming_bar(
    setup: tuple[CCXTPollingFeed, Candles, FakeClock],
) -> None:
    feed, _, _ = setup
    assert feed.index[0].timestamp() == START
    assert (feed.index[1] - feed.index[0]).total_seconds() == 60
    assert feed.frequency is Frequency.MINUTE
    assert [a.symbol for a in feed.assets] == ["BTC/USDT", "ETH/USDT"]
    assert not feed.finished


def test_a_forming_bar_is_never_delivered(
    setup: tuple[CCXTPollingFeed, Candles, FakeClock],
) -> None:
    feed, source, clock = setup
    source.add("BTC/USDT", 0, 100.0)
    source.add("ETH/USDT", 0, 10.0)
    assert feed.next_bar(timeout=5.0) is None  # bar 0 closes at +60 s (+1 s grace)
    assert source.calls == 0
    assert clock.now == START + 10.0
    clock.now = START + 61.5
    bar = feed.next_bar(timeout=5.0)
    assert bar is not None
    assert bar.bar == 0
    assert list(bar.close) == [100.0, 10.0]
    assert list(bar.open) == [99.0, 9.0]
    assert list(bar.volume) == [10.0, 10.0]
    assert feed.next_bar(timeout=0.0) is None  # bar 1 is still forming


def test_an_outage_then_reconnect_delivers_missed_bars_in_order(
    setup: tuple[CCXTPollingFeed, Candles, FakeClock],
) -> None:
    feed, source, clock = setup
    for minute in range(4):
        source.add("BTC/USDT", minute, 100.0 + minute)
        source.add("ETH/USDT", minute, 10.0 + minute)
    source.down = True
    clock.now = START + 61.5
    assert feed.next_bar(timeout=0.0) is None
    assert not feed.connected
    clock.now = START + 4 * 60 + 30  # four bars have closed while the venue was away
    source.down = False
    got = [feed.next_bar(timeout=0.0) for _ in range(4)]
    assert [b.bar for b in got if b is not None] == [0, 1, 2, 3]
    assert [b.close[0] for b in got if b is not None] == [100.0, 101.0, 102.0, 103.0]
    assert feed.reconnects == 1
    # each knows how late it is, so the runner will not trade on stale bars
    dues = [b.due for b in got if b is not None]
    assert all(d is not None for d in dues)
    assert dues == sorted(dues)


def test_a_symbol_without_a_candle_gets_nan_once_a_later_one_exists(
    setup: tuple[CCXTPollingFeed, Candles, FakeClock],
) -> None:
    feed, source, clock = setup
    source.add("BTC/USDT", 0, 100.0)
    source.add("BTC/USDT", 1, 101.0)
    source.add("ETH/USDT", 1, 11.0)  # no ETH trades in minute 0
    clock.now = START + 121.5
    first = feed.next_bar(timeout=0.0)
    assert first is not None
    assert first.close[0] == 100.0
    assert math.isnan(first.close[1])
    second = feed.next_bar(timeout=0.0)
    assert second is not None
    assert list(second.close) == [101.0, 11.0]


def test_a_silent_symbol_gets_nan_after_max_wait(
    setup: tuple[CCXTPollingFeed, Candles, FakeClock],
) -> None:
    feed, source, clock = setup
    source.add("BTC/USDT", 0, 100.0)
    clock.now = START + 61.5
    assert feed.next_bar(timeout=0.0) is None  # ETH may still come
    clock.now = START + 121.0  # max_wait (one timeframe) after the close
    bar = feed.next_bar(timeout=0.0)
    assert bar is not None
    assert math.isnan(bar.close[1])


def test_seek_resumes_and_history_returns_closed_bars(
    setup: tuple[CCXTPollingFeed, Candles, FakeClock],
) -> None:
    feed, source, clock = setup
    for minute in range(3):
        source.add("BTC/USDT", minute, 100.0 + minute)
        source.add("ETH/USDT", minute, 10.0 + minute)
    clock.now = START + 3 * 60 + 5
    past = feed.history(1)
    assert past is not None
    assert past.close[0] == 101.0
    assert feed.history(5) is None  # not closed yet
    feed.seek(2)
    bar = feed.next_bar(timeout=0.0)
    assert bar is not None
    assert bar.bar == 2


@pytest.mark.parametrize(
    ("text", "seconds"), [("1m", 60), ("15m", 900), ("4h", 14400), ("1d", 86400)]
)
def test_timeframes(text: str, seconds: int) -> None:
    assert timeframe_seconds(text) == seconds


@pytest.mark.parametrize("text", ["", "m", "0m", "1w", "1.5h", "abc"])
def test_bad_timeframes_are_config_errors(text: str) -> None:
    with pytest.raises(ConfigError, match="timeframe"):
        timeframe_seconds(text)


def test_polling_the_fake_binance_klines_through_ccxt() -> None:
    for h in running(binance_harness):
        venue = h.knobs
        opened = START * 1000
        venue.klines["BTCUSDT"] = [  # type: ignore[attr-defined]
            [
                opened + 60_000 * i,
                f"{100 + i}.5",
                f"{101 + i}.0",
                f"{99 + i}.0",
                f"{100 + i}.25",
                "3.5",
                opened + 60_000 * (i + 1) - 1,
                "350",
                7,
                "1",
                "100",
                "0",
            ]
            for i in range(3)
        ]
        clock = FakeClock()
        clock.now = START + 2 * 60 + 30  # bars 0 and 1 closed, bar 2 forming
        feed = CCXTPollingFeed(
            h.broker,
            symbols=["BTC/USDT"],
            timeframe="1m",
            start=pd.Timestamp(START, unit="s", tz="UTC"),
            clock=clock,
            sleep=clock.sleep,
            grace=1.0,
        )  # type: ignore[arg-type]
        bars = [feed.next_bar(timeout=0.0) for _ in range(3)]
        assert [b.bar for b in bars if b is not None] == [0, 1]
        assert bars[2] is None
        assert bars[0] is not None
        assert (bars[0].open[0], bars[0].close[0], bars[0].volume[0]) == (100.5, 100.25, 3.5)
