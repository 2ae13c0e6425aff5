"""`PaperBroker`: a simulated venue that fills from the live bars with the engine's own
matching, slippage, commission and volume models (the backtest's `Blotter`).

It keeps its books (orders, fills, cash, positions) in its own SQLite file, so a
paper account survives restarts like a real one. The runner pushes each bar to
it with `on_bar` before the strategy sees the bar, exactly where the backtest
matches resting orders, which is why paper trading a replay equals the backtest.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pandas as pd

from rustybt.assets import Asset
from rustybt.data.bars import BarPanel
from rustybt.engine.blotter import Blotter
from rustybt.engine.execution import CommissionModel, SlippageModel
from rustybt.engine.ledger import Ledger
from rustybt.engine.orders import Order, OrderStatus, OrderType, TimeInForce
from rustybt.errors import BrokerError, OrderError, OrderRejected
from rustybt.live.broker import (
    CommandResult,
    OrderRequest,
    Outcome,
    VenueFill,
    VenueOrder,
    VenueOrderStatus,
)
from rustybt.money import to_decimal

__all__ = ["PaperBroker"]

_STATUS = {
    OrderStatus.OPEN: VenueOrderStatus.OPEN,
    OrderStatus.PARTIALLY_FILLED: VenueOrderStatus.PARTIALLY_FILLED,
    OrderStatus.FILLED: VenueOrderStatus.FILLED,
    OrderStatus.CANCELLED: VenueOrderStatus.CANCELLED,
    OrderStatus.EXPIRED: VenueOrderStatus.EXPIRED,
    OrderStatus.REJECTED: VenueOrderStatus.REJECTED,
}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fills (row INTEGER PRIMARY KEY, fill TEXT NOT NULL);
"""


def _order_state(order: Order, reference: dict[str, str]) -> str:
    return json.dumps(
        {
            "symbol": order.asset.symbol,
            "quantity": str(order.quantity),
            "created": order.created.isoformat(),
            "created_bar": order.created_bar,
            "type": str(order.order_type),
            "limit": None if order.limit_price is None else str(order.limit_price),
            "stop": None if order.stop_price is None else str(order.stop_price),
            "tif": str(order.time_in_force),
            "expires_bar": order.expires_bar,
            "status": str(order.status),
            "filled": str(order.filled),
            "fill_value": str(order.fill_value),
            "commission": str(order.commission),
            "stop_triggered": order.stop_triggered,
            "closed": None if order.closed_at is None else order.closed_at.isoformat(),
            "reason": order.reason,
            "fills": order.fills,
            "venue_id": reference.get(order.id),
        }
    )


