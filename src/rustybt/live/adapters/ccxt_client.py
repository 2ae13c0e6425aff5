"""Building the ccxt exchange client the way `CCXTBroker` needs it.

Spot only; ccxt's own throttle off (our `RateLimiter` is the one throttle);
markets loaded from the spot endpoint alone, so no call goes to an endpoint the
account may not have (margin, futures, currency configs).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from rustybt.errors import ConfigError
from rustybt.install import extra_hint

__all__ = ["load_ccxt", "make_ccxt_client"]


def load_ccxt() -> ModuleType:
    """Import ccxt, or say how to install it."""
    try:
        return importlib.import_module("ccxt")
    except ImportError as missing:
        raise ConfigError(
            "the ccxt adapter needs the 'ccxt' package",
            hint=extra_hint("live"),
        ) from missing


def make_ccxt_client(
    exchange: str,
    *,
    api_key: str,
    secret: str,
    password: str | None,
    urls: Mapping[str, str] | None,
    timeout: float,
    options: Mapping[str, object] | None,
    sandbox: bool,
) -> tuple[ModuleType, Any]:  # Any: ccxt exchanges are untyped
    """The ccxt module and a configured sync exchange client (nothing is sent yet)."""
    ccxt = load_ccxt()
    factory = getattr(ccxt, exchange, None)
    if factory is None or not isinstance(factory, type):
        raise ConfigError(
            f"ccxt has no exchange named {exchange!r}",
            hint="use a ccxt exchange id such as 'binance', 'coinbase' or 'kraken'",
        )
    config: dict[str, object] = {
        "apiKey": api_key,
        "secret": secret,
        "timeout": int(timeout * 1000),
        "enableRateLimit": False,
        "options": {
            "defaultType": "spot",
            "fetchMarkets": {"types": ["spot"]},
            "fetchCurrencies": False,
            "fetchMargins": False,
            "warnOnFetchOpenOrdersWithoutSymbol": False,
            **dict(options or {}),
        },
    }
    if password is not None:
        config["password"] = password
    client = factory(config)
    if sandbox:
        client.set_sandbox_mode(True)  # the venue's testnet, where ccxt knows one
    if urls:
        client.urls["api"] = {**client.urls["api"], **dict(urls)}
    return ccxt, client
