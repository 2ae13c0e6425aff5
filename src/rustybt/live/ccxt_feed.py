"""`CCXTPollingFeed`: live bars from a ccxt exchange's OHLCV endpoint, closed bars only.

The polling, closed-bar, gap and reconnect rules are `PollingFeed`'s; a ccxt
symbol ("BTC/USDT") is a fractional, 24/7 crypto asset.
"""

from __future__ import annotations

from rustybt.assets import Asset
from rustybt.live.polling_feed import Candle, OhlcvSource, PollingFeed, timeframe_seconds

__all__ = ["CCXTPollingFeed", "Candle", "OhlcvSource", "timeframe_seconds"]


class CCXTPollingFeed(PollingFeed):
    """A `PollingFeed` on a ccxt exchange (the source is normally the `CCXTBroker`)."""

    venue = "ccxt"

    @staticmethod
    def make_asset(symbol: str) -> Asset:
        return Asset.crypto(symbol)
