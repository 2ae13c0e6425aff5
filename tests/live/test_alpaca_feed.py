"""Alpaca's stock bars through alpaca-py against the fake venue: paging, labels, closed bars."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator

import pandas as pd
import pytest

from rustybt.assets import AssetClass
from rustybt.errors import BrokerError, ConfigError
from rustybt.live import adapters_loader
from rustybt.live.adapters.alpaca import AlpacaBroker
from rustybt.live.adapters.alpaca_bars import AlpacaBars, AlpacaPollingFeed, alpaca_timeframe
from rustybt.live.config import LiveConfig
from rustybt.live.ratelimit import RateLimiter
from tests.live.harness import FakeClock, fast_policy
from tests.live.venues import alpaca
from tests.live.venues.http import Fault

OPEN_MS = int(dt.datetime(2024, 1, 2, 14, 30, tzinfo=dt.UTC).timestamp() * 1000)
MINUTE_MS = 60_000


def _bar(minute: int, close: float) -> tuple[int, float, float, float, float, float]:
    return (OPEN_MS + minute * MINUTE_MS, close - 1, close + 1, close - 2, close, 100.0 + minute)


@pytest.fixture
def venue() -> Iterator[alpaca.AlpacaVenue]:
    venue = alpaca.AlpacaVenue()
    venue.bars = {
        "AAPL": [_bar(0, 190.0), _bar(1, 191.0), _bar(2, 192.0), _bar(3, 193.0)],
        "MSFT": [_bar(0, 410.0), _bar(2, 412.0)],  # no trade in minute 1
    }
    venue.server.start()
    yield venue
    venue.server.stop()


def _source(venue: alpaca.AlpacaVenue) -> AlpacaBars:
    clock = FakeClock()
    return AlpacaBars(
        api_key=alpaca.API_KEY,
        secret_key=alpaca.SECRET,
        url_override=venue.server.url,
        timeout=0.5,
        limiter=RateLimiter(rate=1000, capacity=1000, clock=clock, sleep=clock.sleep),
        retry_policy=fast_policy(2),
    )


def test_timeframes_map_to_alpacas_units() -> None:
    assert alpaca_timeframe("1m") == (1, "Minute")
    assert alpaca_timeframe("15m") == (15, "Minute")
    assert alpaca_timeframe("4h") == (4, "Hour")
    assert alpaca_timeframe("1d") == (1, "Day")
    with pytest.raises(ConfigError, match="alpaca has no 2d bars"):
        alpaca_timeframe("2d")
    with pytest.raises(ConfigError, match="not one rustybt can poll"):
        alpaca_timeframe("1w")


def test_bars_are_read_across_pages_as_candles_labelled_by_open_time(
    venue: alpaca.AlpacaVenue,
) -> None:
    source = _source(venue)
    try:
        candles = source.ohlcv("AAPL", "1m", OPEN_MS + MINUTE_MS, 1000)
    finally:
        source.close()
    # three bars from minute 1 on, two per page: alpaca-py followed next_page_token once
    assert candles == [
        [OPEN_MS + MINUTE_MS, 190.0, 192.0, 189.0, 191.0, 101.0],
        [OPEN_MS + 2 * MINUTE_MS, 191.0, 193.0, 190.0, 192.0, 102.0],
        [OPEN_MS + 3 * MINUTE_MS, 192.0, 194.0, 191.0, 193.0, 103.0],
    ]
    assert venue.bar_requests == 2


def test_a_5xx_on_bars_is_retried_and_a_bad_key_is_not(venue: alpaca.AlpacaVenue) -> None:
    source = _source(venue)
    try:
        venue.server.inject(Fault("status", path="/v2/stocks/bars", status=503))
        assert len(source.ohlcv("MSFT", "1m", OPEN_MS, 1000)) == 2  # the read was retried
        venue.server.inject(Fault("status", path="/v2/stocks/bars", status=503, times=5))
        with pytest.raises(BrokerError) as down:
            source.ohlcv("MSFT", "1m", OPEN_MS, 1000)
        assert down.value.transient  # the feed counts this as a disconnect and polls again
    finally:
        source.close()
    wrong = AlpacaBars(api_key="nope", secret_key="nope", url_override=venue.server.url)
    try:
        with pytest.raises(BrokerError, match="refused the credentials") as refused:
            wrong.ohlcv("AAPL", "1m", OPEN_MS, 10)
        assert not refused.value.transient
    finally:
        wrong.close()


def test_the_feed_delivers_closed_bars_in_order_with_nan_for_a_missing_candle(
    venue: alpaca.AlpacaVenue,
) -> None:
    clock = FakeClock()
    clock.now = OPEN_MS / 1000 + 3 * 60 + 5  # minute 3 is still forming
    feed = AlpacaPollingFeed(
        _source(venue),
        symbols=["AAPL", "MSFT"],
        timeframe="1m",
        start=pd.Timestamp(OPEN_MS, unit="ms", tz="UTC"),
        horizon=4,
        grace=1.0,
        clock=clock,
        sleep=clock.sleep,
    )
    try:
        assert [a.asset_class for a in feed.assets] == [AssetClass.EQUITY] * 2
        assert not any(a.fractional for a in feed.assets)
        first = feed.next_bar(timeout=0)
        second = feed.next_bar(timeout=0)
        third = feed.next_bar(timeout=0)
        assert first is not None
        assert second is not None
        assert third is not None
        assert first.timestamp == pd.Timestamp("2024-01-02 14:30", tz="UTC")
        assert list(first.close) == [190.0, 410.0]
        assert second.close[0] == 191.0
        assert math.isnan(second.close[1])
        assert list(third.close) == [192.0, 412.0]
        assert feed.next_bar(timeout=0) is None  # minute 3 has not closed: never delivered
        clock.now += 60  # minute 3 closed: AAPL has it, MSFT may still send one
        assert feed.next_bar(timeout=0) is None
        clock.now += 60  # max_wait (one bar) after the close: MSFT's gap is NaN
        last = feed.next_bar(timeout=0)
        assert last is not None
        assert last.close[0] == 193.0
        assert math.isnan(last.close[1])
        assert feed.finished
    finally:
        feed.close()


def test_live_toml_builds_the_alpaca_broker_and_feed(
    venue: alpaca.AlpacaVenue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        adapters_loader,
        "read_keys",
        lambda config: {"api_key": alpaca.API_KEY, "api_secret": alpaca.SECRET},
    )
    config = LiveConfig(
        broker="alpaca",
        api_key="ALPACA_API_KEY",
        api_secret="ALPACA_API_SECRET",
        broker_options={
            "url_override": venue.server.url,
            "data_url": venue.server.url,
            "timeout": 2,
        },
        symbols=("AAPL",),
        timeframe="1m",
        feed_start="2024-01-02T14:30:00Z",
        feed_bars=4,
    )
    broker, feed = adapters_loader.open_broker_and_feed(config)
    try:
        assert isinstance(broker, AlpacaBroker)
        assert isinstance(feed, AlpacaPollingFeed)
        assert len(feed.index) == 4
        assert feed.index[0] == pd.Timestamp("2024-01-02 14:30", tz="UTC")
        history = feed.history(1)
        assert history is not None
        assert history.close[0] == 191.0
    finally:
        broker.close()
        feed.close()
    with pytest.raises(ConfigError, match="alpaca has no 90m bars"):
        adapters_loader.open_broker_and_feed(
            LiveConfig(
                broker="alpaca",
                api_key="K",
                api_secret="S",
                broker_options={"url_override": venue.server.url},
                symbols=("AAPL",),
                timeframe="90m",
            )
        )
