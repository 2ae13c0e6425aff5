"""`AlpacaBroker`: US equities through alpaca-py's `TradingClient` (paper or live endpoint).

alpaca-py sends without a timeout and retries 429/504 by itself (a 504 after an
order was sent would send it again). Both are turned off here: requests get
a timeout through the session's transport adapter, alpaca-py's own retries are
set to zero, and retries happen only through `call_venue` where they are safe.

Orders carry our client order id in Alpaca's ``client_order_id``; Alpaca rejects
a second order with the same id, and finds an order by it
(``/v2/orders:by_client_order_id``). Fills are the account's FILL activities,
read forward with Alpaca's ``page_token``.
"""

from __future__ import annotations

import functools
import importlib
import warnings
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

import pandas as pd
from requests.adapters import HTTPAdapter

from rustybt import retry
from rustybt.errors import BrokerError, ConfigError, OrderError
from rustybt.install import extra_hint
from rustybt.live.adapters._calls import (
    FailureKind,
    VenueCaller,
    VenueCallFailed,
    command,
    result_for_failure,
    status_or_none,
    unknown_order,
)
from rustybt.live.adapters.alpaca_errors import classify_alpaca_error
from rustybt.live.adapters.alpaca_parse import parse_alpaca_fill, parse_alpaca_order
from rustybt.live.broker import CommandResult, OrderRequest, Outcome, VenueFill, VenueOrder
from rustybt.live.config import LiveConfig
from rustybt.live.feeds import Feed
from rustybt.live.ratelimit import RateLimiter, limiter_for

__all__ = ["AlpacaBroker", "from_live_config"]

T = TypeVar("T")
_PAGE = 100  # Alpaca's largest activities page
_MAX_PAGES = 50  # bounded: 5000 fills per poll


class _SendTimeout(HTTPAdapter):
    """Gives every request a timeout and tells the broker that a request went out."""

    def __init__(self, timeout: float, on_send: Callable[[], None]) -> None:
        super().__init__()
        self._timeout = timeout
        self._on_send = on_send

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:  # Any: requests' signature
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        self._on_send()
        return super().send(request, *args, **kwargs)


def import_alpaca(what: str, *modules: str) -> list[Any]:  # Any: alpaca-py modules
    """alpaca-py's ``modules``, imported when an Alpaca ``what`` (adapter, feed) is made."""
    try:
        with warnings.catch_warnings():
            # alpaca-py imports websockets' legacy module for its streams, which we do not use.
            warnings.filterwarnings("ignore", "websockets.legacy is deprecated", DeprecationWarning)
            return [importlib.import_module(name) for name in modules]
    except ImportError as missing:
        raise ConfigError(
            f"the Alpaca {what} needs 'alpaca-py'", hint=extra_hint("live")
        ) from missing


