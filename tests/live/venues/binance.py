"""A fake Binance spot REST API (the documented /api/v3 wire format) over a `Book`.

Signed endpoints check ``X-MBX-APIKEY`` and the HMAC-SHA256 ``signature`` of the
query/body, as Binance does. Errors are Binance's JSON ``{"code": -2010, "msg": ...}``
with its HTTP statuses (400 for request errors, 401 for keys, 429/418 with
Retry-After). Knobs for tests: ``duplicate_trades`` (myTrades repeats every
row), ``shuffle_trades`` (rows out of order).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tests.live.venues.book import Book, FakeOrder, FakeTrade, Reject
from tests.live.venues.http import FakeServer, Reply, Request

API_KEY = "test-binance-key"
SECRET = "test-binance-secret"

SYMBOLS = {"BTCUSDT": ("BTC", "USDT"), "ETHUSDT": ("ETH", "USDT")}
_TYPES = {
    "market": "MARKET",
    "limit": "LIMIT",
    "stop": "STOP_LOSS",
    "stop_limit": "STOP_LOSS_LIMIT",
}
_FROM_TYPES = {value: key for key, value in _TYPES.items()}
_STATUS = {
    "new": "NEW",
    "partially_filled": "PARTIALLY_FILLED",
    "filled": "FILLED",
    "canceled": "CANCELED",
    "replaced": "CANCELED",
    "expired": "EXPIRED",
    "rejected": "REJECTED",
}


def _d(value: Decimal | None) -> str:
    return f"{(value or Decimal(0)):.8f}"


def local_urls(base: str) -> dict[str, str]:
    """Every ``urls['api']`` entry of ccxt's binance pointed at ``base``: nothing leaves the machine."""
    from urllib.parse import urlsplit

    import ccxt

    return {
        name: base + urlsplit(url).path
        for name, url in ccxt.binance().urls["api"].items()
        if isinstance(url, str)
    }


def error(status: int, code: int, msg: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"code": code, "msg": msg}, headers or {})


