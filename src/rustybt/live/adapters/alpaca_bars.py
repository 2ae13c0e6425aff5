"""Alpaca's stock bars as a live feed: `AlpacaBars` (the candle source) and `AlpacaPollingFeed`.

Bars come from Alpaca's Market Data API v2 (``GET /v2/stocks/bars?symbols=...&timeframe=1Min&start=...``,
paged with ``next_page_token``) through alpaca-py's `StockHistoricalDataClient`
and `StockBarsRequest`. Alpaca labels a bar by its open time (``t``), as
`PollingFeed` expects; the polling, closed-bars-only, late and missed bar rules
are `PollingFeed`'s, shared with the ccxt feed.

As for the trading client, alpaca-py's own retries are switched off and every
request gets a timeout; calls go through a `VenueCaller` (the venue's token
bucket, retries of reads only on transient errors).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd

from rustybt import retry
from rustybt.errors import BrokerError, ConfigError
from rustybt.live.adapters._calls import VenueCaller
from rustybt.live.adapters.alpaca import _SendTimeout, import_alpaca
from rustybt.live.adapters.alpaca_errors import classify_alpaca_error
from rustybt.live.polling_feed import Candle, PollingFeed, timeframe_seconds
from rustybt.live.ratelimit import RateLimiter, limiter_for

__all__ = ["AlpacaBars", "AlpacaPollingFeed", "alpaca_timeframe"]

T = TypeVar("T")
_UNITS = {"m": ("Minute", 59), "h": ("Hour", 23), "d": ("Day", 1)}


def alpaca_timeframe(timeframe: str) -> tuple[int, str]:
    """``"5m"`` → ``(5, "Minute")``: the amounts Alpaca's bars endpoint accepts."""
    timeframe_seconds(timeframe)  # a clear error for text that is no timeframe at all
    amount, unit = int(timeframe[:-1]), timeframe[-1]
    name, largest = _UNITS[unit]
    if amount > largest:
        raise ConfigError(
            f"alpaca has no {timeframe} bars",
            hint="use 1m-59m, 1h-23h or 1d",
        )
    return amount, name


def _candle(symbol: str, raw: object) -> Candle:
    """One of Alpaca's bar records (``{"t": ISO, "o", "h", "l", "c", "v", ...}``) as a candle."""
    try:
        if not isinstance(raw, dict):
            raise TypeError("a bar must be an object")
        opened = pd.Timestamp(raw["t"])
        if opened.tzinfo is None:
            opened = opened.tz_localize("UTC")
        return [
            float(opened.value // 1_000_000),
            *(float(raw[key]) for key in ("o", "h", "l", "c", "v")),
        ]
    except (KeyError, TypeError, ValueError) as bad:
        raise BrokerError(
            f"alpaca sent a {symbol} bar rustybt cannot read",
            context={"bar": str(raw)[:200], "error": str(bad)},
            transient=True,
        ) from bad


class AlpacaBars:
    """Candles of US stocks from Alpaca's Market Data API (an `OhlcvSource`).

    Args:
        api_key, secret_key: the same keys as the trading account.
        url_override: another base URL (a local fake in tests).
        data_feed: Alpaca's feed ("iex", "sip"); None lets Alpaca choose by subscription.
        timeout: seconds before a request counts as timed out.
        limiter, retry_policy: default to the process-wide Alpaca limiter and retry policy.
    """

    name = "alpaca"

    def __init__(
        self,
        *,
        api_key: str,
        secret_key: str,
        url_override: str | None = None,
        data_feed: str | None = None,
        timeout: float = 10.0,
        limiter: RateLimiter | None = None,
        retry_policy: retry.RetryPolicy | None = None,
    ) -> None:
        historical, self._requests, self._timeframes, errors = import_alpaca(
            "feed",
            "alpaca.data.historical",
            "alpaca.data.requests",
            "alpaca.data.timeframe",
            "alpaca.common.exceptions",
        )
        self._api_error: type[Exception] = errors.APIError
        self._client: Any = historical.StockHistoricalDataClient(  # Any: alpaca-py's client
            api_key=api_key, secret_key=secret_key, url_override=url_override, raw_data=True
        )
        self._client._retry = 0  # our call_venue retries, not alpaca-py's sleep-and-resend
        transport = _SendTimeout(timeout, lambda: None)
        self._client._session.mount("https://", transport)
        self._client._session.mount("http://", transport)
        self._feed = data_feed
        # Bars are only read: a failure before sending is no invalid order, so every
        # failure is classified as a failed read (retried when transient), sent or not.
        self._venue = VenueCaller(
            "alpaca",
            lambda error, sent: classify_alpaca_error(
                error, api_error=self._api_error, venue=self.name, sent=True
            ),
            limiter=limiter if limiter is not None else limiter_for("alpaca"),
            policy=retry_policy,
        )

    def _read(self, operation: str, fn: Callable[[], T]) -> T:
        return self._venue.read(operation, fn)

    def ohlcv(self, symbol: str, timeframe: str, since_ms: int, limit: int) -> list[Candle]:
        """Bars of ``symbol`` opening at or after ``since_ms``, oldest first, at most ``limit``."""
        amount, unit = alpaca_timeframe(timeframe)
        fields: dict[str, Any] = {  # Any: alpaca-py's field types
            "symbol_or_symbols": symbol,
            "timeframe": self._timeframes.TimeFrame(amount, self._timeframes.TimeFrameUnit[unit]),
            "start": dt.datetime.fromtimestamp(since_ms / 1000, tz=dt.UTC),
            "limit": limit,
        }
        if self._feed is not None:
            fields["feed"] = self._feed
        request = self._requests.StockBarsRequest(**fields)
        reply = self._read("bars", lambda: self._client.get_stock_bars(request))
        if not isinstance(reply, dict):
            raise BrokerError("alpaca sent bars that are not a table", transient=True)
        rows = reply.get(symbol) or []
        if not isinstance(rows, list):
            raise BrokerError(f"alpaca sent {symbol} bars that are not a list", transient=True)
        return sorted((_candle(symbol, row) for row in rows), key=lambda candle: candle[0])

    def close(self) -> None:
        self._client._session.close()


class AlpacaPollingFeed(PollingFeed):
    """A `PollingFeed` of US stocks (whole-share equities) polled from `AlpacaBars`.

    Closing the feed closes its `AlpacaBars` connection.
    """

    venue = "alpaca"

    def __init__(self, source: AlpacaBars, **options: Any) -> None:  # Any: PollingFeed keywords
        alpaca_timeframe(str(options.get("timeframe", "1m")))  # refuse 2d or 90m before polling
        super().__init__(source, **options)
        self._bars = source

    def close(self) -> None:
        super().close()
        self._bars.close()
