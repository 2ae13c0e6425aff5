"""`CCXTBroker`: spot trading on any ccxt exchange (Binance is the tested venue).

Every call goes through `call_venue`: the venue's token bucket, ccxt's errors
classified by `classify_ccxt_error`, retries through `rustybt.retry` only where
they cannot duplicate an order. ccxt's own throttle is switched off so there is
one limiter, ours, that also honours Retry-After.

Client order ids are sent in the venue's own field (ccxt maps ``clientOrderId``
to Binance's ``newClientOrderId``) and orders are looked up by them
(``origClientOrderId``). Binance needs a symbol for every order query, so the
broker remembers the symbol of each client id it has seen and otherwise asks
each configured symbol in turn.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

import pandas as pd

from rustybt import retry
from rustybt.errors import BrokerError, OrderRejected
from rustybt.live.adapters._calls import (
    FailureKind,
    VenueCaller,
    VenueCallFailed,
    command,
    result_for_failure,
    status_or_none,
    unknown_order,
)
from rustybt.live.adapters.ccxt_client import make_ccxt_client
from rustybt.live.adapters.ccxt_errors import classify_ccxt_error
from rustybt.live.adapters.ccxt_parse import parse_ccxt_order, parse_ccxt_trade
from rustybt.live.adapters.fill_cursor import FillCursor, read_symbol_fills
from rustybt.live.broker import CommandResult, OrderRequest, Outcome, VenueFill, VenueOrder
from rustybt.live.config import LiveConfig
from rustybt.live.feeds import Feed
from rustybt.live.ratelimit import RateLimiter, limiter_for

__all__ = ["CCXTBroker", "from_live_config"]

T = TypeVar("T")
_PAGE = 1000  # trades per myTrades request (Binance's maximum)
# ccxt's order/trade records are plain dicts of mixed values.
CcxtRecord = dict[str, Any]  # Any: ccxt's untyped JSON-like records


class CCXTBroker:
    """A `Broker` on a ccxt exchange's unified API (spot).

    Args:
        exchange: ccxt's exchange id ("binance", "coinbase", "kraken", ...).
        api_key, secret, password: credentials, normally from the secrets store
            (`CCXTBroker.from_secrets`); never from the command line.
        symbols: the unified symbols traded ("BTC/USDT"): fills and order lookups
            by client id scan these.
        urls: overrides of ``exchange.urls['api']`` entries (a testnet or a local fake).
        timeout: seconds before a request counts as timed out.
        limiter: the venue's token bucket (default: the process-wide one of ``exchange``).
        retry_policy: the retry policy (default: ``rustybt.retry.DEFAULT_POLICY`` at call time).
        options: extra ccxt options for the exchange.
        sandbox: use the venue's testnet (ccxt's ``set_sandbox_mode``).
    """

    def __init__(
        self,
        exchange: str,
        *,
        api_key: str,
        secret: str,
        password: str | None = None,
        symbols: Sequence[str] = (),
        urls: Mapping[str, str] | None = None,
        timeout: float = 10.0,
        limiter: RateLimiter | None = None,
        retry_policy: retry.RetryPolicy | None = None,
        options: Mapping[str, object] | None = None,
        sandbox: bool = False,
    ) -> None:
        self._ccxt, self._client = make_ccxt_client(
            exchange,
            api_key=api_key,
            secret=secret,
            password=password,
            urls=urls,
            timeout=timeout,
            options=options,
            sandbox=sandbox,
        )
        self.name = f"ccxt:{exchange}"
        self.exchange = exchange
        self.symbols = list(symbols)
        self._venue = VenueCaller(
            self.name,
            lambda error, sent: classify_ccxt_error(
                error,
                ccxt=self._ccxt,
                venue=self.name,
                sent=sent,
                response_headers=lambda: self._client.last_response_headers,
            ),
            limiter=limiter if limiter is not None else limiter_for(exchange),
            policy=retry_policy,
        )
        self._symbol_of: dict[str, str] = {}  # client order id -> unified symbol
        self._client_id_of: dict[str, str] = {}  # venue order id -> client order id
        self._markets_loaded = False
        fetch = self._client.fetch

        def fetch_and_mark(*args: Any, **kwargs: Any) -> Any:  # Any: ccxt's signature
            self._venue.mark_sent()
            return fetch(*args, **kwargs)

        self._client.fetch = fetch_and_mark

    @classmethod
    def from_secrets(
        cls, exchange: str, secrets: Callable[[str], str], **kwargs: Any
    ) -> CCXTBroker:  # Any: the keyword arguments of __init__
        """Build from the secrets store: ``{exchange}_api_key`` and ``{exchange}_api_secret``."""
        return cls(
            exchange,
            api_key=secrets(f"{exchange}_api_key"),
            secret=secrets(f"{exchange}_api_secret"),
            **kwargs,
        )

    # --- plumbing ---------------------------------------------------------------
    def _call(self, operation: str, fn: Callable[[], T], *, idempotent: bool) -> T:
        return self._venue.call(operation, fn, idempotent=idempotent)

    def _read(self, operation: str, fn: Callable[[], T]) -> T:
        """A read: retried on any transient failure; raises the mapped rustybt error."""
        self._ensure_markets()
        return self._venue.read(operation, fn)

    def _ensure_markets(self) -> None:
        if not self._markets_loaded:
            self._venue.read("load markets", self._client.load_markets)
            self._markets_loaded = True

    def _order(self, raw: CcxtRecord) -> VenueOrder:
        order = parse_ccxt_order(raw, venue=self.name)
        self._symbol_of[order.client_order_id] = order.symbol
        if order.venue_order_id is not None:
            self._client_id_of[order.venue_order_id] = order.client_order_id
        return order

    # --- commands -----------------------------------------------------------------
    def submit(self, request: OrderRequest) -> CommandResult:
        """Send once; UNKNOWN when the venue may have it (resolve with `order_status`)."""
        try:
            self._ensure_markets()
        except BrokerError as unreadable:  # the order was not sent
            return CommandResult(Outcome.FAILED, error=unreadable)
        order_type = "limit" if request.order_type in ("limit", "stop_limit") else "market"
        params: dict[str, object] = {"clientOrderId": request.client_order_id}
        if request.stop_price is not None:
            params["stopPrice"] = str(request.stop_price)
        if request.order_type in ("limit", "stop_limit"):
            params["timeInForce"] = "GTC" if request.time_in_force == "gtc" else "DAY"
        price = str(request.limit_price) if request.limit_price is not None else None
        self._symbol_of[request.client_order_id] = request.symbol
        return command(
            lambda: self._call(
                "submit",
                lambda: self._order(
                    self._client.create_order(
                        request.symbol,
                        order_type,
                        request.side,
                        str(request.quantity),
                        price,
                        params,
                    )
                ),
                idempotent=False,
            ),
            request,
        )

    def cancel(self, client_order_id: str) -> CommandResult:
        """Cancel; a venue "unknown order" is answered with the order's real state."""
        try:
            symbol = self._symbol_for(client_order_id)
        except BrokerError as unreadable:
            return CommandResult(Outcome.FAILED, error=unreadable)
        if symbol is None:
            return unknown_order(self.name, client_order_id, "; nothing to cancel")
        try:
            order = self._call(
                "cancel",
                lambda: self._order(
                    self._client.cancel_order(None, symbol, {"origClientOrderId": client_order_id})
                ),
                idempotent=False,
            )
            return CommandResult(Outcome.DONE, order=order)
        except VenueCallFailed as failed:
            if failed.failure.kind is not FailureKind.NOT_FOUND:
                return result_for_failure(failed.failure)
            # Binance answers "Unknown order sent." for orders that are already
            # closed too: report what the order became (filled, cancelled).
            return CommandResult(
                Outcome.DONE,
                order=self._status_or_none(client_order_id),
                error=OrderRejected(
                    f"{self.name} could not cancel {client_order_id}: it is no longer open",
                    context={"client_order_id": client_order_id},
                ),
            )

    def modify(self, client_order_id: str, replacement: OrderRequest) -> CommandResult:
        """Cancel-replace (Binance's order.cancelReplace, STOP_ON_FAILURE)."""
        try:
            current = self.order_status(client_order_id)
        except BrokerError as unreadable:
            return CommandResult(Outcome.FAILED, error=unreadable)
        if current is None or not current.status.is_open:
            return CommandResult(
                Outcome.DONE,
                order=current,
                error=OrderRejected(
                    f"{self.name}: order {client_order_id} is not open and cannot be modified",
                    context={"client_order_id": client_order_id},
                ),
            )
        if not self._client.has.get("editOrder"):
            return self._cancel_then_submit(client_order_id, replacement)
        order_type = "limit" if replacement.order_type in ("limit", "stop_limit") else "market"
        params: dict[str, object] = {"clientOrderId": replacement.client_order_id}
        if replacement.stop_price is not None:
            params["stopPrice"] = str(replacement.stop_price)
        price = str(replacement.limit_price) if replacement.limit_price is not None else None
        self._symbol_of[replacement.client_order_id] = replacement.symbol
        return command(
            lambda: self._call(
                "modify",
                lambda: self._order(
                    self._client.edit_order(
                        current.venue_order_id,
                        replacement.symbol,
                        order_type,
                        replacement.side,
                        str(replacement.quantity),
                        price,
                        params,
                    )
                ),
                idempotent=False,
            ),
        )

    def _cancel_then_submit(self, client_order_id: str, replacement: OrderRequest) -> CommandResult:
        # Venues without an atomic replace: the new order goes out only after the
        # old one is certainly cancelled, so the two can never both be working.
        cancelled = self.cancel(client_order_id)
        if cancelled.outcome is not Outcome.DONE or cancelled.error is not None:
            return cancelled
        return self.submit(replacement)

    # --- reads --------------------------------------------------------------------
    def order_status(self, client_order_id: str) -> VenueOrder | None:
        """The venue's order, None when no configured symbol knows it."""
        self._ensure_markets()
        known = self._symbol_of.get(client_order_id)
        candidates = [known] if known else list(dict.fromkeys(self.symbols))
        for symbol in candidates:
            try:
                raw = self._call(
                    "order status",
                    functools.partial(
                        self._client.fetch_order,
                        None,
                        symbol,
                        {"origClientOrderId": client_order_id},
                    ),
                    idempotent=True,
                )
            except VenueCallFailed as failed:
                if failed.failure.kind is FailureKind.NOT_FOUND:
                    continue
                raise failed.failure.error from failed
            return self._order(raw)
        return None

    def _status_or_none(self, client_order_id: str) -> VenueOrder | None:
        return status_or_none(self.order_status, self.name, client_order_id)

    def _symbol_for(self, client_order_id: str) -> str | None:
        if client_order_id in self._symbol_of:
            return self._symbol_of[client_order_id]
        found = self.order_status(client_order_id)
        return found.symbol if found is not None else None

    def open_orders(self) -> list[VenueOrder]:
        raws = self._read("open orders", lambda: self._client.fetch_open_orders())
        return [self._order(raw) for raw in raws]

    def recent_orders(self, since: pd.Timestamp) -> list[VenueOrder]:
        """Open and closed orders created at or after ``since``, per configured symbol, plus all open ones."""
        since_ms = int(pd.Timestamp(since).timestamp() * 1000)
        found: dict[str, VenueOrder] = {}
        for symbol in dict.fromkeys(self.symbols):
            raws = self._read(
                "recent orders", functools.partial(self._client.fetch_orders, symbol, since_ms)
            )
            for raw in raws:
                order = self._order(raw)
                found[order.venue_order_id or order.client_order_id] = order
        for order in self.open_orders():
            found.setdefault(order.venue_order_id or order.client_order_id, order)
        return sorted(found.values(), key=lambda o: o.created_at or pd.Timestamp(0, tz="UTC"))

    def fills_since(self, cursor: str | None) -> tuple[list[VenueFill], str | None]:
        """Fills after ``cursor`` on every traded symbol, each trade id once, oldest first."""
        self._ensure_markets()
        state = FillCursor.decode(cursor)
        symbols = list(dict.fromkeys([*self.symbols, *self._symbol_of.values(), *state.symbols]))
        fills: list[VenueFill] = []
        for symbol in symbols:
            fills.extend(self._fills_of(symbol, state))
        fills.sort(key=lambda f: (f.timestamp, f.trade_id))
        return fills, state.encode()

    def _fills_of(self, symbol: str, state: FillCursor) -> list[VenueFill]:
        def page(since: int | None, params: dict[str, object]) -> list[VenueFill]:
            raws = self._read(
                "fills",
                functools.partial(self._client.fetch_my_trades, symbol, since, _PAGE, params),
            )
            return [parse_ccxt_trade(raw, venue=self.name) for raw in raws]

        by_id = self.exchange.startswith("binance")
        fills = read_symbol_fills(page, symbol, state, by_id=by_id, page_size=_PAGE)
        return [self._with_client_id(fill) for fill in fills]

    def _with_client_id(self, fill: VenueFill) -> VenueFill:
        if fill.venue_order_id is None or fill.client_order_id is not None:
            return fill
        client_id = self._client_id_of.get(fill.venue_order_id)
        if client_id is None:
            raw = self._read(
                "fill's order",
                lambda: self._client.fetch_order(fill.venue_order_id, fill.symbol),
            )
            client_id = self._order(raw).client_order_id
        return VenueFill(**{**fill.__dict__, "client_order_id": client_id})

    def ohlcv(self, symbol: str, timeframe: str, since_ms: int, limit: int) -> list[list[float]]:
        """Candles ``[open ms, open, high, low, close, volume]`` from ``since_ms`` (the feed's source)."""
        rows = self._read(
            "ohlcv", functools.partial(self._client.fetch_ohlcv, symbol, timeframe, since_ms, limit)
        )
        if not isinstance(rows, list):
            raise BrokerError(f"{self.name} sent candles that are not a list", transient=True)
        return [list(row) for row in rows if isinstance(row, list)]

    def balances(self) -> dict[str, Decimal]:
        raw = self._read("balances", lambda: self._client.fetch_balance())
        totals = raw.get("total") or {}
        return {
            currency: Decimal(str(amount))
            for currency, amount in sorted(totals.items())
            if amount is not None and Decimal(str(amount)) != 0
        }

    def positions(self) -> dict[str, Decimal]:
        """Spot: the base-currency balance of each traded symbol (non-zero only)."""
        balances = self.balances()
        held: dict[str, Decimal] = {}
        for symbol in dict.fromkeys([*self.symbols, *self._symbol_of.values()]):
            base = symbol.split("/")[0]
            if balances.get(base):
                held[symbol] = balances[base]
        return held

    def close(self) -> None:
        with self._venue.lock:
            session = getattr(self._client, "session", None)
            if session is not None:
                session.close()


def from_live_config(config: LiveConfig, keys: Mapping[str, str]) -> tuple[CCXTBroker, Feed]:
    """`rustybt live --broker ccxt:<exchange>`: the broker and its polling feed (see `live_config`)."""
    from rustybt.live.adapters.live_config import ccxt_from_live_config

    return ccxt_from_live_config(config, keys)