@dataclass
class BinanceVenue:
    book: Book = field(default_factory=lambda: Book(split=lambda s: SYMBOLS[s]))
    duplicate_trades: bool = False
    shuffle_trades: bool = False
    klines: dict[str, list[list[Any]]] = field(default_factory=dict)
    server: FakeServer = field(init=False)

    def __post_init__(self) -> None:
        self.server = FakeServer(self.handle)
        self.book.balances.update({"USDT": Decimal("100000"), "BTC": Decimal(0), "ETH": Decimal(0)})
        self.book.marks.update({"BTCUSDT": Decimal("30000"), "ETHUSDT": Decimal("2000")})

    # --- HTTP -------------------------------------------------------------------
    def handle(self, request: Request) -> Reply:
        route = (request.method, request.path)
        public = {
            ("GET", "/api/v3/time"): self._time,
            ("GET", "/api/v3/exchangeInfo"): self._exchange_info,
            ("GET", "/api/v3/klines"): self._klines,
        }
        private = {
            ("POST", "/api/v3/order"): self._new_order,
            ("GET", "/api/v3/order"): self._get_order,
            ("DELETE", "/api/v3/order"): self._cancel_order,
            ("POST", "/api/v3/order/cancelReplace"): self._cancel_replace,
            ("GET", "/api/v3/openOrders"): self._open_orders,
            ("GET", "/api/v3/allOrders"): self._all_orders,
            ("GET", "/api/v3/myTrades"): self._my_trades,
            ("GET", "/api/v3/account"): self._account,
        }
        if route in public:
            return public[route](request.params)
        if route not in private:
            return error(404, -1000, f"unknown endpoint {request.method} {request.path}")
        denied = self._check_signature(request)
        if denied is not None:
            return denied
        try:
            with self.book.lock:
                return private[route](request.params)
        except KeyError as missing:
            return error(400, -1102, f"Mandatory parameter {missing} was not sent.")

    def _check_signature(self, request: Request) -> Reply | None:
        if request.headers.get("X-MBX-APIKEY") != API_KEY:
            return error(401, -2015, "Invalid API-key, IP, or permissions for action.")
        payload = request.raw_query if request.method in ("GET", "DELETE") else request.raw_body
        if "&signature=" not in payload:
            return error(400, -1102, "Mandatory parameter 'signature' was not sent.")
        signed, signature = payload.rsplit("&signature=", 1)
        expected = hmac.new(SECRET.encode(), signed.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature, expected):
            return error(400, -1022, "Signature for this request is not valid.")
        return None

    # --- public -----------------------------------------------------------------
    def _time(self, params: dict[str, str]) -> Reply:
        return Reply(200, {"serverTime": self.book.clock_ms()})

    def _exchange_info(self, params: dict[str, str]) -> Reply:
        symbols = [
            {
                "symbol": symbol,
                "status": "TRADING",
                "baseAsset": base,
                "baseAssetPrecision": 8,
                "quoteAsset": quote,
                "quotePrecision": 8,
                "quoteAssetPrecision": 8,
                "baseCommissionPrecision": 8,
                "quoteCommissionPrecision": 8,
                "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT"],
                "icebergAllowed": True,
                "ocoAllowed": True,
                "quoteOrderQtyMarketAllowed": True,
                "allowTrailingStop": False,
                "cancelReplaceAllowed": True,
                "isSpotTradingAllowed": True,
                "isMarginTradingAllowed": False,
                "filters": [
                    {
                        "filterType": "PRICE_FILTER",
                        "minPrice": "0.01000000",
                        "maxPrice": "1000000.00000000",
                        "tickSize": "0.01000000",
                    },
                    {
                        "filterType": "LOT_SIZE",
                        "minQty": "0.00001000",
                        "maxQty": "9000.00000000",
                        "stepSize": "0.00001000",
                    },
                    {
                        "filterType": "NOTIONAL",
                        "minNotional": "5.00000000",
                        "maxNotional": "9000000",
                    },
                ],
                "permissions": [],
                "permissionSets": [["SPOT"]],
                "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
                "allowedSelfTradePreventionModes": ["NONE", "EXPIRE_TAKER", "EXPIRE_MAKER"],
            }
            for symbol, (base, quote) in SYMBOLS.items()
        ]
        return Reply(
            200,
            {
                "timezone": "UTC",
                "serverTime": self.book.clock_ms(),
                "rateLimits": [],
                "exchangeFilters": [],
                "symbols": symbols,
            },
        )

    def _klines(self, params: dict[str, str]) -> Reply:
        rows = self.klines.get(params["symbol"], [])
        start = int(params.get("startTime", 0))
        end = int(params.get("endTime", 2**62))
        limit = int(params.get("limit", 500))
        chosen = [row for row in rows if start <= row[0] <= end][:limit]
        return Reply(200, chosen)

    # --- orders -----------------------------------------------------------------
    def order_json(self, order: FakeOrder) -> dict[str, Any]:
        return {
            "symbol": order.symbol,
            "orderId": int(order.venue_id),
            "orderListId": -1,
            "clientOrderId": order.client_id,
            "price": _d(order.limit),
            "origQty": _d(order.qty),
            "executedQty": _d(order.filled),
            "cummulativeQuoteQty": _d(order.quote_filled),
            "status": _STATUS[order.status],
            "timeInForce": "GTC",
            "type": _TYPES[order.type],
            "side": order.side.upper(),
            "stopPrice": _d(order.stop),
            "icebergQty": "0.00000000",
            "time": order.created_ms,
            "updateTime": order.updated_ms,
            "isWorking": order.status != "new" or order.type in ("market", "limit"),
            "workingTime": order.created_ms,
            "origQuoteOrderQty": "0.00000000",
            "selfTradePreventionMode": "NONE",
        }

    def _find(self, params: dict[str, str], id_key: str, client_key: str) -> FakeOrder | None:
        if id_key in params:
            order = self.book.orders.get(params[id_key])
        elif client_key in params:
            order = self.book.by_client_id(params[client_key])
        else:
            raise KeyError(f"'{id_key}' or '{client_key}'")
        return order if order is not None and order.symbol == params["symbol"] else None

    def _place(self, params: dict[str, str], *, replaces: FakeOrder | None = None) -> FakeOrder:
        if params["symbol"] not in SYMBOLS:
            raise Reject("symbol", "Invalid symbol.")
        kind = _FROM_TYPES.get(params["type"])
        if kind is None:
            raise Reject("invalid", f"Invalid order type {params['type']}.")
        return self.book.submit(
            client_id=params.get("newClientOrderId") or f"x-{len(self.book.orders)}",
            symbol=params["symbol"],
            side=params["side"].lower(),
            type=kind,
            qty=Decimal(params["quantity"]),
            limit=Decimal(params["price"]) if "price" in params else None,
            stop=Decimal(params["stopPrice"]) if "stopPrice" in params else None,
            replaces=replaces,
        )

    def _new_order(self, params: dict[str, str]) -> Reply:
        try:
            order = self._place(params)
        except Reject as reject:
            return _reject_reply(reject)
        body = self.order_json(order)
        body["transactTime"] = order.updated_ms
        body["fills"] = [
            {
                "price": _d(t.price),
                "qty": _d(t.qty),
                "commission": _d(t.commission),
                "commissionAsset": t.commission_asset,
                "tradeId": t.id,
            }
            for t in self.book.trades
            if t.order is order
        ]
        return Reply(200, body)

    def _get_order(self, params: dict[str, str]) -> Reply:
        order = self._find(params, "orderId", "origClientOrderId")
        if order is None:
            return error(400, -2013, "Order does not exist.")
        return Reply(200, self.order_json(order))

    def _cancel_order(self, params: dict[str, str]) -> Reply:
        order = self._find(params, "orderId", "origClientOrderId")
        if order is None or not order.is_open:
            return error(400, -2011, "Unknown order sent.")
        self.book.cancel(order)
        body = self.order_json(order)
        body["origClientOrderId"] = order.client_id
        body["clientOrderId"] = params.get("newClientOrderId", f"cancel-{order.venue_id}")
        return Reply(200, body)

    def _cancel_replace(self, params: dict[str, str]) -> Reply:
        if params.get("cancelReplaceMode") != "STOP_ON_FAILURE":
            return error(400, -1102, "cancelReplaceMode must be STOP_ON_FAILURE here.")
        old = self._find(params, "cancelOrderId", "cancelOrigClientOrderId")
        if old is None or not old.is_open:
            return Reply(
                400,
                {
                    "code": -2022,
                    "msg": "Order cancel-replace failed.",
                    "data": {
                        "cancelResult": "FAILURE",
                        "newOrderResult": "NOT_ATTEMPTED",
                        "cancelResponse": {"code": -2011, "msg": "Unknown order sent."},
                        "newOrderResponse": None,
                    },
                },
            )
        try:
            new = self._place(params, replaces=old)
        except Reject as reject:
            return Reply(
                400,
                {
                    "code": -2022,
                    "msg": "Order cancel-replace failed.",
                    "data": {
                        "cancelResult": "NOT_ATTEMPTED",
                        "newOrderResult": "FAILURE",
                        "cancelResponse": None,
                        "newOrderResponse": _reject_reply(reject).body,
                    },
                },
            )
        cancelled = self.order_json(old)
        cancelled["status"] = "CANCELED"
        return Reply(
            200,
            {
                "cancelResult": "SUCCESS",
                "newOrderResult": "SUCCESS",
                "cancelResponse": cancelled,
                "newOrderResponse": self.order_json(new),
            },
        )

    def _open_orders(self, params: dict[str, str]) -> Reply:
        symbol = params.get("symbol")
        return Reply(200, [self.order_json(o) for o in self.book.open_orders(symbol)])

    def _all_orders(self, params: dict[str, str]) -> Reply:
        symbol = params["symbol"]
        start = int(params.get("startTime", 0))
        rows = [
            self.order_json(o)
            for o in self.book.orders.values()
            if o.symbol == symbol and o.created_ms >= start
        ]
        return Reply(200, rows[: int(params.get("limit", 500))])

    def trade_json(self, trade: FakeTrade) -> dict[str, Any]:
        return {
            "symbol": trade.order.symbol,
            "id": trade.id,
            "orderId": int(trade.order.venue_id),
            "orderListId": -1,
            "price": _d(trade.price),
            "qty": _d(trade.qty),
            "quoteQty": _d(trade.qty * trade.price),
            "commission": _d(trade.commission),
            "commissionAsset": trade.commission_asset,
            "time": trade.time_ms,
            "isBuyer": trade.order.side == "buy",
            "isMaker": trade.order.type != "market",
            "isBestMatch": True,
        }

    def _my_trades(self, params: dict[str, str]) -> Reply:
        symbol = params["symbol"]
        from_id = int(params.get("fromId", 0))
        limit = int(params.get("limit", 500))
        rows = [self.trade_json(t) for t in self.book.trades if t.order.symbol == symbol]
        rows = [r for r in rows if r["id"] >= from_id][:limit]
        if self.duplicate_trades:
            rows = [r for r in rows for _ in range(2)]
        if self.shuffle_trades:
            rows.reverse()
        return Reply(200, rows)

    def _account(self, params: dict[str, str]) -> Reply:
        balances = [
            {
                "asset": asset,
                "free": _d(self.book.free(asset)),
                "locked": _d(self.book.locked(asset)),
            }
            for asset in sorted(self.book.balances)
        ]
        return Reply(
            200,
            {
                "makerCommission": 10,
                "takerCommission": 10,
                "buyerCommission": 0,
                "sellerCommission": 0,
                "canTrade": True,
                "canWithdraw": True,
                "canDeposit": True,
                "brokered": False,
                "requireSelfTradePrevention": False,
                "preventSor": False,
                "updateTime": self.book.clock_ms(),
                "accountType": "SPOT",
                "balances": balances,
                "permissions": ["SPOT"],
                "uid": 354937868,
            },
        )

    # --- test controls ------------------------------------------------------------
    def place_external(
        self, client_id: str, symbol: str, side: str, qty: str, price: str
    ) -> FakeOrder:
        """An order placed outside rustybt (the venue's web page)."""
        return self.book.place_external(client_id, symbol, side, qty, price)


def _reject_reply(reject: Reject) -> Reply:
    if reject.kind == "insufficient":
        return error(400, -2010, reject.message)
    if reject.kind == "symbol":
        return error(400, -1121, reject.message)
    if reject.kind == "duplicate":
        return error(400, -2010, reject.message)
    return error(400, -1013, reject.message)