class AlpacaBroker:
    """A `Broker` on Alpaca's Trading API.

    Args:
        api_key, secret_key: credentials, normally from the secrets store (`from_secrets`).
        paper: the paper endpoint (default) or the live one.
        url_override: another base URL (a local fake in tests).
        timeout: seconds before a request counts as timed out.
        limiter, retry_policy: as for `CCXTBroker`.
    """

    name = "alpaca"

    def __init__(
        self,
        *,
        api_key: str,
        secret_key: str,
        paper: bool = True,
        url_override: str | None = None,
        timeout: float = 10.0,
        limiter: RateLimiter | None = None,
        retry_policy: retry.RetryPolicy | None = None,
    ) -> None:
        client_module, self._requests, self._enums, errors = import_alpaca(
            "adapter",
            "alpaca.trading.client",
            "alpaca.trading.requests",
            "alpaca.trading.enums",
            "alpaca.common.exceptions",
        )
        self._api_error: type[Exception] = errors.APIError
        self._venue = VenueCaller(
            "alpaca",
            lambda error, sent: classify_alpaca_error(
                error, api_error=self._api_error, venue=self.name, sent=sent
            ),
            limiter=limiter if limiter is not None else limiter_for("alpaca"),
            policy=retry_policy,
        )
        self._client: Any = client_module.TradingClient(  # Any: alpaca-py's client
            api_key=api_key, secret_key=secret_key, paper=paper, url_override=url_override
        )
        # alpaca-py would resend a request on 429/504 after sleeping 3 s; a resent
        # order after a 504 could be a duplicate. Our call_venue decides instead.
        self._client._retry = 0
        transport = _SendTimeout(timeout, self._venue.mark_sent)
        self._client._session.mount("https://", transport)
        self._client._session.mount("http://", transport)
        self.paper = paper
        self._client_id_of: dict[str, str] = {}  # venue order id -> client order id

    @classmethod
    def from_secrets(
        cls, secrets: Callable[[str], str], **kwargs: Any
    ) -> AlpacaBroker:  # Any: __init__'s keywords
        """Build from the secrets store: ``alpaca_api_key`` and ``alpaca_api_secret``."""
        return cls(
            api_key=secrets("alpaca_api_key"), secret_key=secrets("alpaca_api_secret"), **kwargs
        )

    # --- plumbing ---------------------------------------------------------------
    def _call(self, operation: str, fn: Callable[[], T], *, idempotent: bool) -> T:
        return self._venue.call(operation, fn, idempotent=idempotent)

    def _read(self, operation: str, fn: Callable[[], T]) -> T:
        return self._venue.read(operation, fn)

    def _order(self, raw: Any) -> VenueOrder:  # Any: alpaca-py's Order model
        order = parse_alpaca_order(raw)
        if order.venue_order_id is not None:
            self._client_id_of[order.venue_order_id] = order.client_order_id
        return order

    def _order_request(self, request: OrderRequest) -> Any:  # Any: alpaca-py's request model
        kinds = {
            "market": "MarketOrderRequest",
            "limit": "LimitOrderRequest",
            "stop": "StopOrderRequest",
            "stop_limit": "StopLimitOrderRequest",
        }
        fields: dict[str, Any] = {  # Any: alpaca-py's field types
            "symbol": request.symbol,
            "qty": float(request.quantity),
            "side": self._enums.OrderSide(request.side),
            "time_in_force": self._enums.TimeInForce(request.time_in_force),
            "client_order_id": request.client_order_id,
        }
        if request.limit_price is not None:
            fields["limit_price"] = float(request.limit_price)
        if request.stop_price is not None:
            fields["stop_price"] = float(request.stop_price)
        return getattr(self._requests, kinds[request.order_type])(**fields)

    # --- commands -----------------------------------------------------------------
    def submit(self, request: OrderRequest) -> CommandResult:
        """Send once; UNKNOWN when Alpaca may have it (resolve with `order_status`)."""
        return command(
            lambda: self._call(
                "submit",
                lambda: self._order(self._client.submit_order(self._order_request(request))),
                idempotent=False,
            ),
            request,
        )

    def cancel(self, client_order_id: str) -> CommandResult:
        try:
            current = self.order_status(client_order_id)
        except BrokerError as unreadable:
            return CommandResult(Outcome.FAILED, error=unreadable)
        if current is None or current.venue_order_id is None:
            return unknown_order("alpaca", client_order_id, "; nothing to cancel")
        venue_id = current.venue_order_id
        try:
            self._call(
                "cancel", lambda: self._client.cancel_order_by_id(venue_id), idempotent=False
            )
        except VenueCallFailed as failed:
            if failed.failure.kind not in (FailureKind.NOT_FOUND, FailureKind.REJECTED):
                return result_for_failure(failed.failure)
            # 422 "already filled" / 404: the venue answered; report what the order is now.
            return CommandResult(
                Outcome.DONE,
                order=self._status_or_none(client_order_id),
                error=failed.failure.error,
            )
        return CommandResult(Outcome.DONE, order=self._status_or_none(client_order_id))

    def modify(self, client_order_id: str, replacement: OrderRequest) -> CommandResult:
        """Alpaca's replace (PATCH): the replacement gets ``replacement.client_order_id``."""
        if replacement.quantity != replacement.quantity.to_integral_value():
            return CommandResult(
                Outcome.FAILED,
                error=OrderError(
                    "alpaca replaces whole-share quantities only",
                    context={"quantity": str(replacement.quantity)},
                    hint="cancel and submit a new order for fractional quantities",
                ),
            )
        try:
            current = self.order_status(client_order_id)
        except BrokerError as unreadable:
            return CommandResult(Outcome.FAILED, error=unreadable)
        if current is None or current.venue_order_id is None:
            return unknown_order("alpaca", client_order_id)
        fields: dict[str, Any] = {  # Any: alpaca-py's field types
            "qty": int(replacement.quantity),
            "client_order_id": replacement.client_order_id,
            "time_in_force": self._enums.TimeInForce(replacement.time_in_force),
        }
        if replacement.limit_price is not None:
            fields["limit_price"] = float(replacement.limit_price)
        if replacement.stop_price is not None:
            fields["stop_price"] = float(replacement.stop_price)
        venue_id = current.venue_order_id
        return command(
            lambda: self._call(
                "modify",
                lambda: self._order(
                    self._client.replace_order_by_id(
                        venue_id, self._requests.ReplaceOrderRequest(**fields)
                    )
                ),
                idempotent=False,
            ),
        )

    # --- reads --------------------------------------------------------------------
    def order_status(self, client_order_id: str) -> VenueOrder | None:
        try:
            raw = self._call(
                "order status",
                lambda: self._client.get_order_by_client_id(client_order_id),
                idempotent=True,
            )
        except VenueCallFailed as failed:
            if failed.failure.kind is FailureKind.NOT_FOUND:
                return None
            raise failed.failure.error from failed
        return self._order(raw)

    def _status_or_none(self, client_order_id: str) -> VenueOrder | None:
        return status_or_none(self.order_status, self.name, client_order_id)

    def open_orders(self) -> list[VenueOrder]:
        query = self._requests.GetOrdersRequest(
            status=self._enums.QueryOrderStatus.OPEN, limit=500, nested=False
        )
        return [
            self._order(raw)
            for raw in self._read("open orders", lambda: self._client.get_orders(query))
        ]

    def recent_orders(self, since: pd.Timestamp) -> list[VenueOrder]:
        """Orders created at or after ``since`` plus every open order, oldest first."""
        # Alpaca's ``after`` is exclusive; one millisecond earlier makes it "at or after".
        after = (pd.Timestamp(since) - pd.Timedelta(milliseconds=1)).to_pydatetime()
        query = self._requests.GetOrdersRequest(
            status=self._enums.QueryOrderStatus.ALL,
            after=after,
            limit=500,
            direction="asc",
            nested=False,
        )
        raws = self._read("recent orders", lambda: self._client.get_orders(query))
        found = {order.venue_order_id: order for order in map(self._order, raws)}
        for order in self.open_orders():
            found.setdefault(order.venue_order_id, order)
        return sorted(found.values(), key=lambda o: o.created_at or pd.Timestamp(0, tz="UTC"))

    def fills_since(self, cursor: str | None) -> tuple[list[VenueFill], str | None]:
        """FILL activities after ``cursor`` (an activity id), each once, oldest first."""
        found: dict[str, VenueFill] = {}
        for _page in range(_MAX_PAGES):
            params: dict[str, object] = {"direction": "asc", "page_size": _PAGE}
            if cursor is not None:
                params["page_token"] = cursor
            rows = self._read(
                "fills", functools.partial(self._client.get, "/account/activities/FILL", params)
            )
            if not isinstance(rows, list):
                raise BrokerError(
                    "alpaca sent activities that are not a list", context={"reply": str(rows)[:200]}
                )
            page = [parse_alpaca_fill(row) for row in rows]
            fresh = [
                f
                for f in page
                if f.trade_id not in found and (cursor is None or f.trade_id > cursor)
            ]
            for fill in fresh:
                found[fill.trade_id] = self._with_client_id(fill)
            if page:
                cursor = max([cursor or "", *(f.trade_id for f in page)])
            if len(rows) < _PAGE or not fresh:
                break
        return sorted(found.values(), key=lambda f: f.trade_id), cursor

    def _with_client_id(self, fill: VenueFill) -> VenueFill:
        if fill.venue_order_id is None:
            return fill
        client_id = self._client_id_of.get(fill.venue_order_id)
        if client_id is None:
            venue_id = fill.venue_order_id
            client_id = self._order(
                self._read("fill's order", lambda: self._client.get_order_by_id(venue_id))
            ).client_order_id
        return VenueFill(**{**fill.__dict__, "client_order_id": client_id})

    def positions(self) -> dict[str, Decimal]:
        held: dict[str, Decimal] = {}
        for position in self._read("positions", lambda: self._client.get_all_positions()):
            quantity = abs(Decimal(str(position.qty)))
            side = getattr(position.side, "value", position.side)
            held[str(position.symbol)] = -quantity if side == "short" else quantity
        return held

    def balances(self) -> dict[str, Decimal]:
        account = self._read("account", lambda: self._client.get_account())
        return {str(account.currency or "USD"): Decimal(str(account.cash))}

    def close(self) -> None:
        with self._venue.lock:
            self._client._session.close()


def from_live_config(config: LiveConfig, keys: Mapping[str, str]) -> tuple[AlpacaBroker, Feed]:
    """`rustybt live --broker alpaca` (see `live_config.alpaca_from_live_config`)."""
    from rustybt.live.adapters.live_config import alpaca_from_live_config

    return alpaca_from_live_config(config, keys)
