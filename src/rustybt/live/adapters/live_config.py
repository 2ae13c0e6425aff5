"""Building the real adapters from ``live.toml`` (`rustybt live --broker ...`).

Keys come from the encrypted secrets store (the loader passes ``api_key`` and
``api_secret``), never from the file or the command line. ``[broker] options``
are passed to the broker's constructor (``timeout``, ``urls``, ``paper``, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rustybt.errors import ConfigError
from rustybt.live.adapters.alpaca import AlpacaBroker
from rustybt.live.adapters.ccxt import CCXTBroker
from rustybt.live.config import LiveConfig
from rustybt.live.feeds import Feed

__all__ = ["alpaca_from_live_config", "ccxt_from_live_config"]


def _require_keys(config: LiveConfig, keys: Mapping[str, str]) -> None:
    if not keys.get("api_key") or not keys.get("api_secret"):
        raise ConfigError(
            f"{config.broker} needs api_key and api_secret names in [broker]",
            hint="store the keys with `rustybt secrets set NAME` and name them in live.toml",
        )


def _feed_options(config: LiveConfig) -> dict[str, Any]:  # Any: PollingFeed keywords
    """``[feed] start`` and ``bars`` as `PollingFeed` keywords (only those set)."""
    options: dict[str, Any] = {}  # Any: a timestamp text and a bar count
    if config.feed_start is not None:
        options["start"] = config.feed_start
    if config.feed_bars is not None:
        options["horizon"] = config.feed_bars
    return options


def ccxt_from_live_config(config: LiveConfig, keys: Mapping[str, str]) -> tuple[CCXTBroker, Feed]:
    """`rustybt live --broker ccxt:<exchange>`: the broker and its polling feed.

    ``keys`` come from the secrets store (``api_key``, ``api_secret``); ``[broker]
    options`` are passed on (``timeout``, ``urls``, ``password``, ``options``).
    """
    from rustybt.live.ccxt_feed import CCXTPollingFeed

    exchange = config.broker.partition(":")[2]
    if not exchange:
        raise ConfigError("name the exchange: broker = 'ccxt:<exchange>', e.g. 'ccxt:binance'")
    _require_keys(config, keys)
    options: dict[str, Any] = dict(config.broker_options)  # Any: keyword arguments of CCXTBroker
    broker = CCXTBroker(
        exchange,
        api_key=keys["api_key"],
        secret=keys["api_secret"],
        symbols=config.symbols,
        **options,
    )
    feed = CCXTPollingFeed(
        broker, symbols=config.symbols, timeframe=config.timeframe, **_feed_options(config)
    )
    return broker, feed


def alpaca_from_live_config(
    config: LiveConfig, keys: Mapping[str, str]
) -> tuple[AlpacaBroker, Feed]:
    """`rustybt live --broker alpaca`: the broker and a polling feed of Alpaca's stock bars.

    ``[broker] options`` go to `AlpacaBroker` (``paper``, ``url_override``,
    ``timeout``) except ``data_url`` (the Market Data API's base URL) and
    ``data_feed`` ("iex" or "sip"), which go to `AlpacaBars`.
    """
    from rustybt.live.adapters.alpaca_bars import AlpacaBars, AlpacaPollingFeed

    _require_keys(config, keys)
    options: dict[str, Any] = dict(config.broker_options)  # Any: keyword arguments of AlpacaBroker
    data_url = options.pop("data_url", None)
    data_feed = options.pop("data_feed", None)
    broker = AlpacaBroker(api_key=keys["api_key"], secret_key=keys["api_secret"], **options)
    bars = AlpacaBars(
        api_key=keys["api_key"],
        secret_key=keys["api_secret"],
        url_override=data_url,
        data_feed=data_feed,
        timeout=float(options.get("timeout", 10.0)),
    )
    try:
        feed = AlpacaPollingFeed(
            bars, symbols=config.symbols, timeframe=config.timeframe, **_feed_options(config)
        )
    except ConfigError:
        bars.close()
        broker.close()
        raise
    return broker, feed
