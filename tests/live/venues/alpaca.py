"""A fake Alpaca Trading API v2 (its documented JSON wire format) over a `Book`.

Auth is Alpaca's ``APCA-API-KEY-ID`` / ``APCA-API-SECRET-KEY`` headers; errors
are ``{"code": 40310000, "message": "insufficient buying power"}`` with Alpaca's
statuses (403 buying power, 404 not found, 422 unprocessable, 429 rate limit).
Order ids are UUIDs; fills are account activities of type FILL whose ids sort in
time order, paged with ``page_token`` as Alpaca does.

Market data (``GET /v2/stocks/bars?symbols=A,B&timeframe=1Min&start=...``) answers
Alpaca's documented ``{"bars": {"AAPL": [{"t", "o", "h", "l", "c", "v", "n", "vw"}]},
"next_page_token": ...}``, ``bars_page`` bars per page, from ``bars`` (open time in
ms, open, high, low, close, volume), served as given: like Alpaca, a bar still
forming is served too if the test put it there.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tests.live.venues.book import Book, FakeOrder, FakeTrade, Reject
from tests.live.venues.http import FakeServer, Reply, Request

API_KEY = "test-alpaca-key"
SECRET = "test-alpaca-secret"
ACCOUNT_ID = "11111111-2222-3333-4444-555555555555"
SYMBOLS = ("AAPL", "MSFT")


def _uuid_ids() -> Any:
    numbers = itertools.count(0xA1)
    return lambda: str(uuid.UUID(int=next(numbers)))


def _iso(millis: int | None) -> str | None:
    if millis is None:
        return None
    return dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC).isoformat().replace("+00:00", "Z")


def _s(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def error(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"code": code, "message": message}, headers or {})


def _split(symbol: str) -> tuple[str, str]:
    if symbol not in SYMBOLS:
        raise Reject("symbol", f"asset {symbol} not found")
    return symbol, "USD"


@dataclass
class AlpacaVenue:
    book: Book = field(
        default_factory=lambda: Book(split=_split, fee_rate=Decimal(0), new_venue_id=_uuid_ids())
    )
    duplicate_fills: bool = False
    shuffle_fills: bool = False
    bars: dict[str, list[tuple[int, float, float, float, float, float]]] = field(
        default_factory=dict
    )
    bar_timeframe: str = "1Min"
    bars_page: int = 2
    bar_requests: int = 0
    server: FakeServer = field(init=False)

    def __post_init__(self) -> None:
        self.server = FakeServer(self.handle)
        self.book.balances.update(
            {"USD": Decimal("100000"), "AAPL": Decimal(0), "MSFT": Decimal(0)}
        )
        self.book.marks.update({"AAPL": Decimal("190.50"), "MSFT": Decimal("410.25")})

    # --- HTTP -------------------------------------------------------------------
    def handle(self, request: Request) -> Reply:
        if (
            request.headers.get("APCA-API-KEY-ID") != API_KEY
            or request.headers.get("APCA-API-SECRET-KEY") != SECRET
        ):
            return error(401, 40110000, "request is not authorized")
        path, method = request.path, request.method
        with self.book.lock:
            if path == "/v2/account" and method == "GET":
                return self._account()
            if path == "/v2/positions" and method == "GET":
                return Reply(200, [self._position(s) for s in SYMBOLS if self.book.balances[s]])
            if path == "/v2/stocks/bars" and method == "GET":
                return self._bars(request.params)
            if path == "/v2/account/activities/FILL" and method == "GET":
                return self._activities(request.params)
            if path == "/v2/orders" and method == "POST":
                return self._submit(request.json or {})
            if path == "/v2/orders" and method == "GET":
                return self._orders(request.params)
            if path == "/v2/orders:by_client_order_id" and method == "GET":
                order = self.book.by_client_id(request.params.get("client_order_id", ""))
                return Reply(200, self.order_json(order)) if order else _not_found()
            if path.startswith("/v2/orders/"):
                order = self.book.orders.get(path.rsplit("/", 1)[1])
                if order is None:
                    return _not_found()
                if method == "GET":
                    return Reply(200, self.order_json(order))
                if method == "DELETE":
                    return self._cancel(order)
                if method == "PATCH":
                    return self._replace(order, request.json or {})
        return error(404, 40410000, f"endpoint not found: {method} {path}")

    # --- records ------------------------------------------------------------------
    def order_json(self, order: FakeOrder) -> dict[str, Any]:
        status = order.status
        done = {"filled": "filled_at", "canceled": "canceled_at", "replaced": "replaced_at"}
        body: dict[str, Any] = {
            "id": order.venue_id,
            "client_order_id": order.client_id,
            "created_at": _iso(order.created_ms),
            "updated_at": _iso(order.updated_ms),
            "submitted_at": _iso(order.created_ms),
            "filled_at": None,
            "expired_at": None,
            "canceled_at": None,
            "failed_at": None,
            "replaced_at": None,
            "replaced_by": order.replaced_by,
            "replaces": order.replaces,
            "asset_id": str(uuid.uuid5(uuid.NAMESPACE_DNS, order.symbol)),
            "symbol": order.symbol,
            "asset_class": "us_equity",
            "notional": None,
            "qty": _s(order.qty),
            "filled_qty": _s(order.filled),
            "filled_avg_price": _s(order.average),
            "order_class": "",
            "order_type": order.type,
            "type": order.type,
            "side": order.side,
            "time_in_force": order.tif,
            "limit_price": _s(order.limit),
            "stop_price": _s(order.stop),
            "status": status,
            "extended_hours": False,
            "legs": None,
            "trail_percent": None,
            "trail_price": None,
            "hwm": None,
        }
        if status in done:
            body[done[status]] = _iso(order.updated_ms)
        return body

    def _position(self, symbol: str) -> dict[str, Any]:
        qty = self.book.balances[symbol]
        mark = self.book.marks[symbol]
        return {
            "asset_id": str(uuid.uuid5(uuid.NAMESPACE_DNS, symbol)),
            "symbol": symbol,
            "exchange": "NASDAQ",
            "asset_class": "us_equity",
            "asset_marginable": True,
            "avg_entry_price": _s(mark),
            "qty": _s(qty),
            "side": "long" if qty > 0 else "short",
            "market_value": _s(qty * mark),
            "cost_basis": _s(qty * mark),
            "unrealized_pl": "0",
            "unrealized_plpc": "0",
            "unrealized_intraday_pl": "0",
            "unrealized_intraday_plpc": "0",
            "current_price": _s(mark),
            "lastday_price": _s(mark),
            "change_today": "0",
            "qty_available": _s(qty - self.book.locked(symbol)),
        }

    def _account(self) -> Reply:
        cash = self.book.balances["USD"]
        equity = cash + sum(
            (self.book.balances[s] * self.book.marks[s] for s in SYMBOLS), Decimal(0)
        )
        return Reply(
            200,
            {
                "id": ACCOUNT_ID,
                "account_number": "PA1234567",
                "status": "ACTIVE",
                "crypto_status": "ACTIVE",
                "currency": "USD",
                "buying_power": _s(self.book.free("USD")),
                "regt_buying_power": _s(self.book.free("USD")),
                "daytrading_buying_power": "0",
                "non_marginable_buying_power": _s(self.book.free("USD")),
                "cash": _s(cash),
                "accrued_fees": "0",
                "portfolio_value": _s(equity),
                "pattern_day_trader": False,
                "trading_blocked": False,
                "transfers_blocked": False,
                "account_blocked": False,
                "created_at": "2024-01-02T14:30:00Z",
                "trade_suspended_by_user": False,
                "multiplier": "1",
                "shorting_enabled": False,
                "equity": _s(equity),
                "last_equity": _s(equity),
                "long_market_value": _s(equity - cash),
                "short_market_value": "0",
                "initial_margin": "0",
                "maintenance_margin": "0",
                "last_maintenance_margin": "0",
                "sma": "0",
                "daytrade_count": 0,
            },
        )

    def activity_id(self, trade: FakeTrade) -> str:
        return f"{trade.time_ms:017d}{trade.id:06d}::{uuid.UUID(int=trade.id)}"

    def activity_json(self, trade: FakeTrade) -> dict[str, Any]:
        order = trade.order
        return {
            "id": self.activity_id(trade),
            "activity_type": "FILL",
            "transaction_time": _iso(trade.time_ms),
            "type": "fill" if trade.cum_qty == order.qty else "partial_fill",
            "price": _s(trade.price),
            "qty": _s(trade.qty),
            "side": order.side,
            "symbol": order.symbol,
            "leaves_qty": _s(order.qty - trade.cum_qty),
            "order_id": order.venue_id,
            "cum_qty": _s(trade.cum_qty),
            "order_status": "filled" if trade.cum_qty == order.qty else "partially_filled",
        }

    # --- endpoints ----------------------------------------------------------------
    def _submit(self, body: dict[str, Any]) -> Reply:
        try:
            order = self.book.submit(
                client_id=str(body.get("client_order_id") or uuid.uuid4()),
                symbol=str(body["symbol"]),
                side=str(body["side"]),
                type=str(body["type"]),
                qty=Decimal(str(body["qty"])),
                limit=Decimal(str(body["limit_price"])) if "limit_price" in body else None,
                stop=Decimal(str(body["stop_price"])) if "stop_price" in body else None,
                tif=str(body.get("time_in_force", "day")),
            )
        except Reject as reject:
            return _reject(reject, body)
        except KeyError as missing:
            return error(422, 40010000, f"{missing} is required")
        return Reply(200, self.order_json(order))

    def _orders(self, params: dict[str, str]) -> Reply:
        wanted = params.get("status", "open")
        after = params.get("after")
        after_ms = (
            int(dt.datetime.fromisoformat(after.replace("Z", "+00:00")).timestamp() * 1000)
            if after
            else None
        )
        rows = [
            o
            for o in self.book.orders.values()
            if (wanted == "all" or (wanted == "open") == o.is_open)
            and (after_ms is None or o.created_ms > after_ms)
        ]
        if params.get("direction", "desc") == "desc":
            rows.reverse()
        return Reply(200, [self.order_json(o) for o in rows[: int(params.get("limit", 50))]])

    def _cancel(self, order: FakeOrder) -> Reply:
        if not order.is_open:
            return error(422, 42210000, f'order is already in "{order.status}" state')
        self.book.cancel(order)
        return Reply(204, None)

    def _replace(self, order: FakeOrder, body: dict[str, Any]) -> Reply:
        if not order.is_open:
            return error(422, 42210000, f'order is already in "{order.status}" state')
        try:
            new = self.book.submit(
                client_id=str(body.get("client_order_id") or uuid.uuid4()),
                symbol=order.symbol,
                side=order.side,
                type=order.type,
                qty=Decimal(str(body.get("qty", order.qty - order.filled))),
                limit=Decimal(str(body["limit_price"])) if "limit_price" in body else order.limit,
                stop=Decimal(str(body["stop_price"])) if "stop_price" in body else order.stop,
                tif=str(body.get("time_in_force", order.tif)),
                replaces=order,
            )
        except Reject as reject:
            return _reject(reject, body)
        return Reply(200, self.order_json(new))

    def _activities(self, params: dict[str, str]) -> Reply:
        rows = sorted((self.activity_json(t) for t in self.book.trades), key=lambda r: r["id"])
        if params.get("direction", "desc") == "desc":
            rows.reverse()
        token = params.get("page_token")
        if token:
            ascending = params.get("direction", "desc") == "asc"
            rows = [r for r in rows if (r["id"] > token if ascending else r["id"] < token)]
        rows = rows[: int(params.get("page_size", 100))]
        if self.duplicate_fills:
            rows = [r for r in rows for _ in range(2)]
        if self.shuffle_fills:
            rows.reverse()
        return Reply(200, rows)

    def _bars(self, params: dict[str, str]) -> Reply:
        self.bar_requests += 1
        if params.get("timeframe") != self.bar_timeframe:
            return error(422, 42210000, f"invalid timeframe {params.get('timeframe')!r}")
        start = params.get("start")
        start_ms = (
            int(dt.datetime.fromisoformat(start.replace("Z", "+00:00")).timestamp() * 1000)
            if start
            else 0
        )
        symbols = sorted(s for s in params.get("symbols", "").split(",") if s)
        rows = [
            (symbol, bar)
            for symbol in symbols
            for bar in sorted(self.bars.get(symbol, []))
            if bar[0] >= start_ms
        ]
        offset = int(params.get("page_token") or 0)
        size = min(self.bars_page, int(params.get("limit") or self.bars_page))
        page = rows[offset : offset + size]
        found: dict[str, list[dict[str, Any]]] = {}
        for symbol, (opened, o, h, low, c, v) in page:
            found.setdefault(symbol, []).append(
                {"t": _iso(opened), "o": o, "h": h, "l": low, "c": c, "v": v, "n": 1, "vw": c}
            )
        more = offset + size < len(rows)
        return Reply(200, {"bars": found, "next_page_token": str(offset + size) if more else None})

    # --- test controls ------------------------------------------------------------
    def place_external(
        self, client_id: str, symbol: str, side: str, qty: str, price: str
    ) -> FakeOrder:
        """An order placed outside rustybt (Alpaca's dashboard)."""
        return self.book.place_external(client_id, symbol, side, qty, price, tif="day")


def _not_found() -> Reply:
    return error(404, 40410000, "order not found")


def _reject(reject: Reject, body: dict[str, Any]) -> Reply:
    if reject.kind == "insufficient":
        if body.get("side") == "sell":
            return error(403, 40310000, "insufficient qty available for order")
        return error(403, 40310000, "insufficient buying power")
    if reject.kind == "duplicate":
        return error(422, 40010001, "client_order_id must be unique")
    if reject.kind == "symbol":
        return error(422, 40010001, reject.message)
    return error(422, 40010001, reject.message)
