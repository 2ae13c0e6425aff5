"""Opening a real venue's broker and feed for `rustybt live` (the adapters are the
``[live]`` extra, imported only here, by name).

An adapter module (``rustybt.live.adapters.ccxt`` or ``rustybt.live.adapters.alpaca``)
may expose ``from_live_config(config, keys) -> (Broker, Feed)``; otherwise its broker
class (``CCXTBroker`` / ``AlpacaBroker``) is built with the keys and ``[broker]
options`` as keyword arguments, and its polling feed class with the symbols and
timeframe. API keys come from the encrypted secrets store, never from the file.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from rustybt.errors import ConfigError
from rustybt.install import extra_hint
from rustybt.live.broker import Broker
from rustybt.live.config import LiveConfig
from rustybt.live.feeds import Feed

__all__ = ["open_broker_and_feed", "open_public_feed", "read_keys"]

_ADAPTERS = {
    "ccxt": ("rustybt.live.adapters.ccxt", "CCXTBroker", ("CCXTFeed", "CCXTPollingFeed")),
    "alpaca": ("rustybt.live.adapters.alpaca", "AlpacaBroker", ("AlpacaFeed", "AlpacaPollingFeed")),
}


def read_keys(config: LiveConfig) -> dict[str, str]:
    """The API key and secret named in the config, from the secrets store."""
    names = {"api_key": config.api_key, "api_secret": config.api_secret}
    wanted = {k: v for k, v in names.items() if v}
    if not wanted:
        return {}
    from rustybt.cli.secrets import _open, resolve_paths

    store = _open(resolve_paths())
    return {key: store.get(name) for key, name in wanted.items()}


def open_broker_and_feed(config: LiveConfig) -> tuple[Broker, Feed]:
    kind, _, exchange = config.broker.partition(":")
    if kind not in _ADAPTERS:
        raise ConfigError(f"unknown broker {config.broker!r}", hint="use ccxt:<exchange> or alpaca")
    module_name, broker_class, feed_classes = _ADAPTERS[kind]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"the {kind} adapter is not available: {exc}",
            hint=extra_hint("live"),
        ) from exc
    keys = read_keys(config)
    factory = getattr(module, "from_live_config", None)
    if factory is not None:
        broker, feed = factory(config, keys)
        return broker, feed
    options: dict[str, Any] = dict(config.broker_options)  # Any: adapter keyword arguments
    if exchange:
        options["exchange"] = exchange
    broker = getattr(module, broker_class)(**keys, **options)
    for name in feed_classes:
        feed_class = getattr(module, name, None)
        if feed_class is not None:
            return broker, feed_class(broker, symbols=config.symbols, timeframe=config.timeframe)
    raise ConfigError(f"{module_name} has no polling feed ({' or '.join(feed_classes)})")


def open_public_feed(
    name: str, symbols: tuple[str, ...], timeframe: str
) -> tuple[Feed, Callable[[], None]]:
    """A venue's public bar feed for paper trading (``rustybt paper --feed ccxt:binance``):
    no keys, market data only; returns the feed and what closes its connection."""
    kind, _, exchange = name.partition(":")
    if kind != "ccxt" or not exchange:
        raise ConfigError(f"--feed must be ccxt:<exchange>, not {name!r}", hint="e.g. ccxt:binance")
    if not symbols:
        raise ConfigError("--feed needs --symbols", hint="e.g. --symbols BTC/USDT,ETH/USDT")
    try:
        adapters = importlib.import_module("rustybt.live.adapters.ccxt")
        feeds = importlib.import_module("rustybt.live.ccxt_feed")
    except ImportError as exc:
        raise ConfigError(
            f"the ccxt feed is not available: {exc}",
            hint=extra_hint("live"),
        ) from exc
    # Public OHLCV endpoints need no keys; the broker object only carries the client
    # and the venue's rate limit here (no order is ever sent through it).
    source = adapters.CCXTBroker(exchange, api_key="", secret="", symbols=symbols)
    feed: Feed = feeds.CCXTPollingFeed(source, symbols=symbols, timeframe=timeframe)
    return feed, source.close
