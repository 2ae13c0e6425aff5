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
    return broker, CCXTPollingFeed(broker, symbols=config.symbols, timeframe=config.timeframe)


def alpaca_from_live_config(
    config: LiveConfig, keys: Mapping[str, str]
) -> tuple[AlpacaBroker, Feed]:
    """`rustybt live --broker alpaca`: refused with a clear error until an equities feed exists.

    Alpaca's market data API is a separate service (alpaca-py's data clients) that
    rustybt does not poll yet; from Python, `AlpacaBroker` runs with any `Feed`.
    """
    _require_keys(config, keys)
    raise ConfigError(
        "alpaca has no bar feed in rustybt yet",
        hint="trade Alpaca from Python: LiveRunner(strategy, broker=AlpacaBroker(...), feed=...)",
    )
