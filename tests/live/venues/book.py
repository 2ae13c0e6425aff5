"""The books of a fake venue: orders, trades and balances, in exact decimals.

Venue-neutral: the Binance and Alpaca fakes translate their wire formats to and
from these records. Market orders fill at once at the symbol's mark price;
resting orders fill only when a test calls `Book.fill` (partial or whole), so
every fill in a test is one the test asked for.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

OPEN_STATES = ("new", "partially_filled")


class Reject(Exception):
    """The venue refuses a request; ``kind`` says why (the fakes map it to wire errors)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # insufficient | invalid | duplicate | not_found | not_open
        self.message = message


@dataclass
class FakeOrder:
    venue_id: str
    client_id: str
    symbol: str
    side: str  # buy | sell
    type: str  # market | limit | stop | stop_limit
    qty: Decimal
    limit: Decimal | None
    stop: Decimal | None
    tif: str
    created_ms: int
    status: str = "new"
    filled: Decimal = Decimal(0)
    quote_filled: Decimal = Decimal(0)
    updated_ms: int = 0
    replaced_by: str | None = None
    replaces: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    @property
    def average(self) -> Decimal | None:
        return self.quote_filled / self.filled if self.filled else None


@dataclass
class FakeTrade:
    id: int
    order: FakeOrder
    qty: Decimal
    price: Decimal
    commission: Decimal
    commission_asset: str
    time_ms: int
    cum_qty: Decimal = Decimal(0)


@dataclass
class Book:
    split: Callable[[str], tuple[str, str]]  # symbol -> (base asset, quote asset)
    balances: dict[str, Decimal] = field(default_factory=dict)
    marks: dict[str, Decimal] = field(default_factory=dict)
    fee_rate: Decimal = Decimal("0.001")
    orders: dict[str, FakeOrder] = field(default_factory=dict)  # venue id -> order
    trades: list[FakeTrade] = field(default_factory=list)
    submissions: Counter[str] = field(default_factory=Counter)  # client id -> times submitted
    new_venue_id: Callable[[], str] = field(default_factory=lambda: _counter_ids(1000))
    lock: threading.RLock = field(default_factory=threading.RLock)
    _trade_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    clock_ms: Callable[[], int] = field(default=lambda: int(time.time() * 1000))

    # --- lookups ----------------------------------------------------------------
    def by_client_id(self, client_id: str) -> FakeOrder | None:
        # the latest order with this id (a client id may be reused once an order is closed)
        found = [o for o in self.orders.values() if o.client_id == client_id]
        return found[-1] if found else None

    def open_orders(self, symbol: str | None = None) -> list[FakeOrder]:
        return [
            o for o in self.orders.values() if o.is_open and (symbol is None or o.symbol == symbol)
        ]

    def free(self, asset: str) -> Decimal:
        return self.balances.get(asset, Decimal(0)) - self.locked(asset)

    def locked(self, asset: str) -> Decimal:
        total = Decimal(0)
        for order in self.open_orders():
            base, quote = self.split(order.symbol)
            remaining = order.qty - order.filled
            if order.side == "sell" and asset == base:
                total += remaining
            elif order.side == "buy" and asset == quote:
                price = order.limit or order.stop or self.marks.get(order.symbol, Decimal(0))
                total += remaining * price * (1 + self.fee_rate)
        return total

    # --- commands ---------------------------------------------------------------
    def place_external(
        self, client_id: str, symbol: str, side: str, qty: str, price: str, tif: str = "gtc"
    ) -> FakeOrder:
        """A limit order placed outside rustybt (the venue's web page or dashboard)."""
        return self.submit(
            client_id=client_id,
            symbol=symbol,
            side=side,
            type="limit",
            qty=Decimal(qty),
            limit=Decimal(price),
            tif=tif,
        )

    def submit(
        self,
        *,
        client_id: str,
        symbol: str,
        side: str,
        type: str,
        qty: Decimal,
        limit: Decimal | None = None,
        stop: Decimal | None = None,
        tif: str = "gtc",
        replaces: FakeOrder | None = None,
    ) -> FakeOrder:
        with self.lock:
            self.submissions[client_id] += 1
            existing = self.by_client_id(client_id)
            if existing is not None and existing.is_open:
                raise Reject("duplicate", "Duplicate order sent.")
            if qty <= 0:
                raise Reject("invalid", "Invalid quantity.")
            if type in ("limit", "stop_limit") and (limit is None or limit <= 0):
                raise Reject("invalid", "Invalid price.")
            base, quote = self.split(symbol)
            price = limit or stop or self.marks.get(symbol)
            if price is None:
                raise Reject("invalid", "No price for a market order.")
            released = Decimal(0)
            if replaces is not None:
                released = (replaces.qty - replaces.filled) * (
                    replaces.limit or self.marks.get(symbol, Decimal(0))
                )
            if side == "buy":
                needed = qty * price * (1 + self.fee_rate)
                if needed > self.free(quote) + released * (1 + self.fee_rate):
                    raise Reject(
                        "insufficient", "Account has insufficient balance for requested action."
                    )
            elif qty > self.free(base) + (replaces.qty - replaces.filled if replaces else 0):
                raise Reject(
                    "insufficient", "Account has insufficient balance for requested action."
                )
            now = self.clock_ms()
            order = FakeOrder(
                venue_id=self.new_venue_id(),
                client_id=client_id,
                symbol=symbol,
                side=side,
                type=type,
                qty=qty,
                limit=limit,
                stop=stop,
                tif=tif,
                created_ms=now,
                updated_ms=now,
                replaces=replaces.venue_id if replaces else None,
            )
            if replaces is not None:
                replaces.status = "replaced"
                replaces.replaced_by = order.venue_id
                replaces.updated_ms = now
            self.orders[order.venue_id] = order
            if type == "market":
                self.fill(order, qty, self.marks[symbol])
            return order

    def fill(self, order: FakeOrder, qty: Decimal, price: Decimal) -> FakeTrade:
        with self.lock:
            if not order.is_open:
                raise Reject("not_open", "order is not open")
            qty = min(qty, order.qty - order.filled)
            base, quote = self.split(order.symbol)
            notional = qty * price
            fee = (notional * self.fee_rate).quantize(Decimal("0.00000001"))
            sign = 1 if order.side == "buy" else -1
            self.balances[base] = self.balances.get(base, Decimal(0)) + sign * qty
            self.balances[quote] = self.balances.get(quote, Decimal(0)) - sign * notional - fee
            order.filled += qty
            order.quote_filled += notional
            order.status = "filled" if order.filled == order.qty else "partially_filled"
            order.updated_ms = self.clock_ms()
            trade = FakeTrade(
                id=next(self._trade_ids),
                order=order,
                qty=qty,
                price=price,
                commission=fee,
                commission_asset=quote,
                time_ms=order.updated_ms,
                cum_qty=order.filled,
            )
            self.trades.append(trade)
            return trade

    def fill_client(self, client_id: str, qty: Decimal, price: Decimal) -> FakeTrade:
        order = self.by_client_id(client_id)
        if order is None:
            raise Reject("not_found", f"no order {client_id}")
        return self.fill(order, qty, price)

    def cancel(self, order: FakeOrder) -> FakeOrder:
        with self.lock:
            if not order.is_open:
                raise Reject("not_open", "Unknown order sent.")
            order.status = "canceled"
            order.updated_ms = self.clock_ms()
            return order


def _counter_ids(start: int) -> Callable[[], str]:
    numbers = itertools.count(start)
    return lambda: str(next(numbers))