class PaperBroker:
    """The built-in simulated broker (see the module docstring)."""

    name = "paper"

    def __init__(
        self,
        *,
        capital: float | Decimal = 1_000_000,
        path: str | Path | None = None,
        currency: str = "USD",
        slippage: SlippageModel | None = None,
        commission: CommissionModel | None = None,
        volume_limit: float | None = 0.025,
        check_cash: bool = False,
    ) -> None:
        self.capital = to_decimal(capital)
        self.currency = currency
        self._costs = (slippage, commission, volume_limit, check_cash)
        self._db = sqlite3.connect(
            ":memory:" if path is None else str(path), isolation_level=None, check_same_thread=False
        )
        if path is not None:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._blotter: Blotter | None = None
        self._orders: dict[str, Order] = {}
        self._venue_ids: dict[str, str] = {}
        self._fills: list[VenueFill] = []
        self._bar = -1
        self._expiry: Callable[[int], int] = lambda bar: bar + 1
        self._by_symbol: dict[str, Asset] = {}

    # -- wiring ------------------------------------------------------------------
    def attach(self, panel: BarPanel, day_order_expiry: Callable[[int], int]) -> None:
        """Trade on ``panel``'s bars (the runner's live panel) and restore saved books."""
        slippage, commission, volume_limit, check_cash = self._costs
        self._blotter = Blotter(
            panel,
            Ledger(self.capital),
            slippage=slippage,
            commission=commission,
            volume_limit=volume_limit,
            check_cash=check_cash,
        )
        self._expiry = day_order_expiry
        self._by_symbol = {a.symbol: a for a in panel.assets}
        self._restore()

    def configure(
        self,
        *,
        slippage: SlippageModel,
        commission: CommissionModel,
        volume_limit: float | None,
        check_cash: bool,
    ) -> None:
        """Use the strategy's cost models (``set_slippage`` etc. in ``initialize``)."""
        blotter = self._require()
        blotter.slippage, blotter.commission = slippage, commission
        blotter.volume_limit, blotter.check_cash = volume_limit, check_cash

    def _require(self) -> Blotter:
        if self._blotter is None:
            raise BrokerError(
                "the paper broker has no bars yet",
                hint="attach it to a feed: LiveRunner does this when it starts",
            )
        return self._blotter

    @property
    def last_bar(self) -> int:
        return self._bar

    # -- the venue's clock ---------------------------------------------------------
    def on_bar(self, bar: int, *, market_at_close: bool = False) -> None:
        """Match resting orders against bar ``bar`` (each bar once, also after a restart)."""
        blotter = self._require()
        before, was_open = len(blotter.fills), list(blotter.open_orders)
        if market_at_close:
            if was_open:
                blotter.process_bar(bar, market_at_close=True)
        else:
            if bar <= self._bar:
                return
            # Bars missed while the process was down are matched in order, as a venue would.
            for missed in range(self._bar + 1, bar + 1):
                if blotter.open_orders:
                    blotter.process_bar(missed)
            self._bar = bar
        self._persist(before, was_open)

    def _persist(self, fills_before: int, was_open: list[Order]) -> None:
        blotter = self._require()
        log = blotter.fills
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            touched: set[str] = set()
            for row, booked in enumerate(log.rows(fills_before), start=fills_before):
                bar, symbol, quantity, price, commission, _, order_id, reference, _ = booked
                order = self._orders[order_id]
                touched.add(order.id)
                fill = VenueFill(
                    trade_id=f"{order.id}:{row}",
                    client_order_id=order.id,
                    venue_order_id=self._venue_ids[order.id],
                    symbol=symbol,
                    side="buy" if quantity > 0 else "sell",
                    quantity=abs(quantity),
                    price=price,
                    commission=commission,
                    commission_asset=self.currency,
                    timestamp=blotter.timestamp(bar),
                    reference_price=to_decimal(reference),
                )
                self._fills.append(fill)
                db.execute(
                    "INSERT INTO fills VALUES(?, ?)", (len(self._fills) - 1, _fill_json(fill))
                )
            touched.update(o.id for o in was_open)
            for order_id in touched:
                self._save(self._orders[order_id])
            db.execute("INSERT OR REPLACE INTO meta VALUES('last_bar', ?)", (str(self._bar),))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _save(self, order: Order) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO orders VALUES(?, ?)",
            (order.id, _order_state(order, self._venue_ids)),
        )

    # -- commands ------------------------------------------------------------------
    def submit(self, request: OrderRequest) -> CommandResult:
        blotter = self._require()
        if request.client_order_id in self._orders:
            # A venue refuses a reused client order id: this is what stops a double send.
            return CommandResult(
                Outcome.DONE,
                self._view(self._orders[request.client_order_id]),
                OrderRejected(
                    f"duplicate client order id {request.client_order_id}",
                    context={"client_order_id": request.client_order_id},
                ),
            )
        asset = self._by_symbol.get(request.symbol)
        if asset is None:
            return CommandResult(
                Outcome.FAILED,
                error=OrderError(
                    f"the paper broker has no bars for {request.symbol!r}",
                    context={"symbol": request.symbol},
                ),
            )
        bar = max(self._bar, 0)
        signed = request.quantity if request.side == "buy" else -request.quantity
        tif = TimeInForce(request.time_in_force)
        order = Order(
            id=request.client_order_id,
            asset=asset,
            quantity=signed,
            created=blotter.timestamp(bar),
            created_bar=bar,
            decision_price=0.0,
            order_type=OrderType(request.order_type),
            limit_price=request.limit_price,
            stop_price=request.stop_price,
            time_in_force=tif,
            expires_bar=self._expiry(bar) if tif is TimeInForce.DAY else None,
        )
        self._orders[order.id] = order
        self._venue_ids[order.id] = f"P{len(self._orders)}"
        blotter.submit(order)
        self._save(order)
        return CommandResult(Outcome.DONE, self._view(order))

    def cancel(self, client_order_id: str) -> CommandResult:
        blotter = self._require()
        order = self._orders.get(client_order_id)
        if order is None:
            return CommandResult(
                Outcome.DONE,
                error=OrderError(
                    f"order {client_order_id} not found",
                    context={"client_order_id": client_order_id},
                ),
            )
        if order.is_open:
            blotter.cancel(order, blotter.timestamp(max(self._bar, 0)))
            self._save(order)
        return CommandResult(Outcome.DONE, self._view(order))

    def modify(self, client_order_id: str, replacement: OrderRequest) -> CommandResult:
        """Cancel-replace: the replacement carries its own client order id."""
        cancelled = self.cancel(client_order_id)
        if cancelled.error is not None:
            return cancelled
        return self.submit(replacement)

    # -- queries -------------------------------------------------------------------
    def _view(self, order: Order) -> VenueOrder:
        return VenueOrder(
            client_order_id=order.id,
            venue_order_id=self._venue_ids.get(order.id),
            symbol=order.asset.symbol,
            side="buy" if order.quantity > 0 else "sell",
            quantity=abs(order.quantity),
            filled_quantity=abs(order.filled),
            average_price=order.average_price,
            status=_STATUS[order.status],
            order_type=str(order.order_type),
            limit_price=order.limit_price,
            stop_price=order.stop_price,
            created_at=order.created,
            reason=order.reason,
        )

    def order_status(self, client_order_id: str) -> VenueOrder | None:
        order = self._orders.get(client_order_id)
        return None if order is None else self._view(order)

    def open_orders(self) -> list[VenueOrder]:
        return [self._view(o) for o in self._require().open_orders]

    def recent_orders(self, since: pd.Timestamp) -> list[VenueOrder]:
        return [self._view(o) for o in self._orders.values() if o.created >= since]

    def fills_since(self, cursor: str | None) -> tuple[list[VenueFill], str | None]:
        start = 0 if cursor is None else int(cursor)
        return self._fills[start:], str(len(self._fills))

    def positions(self) -> dict[str, Decimal]:
        ledger = self._require().ledger
        return {a.symbol: p.quantity for a, p in ledger.positions.items()}

    def balances(self) -> dict[str, Decimal]:
        return {self.currency: self._require().ledger.cash}

    def close(self) -> None:
        self._db.close()

    # -- restart ---------------------------------------------------------------------
    def _restore(self) -> None:
        blotter = self._require()
        row = self._db.execute("SELECT value FROM meta WHERE key = 'last_bar'").fetchone()
        self._bar = int(row[0]) if row else -1
        for order_id, text in self._db.execute("SELECT id, state FROM orders ORDER BY rowid"):
            state = json.loads(text)
            asset = self._by_symbol[state["symbol"]]
            order = Order(
                id=order_id,
                asset=asset,
                quantity=Decimal(state["quantity"]),
                created=pd.Timestamp(state["created"]),
                created_bar=int(state["created_bar"]),
                decision_price=0.0,
                order_type=OrderType(state["type"]),
                limit_price=None if state["limit"] is None else Decimal(state["limit"]),
                stop_price=None if state["stop"] is None else Decimal(state["stop"]),
                time_in_force=TimeInForce(state["tif"]),
                expires_bar=state["expires_bar"],
                status=OrderStatus(state["status"]),
                filled=Decimal(state["filled"]),
                fill_value=Decimal(state["fill_value"]),
                commission=Decimal(state["commission"]),
                stop_triggered=bool(state["stop_triggered"]),
                closed_at=None if state["closed"] is None else pd.Timestamp(state["closed"]),
                reason=state["reason"],
                fills=int(state["fills"]),
            )
            self._orders[order_id] = order
            self._venue_ids[order_id] = state["venue_id"] or f"P{len(self._orders)}"
            blotter.all_orders.append(order)
            if order.is_open:
                blotter.open_orders.append(order)
                blotter._pending[asset] = blotter.pending(asset) + order.remaining
        ledger = blotter.ledger
        for (text,) in self._db.execute("SELECT fill FROM fills ORDER BY row"):
            fill = _fill_from_json(text)
            self._fills.append(fill)
            signed = fill.quantity if fill.side == "buy" else -fill.quantity
            reference = fill.reference_price if fill.reference_price is not None else fill.price
            ledger.apply_fill(
                self._by_symbol[fill.symbol],
                signed,
                fill.price,
                fill.commission,
                abs(signed) * abs(fill.price - reference),
            )


def _fill_json(fill: VenueFill) -> str:
    return json.dumps(
        {
            "trade_id": fill.trade_id,
            "client_order_id": fill.client_order_id,
            "venue_order_id": fill.venue_order_id,
            "symbol": fill.symbol,
            "side": fill.side,
            "quantity": str(fill.quantity),
            "price": str(fill.price),
            "commission": str(fill.commission),
            "commission_asset": fill.commission_asset,
            "timestamp": fill.timestamp.isoformat(),
            "reference_price": None if fill.reference_price is None else str(fill.reference_price),
        }
    )


def _fill_from_json(text: str) -> VenueFill:
    raw = json.loads(text)
    return VenueFill(
        trade_id=raw["trade_id"],
        client_order_id=raw["client_order_id"],
        venue_order_id=raw["venue_order_id"],
        symbol=raw["symbol"],
        side="buy" if raw["side"] == "buy" else "sell",
        quantity=Decimal(raw["quantity"]),
        price=Decimal(raw["price"]),
        commission=Decimal(raw["commission"]),
        commission_asset=raw["commission_asset"],
        timestamp=pd.Timestamp(raw["timestamp"]),
        reference_price=None if raw["reference_price"] is None else Decimal(raw["reference_price"]),
    )
