"""`rustybt live`'s loader builds the real adapters from live.toml, keys from the store."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rustybt.errors import ConfigError
from rustybt.live import adapters_loader
from rustybt.live.adapters.ccxt import CCXTBroker
from rustybt.live.broker import OrderRequest, Outcome
from rustybt.live.ccxt_feed import CCXTPollingFeed
from rustybt.live.config import LiveConfig
from tests.live.venues import binance


def test_ccxt_broker_and_feed_from_live_toml(monkeypatch: pytest.MonkeyPatch) -> None:
    venue = binance.BinanceVenue()
    venue.server.start()
    try:
        # the loader reads the keys from the secrets store; here, the fake venue's keys
        monkeypatch.setattr(
            adapters_loader,
            "read_keys",
            lambda config: {"api_key": binance.API_KEY, "api_secret": binance.SECRET},
        )
        config = LiveConfig(
            broker="ccxt:binance",
            api_key="BINANCE_API_KEY",
            api_secret="BINANCE_API_SECRET",
            broker_options={"urls": binance.local_urls(venue.server.url), "timeout": 2},
            symbols=("BTC/USDT",),
            timeframe="5m",
        )
        broker, feed = adapters_loader.open_broker_and_feed(config)
        assert isinstance(broker, CCXTBroker)
        assert isinstance(feed, CCXTPollingFeed)
        assert feed.timeframe == "5m"
        assert [a.symbol for a in feed.assets] == ["BTC/USDT"]
        result = broker.submit(OrderRequest("cfg-1", "BTC/USDT", "buy", Decimal("0.01"), "market"))
        assert result.outcome is Outcome.DONE
        assert venue.book.submissions["cfg-1"] == 1
        broker.close()
    finally:
        venue.server.stop()


def test_missing_key_names_are_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(adapters_loader, "read_keys", lambda config: {})
    with pytest.raises(ConfigError, match="api_key and api_secret"):
        adapters_loader.open_broker_and_feed(
            LiveConfig(broker="ccxt:binance", symbols=("BTC/USDT",))
        )


def test_alpaca_from_live_toml_needs_key_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(adapters_loader, "read_keys", lambda config: {})
    with pytest.raises(ConfigError, match="api_key and api_secret"):
        adapters_loader.open_broker_and_feed(LiveConfig(broker="alpaca", symbols=("AAPL",)))
