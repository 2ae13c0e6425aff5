"""The simulated exchange: matches resting orders against each bar and books the fills.

Kept free of strategy concerns: it sees orders, bars and the ledger, nothing else,
so the live paper broker can reuse the same matching rules.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from rustybt.assets import Asset
from rustybt.data.bars import BarPanel
from rustybt.engine.execution import (
    CommissionModel,
    NoCommission,
    NoSlippage,
    SlippageModel,
    reference_price,
    volume_capacity,
)
from rustybt.engine.ledger import Ledger
from rustybt.engine.order_modify import OrderChange
from rustybt.engine.orders import Order, OrderStatus, OrderType
from rustybt.money import ZERO, to_decimal

if TYPE_CHECKING:
    from rustybt.audit.trail import AuditTrail

__all__ = ["Blotter", "FillLog"]

# Enum members read once: on Python 3.11 ``OrderType.MARKET`` runs EnumType's
# Python-level attribute hook (~70 ns); a module constant is a dict read.
_MARKET = OrderType.MARKET
_FILLED = OrderStatus.FILLED
_PARTIALLY_FILLED = OrderStatus.PARTIALLY_FILLED
_OPEN = OrderStatus.OPEN


# One fill as `FillLog` keeps it: bar, symbol, quantity, price, commission, slippage,
# order id, reference price, decision price.
FillRow = tuple[int, str, Decimal, Decimal, Decimal, Decimal, str, float, float]
_WIDTH = 9  # values per fill in `FillLog.flat`


class FillLog:
    """Every fill's values, turned into `BacktestResult.transactions` at the end.

    One flat list, nine values per fill in `FillRow` order: a fill is one
    ``extend`` (nine column appends cost an attribute read, a method lookup and a
    call each), and no object per fill outlives the booking (a tuple per fill would
    be one more object for the cyclic collector to visit: 108,000 of them in a
    2,000-asset run, 0.06 s). The columns are split once, when the table is built."""

    COLUMNS = (
        "timestamp",
        "symbol",
        "quantity",
        "price",
        "commission",
        "slippage",
        "order_id",
        "reference_price",
        "decision_price",
        "bar",
    )

    def __init__(self) -> None:
        self.flat: list[object] = []

    def __len__(self) -> int:
        return len(self.flat) // _WIDTH

    def rows(self, start: int = 0) -> Iterator[FillRow]:
        """The fills from number ``start`` on, one tuple each."""
        flat = self.flat
        for at in range(start * _WIDTH, len(flat), _WIDTH):
            yield cast(FillRow, tuple(flat[at : at + _WIDTH]))

    @property
    def symbols(self) -> list[str]:
        """The symbol of every fill, in booking order."""
        return cast(list[str], self.flat[1::_WIDTH])

    def to_frame(self, index: pd.DatetimeIndex, count: int | None = None) -> pd.DataFrame:
        """`BacktestResult.transactions`: the first ``count`` fills (default: all).

        One pass reads every value into a flat object array; seen as (fills, 9), its
        six object columns (symbol to order id, adjacent in a fill's values) are the
        frame's object block as they are (a view: copying objects would touch every
        value's reference count again, and the log is scattered in memory)."""
        n = len(self) if count is None else count
        values = np.fromiter(self.flat, dtype=object, count=n * _WIDTH).reshape(n, _WIDTH)
        bars = values[:, 0].astype(np.int64)
        frame = pd.DataFrame(values[:, 1:7], columns=list(self.COLUMNS[1:7]), copy=False)
        # Copy-on-write: `insert` takes the other columns without copying them.
        with pd.option_context("mode.copy_on_write", True):
            frame.insert(0, "timestamp", index[bars] if n else index[:0])
            frame.insert(7, "reference_price", values[:, 7].astype(np.float64))
            frame.insert(8, "decision_price", values[:, 8].astype(np.float64))
            frame.insert(9, "bar", bars)
        return frame


class Blotter:
    """Open orders, the execution models, and the matching of orders against bars."""

    def __init__(
        self,
        panel: BarPanel,
        ledger: Ledger,
        *,
        slippage: SlippageModel | None = None,
        commission: CommissionModel | None = None,
        volume_limit: float | None = 0.025,
        check_cash: bool = False,
    ) -> None:
        self.panel = panel
        self.check_cash = check_cash
        self.ledger = ledger
        self.slippage: SlippageModel = slippage or NoSlippage()
        self.commission: CommissionModel = commission or NoCommission()
        self.volume_limit = volume_limit
        # Set by the engine for fill_at="next_close" (zipline's daily fill price).
        self.next_close = False
        self.open_orders: list[Order] = []
        self.all_orders: list[Order] = []
        self.fills = FillLog()
        # Set by the engine when auditing is on; None keeps each event site to one `if`.
        self.audit: AuditTrail | None = None
        self._columns = {asset: column for column, asset in enumerate(panel.assets)}
        self._volume_used: dict[int, Decimal] = {}
        self._pending: dict[Asset, Decimal] = {}
        self._volume_bar = -1
        # Set by the engine: float mirrors updated on every fill.
        self.on_fill: Callable[[int, Decimal], None] | None = None
        # Set by the engine to share one Timestamp cache with the data portal.
        self.timestamp: Callable[[int], pd.Timestamp] = lambda bar: panel.index[bar]

    def column(self, order: Order) -> int:
        return self._columns[order.asset]

    def refusal(self) -> str | None:
        """Why new orders are refused right now (None: accepted). The simulated
        exchange always accepts; the live broker blotter refuses while halted."""
        return None

    def submit(self, order: Order) -> Order:
        self.open_orders.append(order)
        self.all_orders.append(order)
        self._pending[order.asset] = self._pending.get(order.asset, ZERO) + order.quantity
        if self.audit is not None:
            self.audit.order_submitted(order, order.created)
        return order

    def pending(self, asset: Asset) -> Decimal:
        """Signed quantity still to fill in the asset's open orders."""
        return self._pending.get(asset, ZERO)

    def release(self, order: Order) -> None:
        """Drop what ``order`` still had to fill from the asset's pending total."""
        self._release(order)

    def _release(self, order: Order) -> None:
        left = self._pending.get(order.asset, ZERO) - order.remaining
        if left:
            self._pending[order.asset] = left
        else:
            self._pending.pop(order.asset, None)

    def cancel(
        self, order: Order, when: pd.Timestamp, reason: str = "cancelled by strategy"
    ) -> None:
        if order.is_open:
            self._release(order)
            order.close(OrderStatus.CANCELLED, when, reason)
            self.open_orders.remove(order)
            if self.audit is not None:
                self.audit.order_closed(order, when)

    def modify(self, order: Order, change: OrderChange, when: pd.Timestamp) -> bool:
        """Replace the resting order's quantity and prices (the simulated exchange
        always accepts); audited as ``order.modified``. True when applied."""
        changes = change.changes(order)
        if not changes:
            return True
        self._release(order)
        change.apply(order)
        self._pending[order.asset] = self._pending.get(order.asset, ZERO) + order.remaining
        if self.audit is not None:
            self.audit.order_modified(order, when, **changes)
        return True

    def modify_refused(self, order: Order, when: pd.Timestamp, reason: str) -> None:
        """A modification not applied (trading halted, a risk control): audited."""
        if self.audit is not None:
            fields = {
                "bar_time": when.isoformat(),
                "order_id": order.id,
                "asset": order.asset.symbol,
                "reason": reason,
            }
            self.audit.emit("warning", "order.modify_refused", fields)

    def cancel_all(self, when: pd.Timestamp, reason: str) -> None:
        for order in list(self.open_orders):
            self.cancel(order, when, reason)

    def reject(self, order: Order, when: pd.Timestamp, reason: str) -> None:
        self.all_orders.append(order)
        order.close(OrderStatus.REJECTED, when, reason)
        if self.audit is not None:
            self.audit.order_closed(order, when)

    def process_bar(self, bar: int, *, market_at_close: bool = False) -> None:
        """Match open orders against bar ``bar``.

        With ``market_at_close`` only market orders are filled, at the bar's close
        (same-bar-close mode, run right after the strategy placed them).
        """
        panel = self.panel
        columns = self._columns
        next_close = self.next_close
        market = _MARKET
        # This bar's rows, read once: a 1-d view indexes faster than the 2-d array,
        # and ``item`` gives a Python float without boxing an np.float64 first.
        opens = panel.open[bar].item
        closes = panel.close[bar].item
        # The default models cost nothing: `_fill` then skips their calls and the
        # volume read (same Decimals: NoSlippage returns the reference price itself).
        costless = (
            type(self.slippage) is NoSlippage
            and type(self.commission) is NoCommission
            and self.volume_limit is None
        )
        check_cash = self.check_cash
        when: pd.Timestamp | None = None  # the bar's label, looked up at its first fill
        still_open: list[Order] = []
        for order in self.open_orders:
            if order.created_bar >= bar and not market_at_close:
                still_open.append(order)  # placed during this bar: trades from the next one
                continue
            kind = order.order_type
            if market_at_close and kind is not market:
                still_open.append(order)
                continue
            column = columns[order.asset]
            price: float | None
            if market_at_close:
                close = closes(column)
                price = None if math.isnan(close) else close
            elif next_close:
                # zipline's daily fills: an order trades at the next bar's close, and
                # limits and stops are checked against that close only.
                close = closes(column)
                price = None if math.isnan(close) else reference_price(order, close, close, close)
            else:
                open_ = opens(column)
                # No bar (halted, not listed): nothing trades, but a day order still expires.
                if open_ != open_:  # NaN: `math.isnan` without the call
                    price = None
                elif kind is market:
                    price = open_  # what reference_price gives a market order, without the call
                else:
                    price = reference_price(
                        order, open_, float(panel.high[bar, column]), float(panel.low[bar, column])
                    )
            if price is not None:
                if when is None:
                    when = self.timestamp(bar)
                if costless and order.limit_price is None:
                    # The default models cost nothing: the fill is the whole remaining
                    # quantity at the reference price (`_fill` with those models,
                    # inline: every order of a cost-free backtest passes here).
                    # `order.quantity - order.filled`: a whole quantity (exponent 0) of an
                    # order not yet filled is that difference in value and form already,
                    # so the order's own object is booked (one Decimal fewer per fill).
                    quantity = order.quantity
                    if order.filled is not ZERO or not quantity.same_quantum(ZERO):
                        quantity = quantity - order.filled
                    # `to_decimal`, inline for the Python float a bar row's `item` gives.
                    ref = Decimal(repr(price)) if type(price) is float else to_decimal(price)
                    if check_cash:
                        # `quantity * price + commission`, as `_fill` computes the cost.
                        cost = quantity * ref + ZERO
                        if cost > 0 and cost > self.ledger.cash:
                            self._refuse_cash(order, cost, when)
                            continue
                    # A zero whose exponent the transactions table shows, computed
                    # as `_fill` computes slippage: `abs(quantity) * abs(price - ref)`.
                    slippage = abs(quantity) * abs(ref - ref)
                    self.book_fill(order, bar, column, quantity, ref, ZERO, slippage, price, when)
                else:
                    self._fill(order, bar, column, price, when)
            status = order.status  # `order.is_open`, inline: asked for every order
            if status is _OPEN or status is _PARTIALLY_FILLED:
                if order.expires_bar is not None and order.expires_bar <= bar:
                    self._release(order)
                    when = self.timestamp(bar)
                    order.close(OrderStatus.EXPIRED, when, "day order not filled in its session")
                    if self.audit is not None:
                        self.audit.order_closed(order, when)
                else:
                    still_open.append(order)
        self.open_orders = still_open

    def _fill(
        self, order: Order, bar: int, column: int, reference: float, when: pd.Timestamp
    ) -> None:
        quantity = order.quantity - order.filled  # `order.remaining`
        volume = float(self.panel.volume[bar, column])
        if self.volume_limit is not None:
            if self._volume_bar != bar:
                self._volume_used.clear()
                self._volume_bar = bar
            used = self._volume_used.get(column, ZERO)
            room = volume_capacity(volume, self.volume_limit, order.asset.fractional) - used
            if room <= 0:
                return
            if abs(quantity) > room:
                quantity = room if quantity > 0 else -room
        ref = to_decimal(reference)
        price = self.slippage.fill_price(ref, quantity, volume)
        if order.limit_price is not None:
            price = min(price, order.limit_price) if quantity > 0 else max(price, order.limit_price)
        commission = self.commission.commission(order, quantity, price)
        if self.check_cash:
            cost = quantity * price + commission
            if cost > 0 and cost > self.ledger.cash:
                self._refuse_cash(order, cost, when)
                return
        if self.volume_limit is not None:
            # Counted only now: a fill rejected for cash leaves the bar's volume to others.
            self._volume_used[column] = self._volume_used.get(column, ZERO) + abs(quantity)
        slippage = abs(quantity) * abs(price - ref)
        self.book_fill(order, bar, column, quantity, price, commission, slippage, reference, when)

    def _refuse_cash(self, order: Order, cost: Decimal, when: pd.Timestamp) -> None:
        """Reject ``order``'s fill: cash cannot pay ``cost`` (``check_cash``)."""
        self._release(order)
        order.close(
            OrderStatus.REJECTED,
            when,
            f"insufficient cash: fill needs {cost:.2f}, cash is {self.ledger.cash:.2f}",
        )
        if self.audit is not None:
            self.audit.order_closed(order, when)

    def book_fill(
        self,
        order: Order,
        bar: int,
        column: int,
        quantity: Decimal,
        price: Decimal,
        commission: Decimal,
        slippage: Decimal,
        reference: float,
        when: pd.Timestamp | None = None,
    ) -> None:
        """Book one fill of ``order`` in the ledger, the order and the fill log.

        The simulated matching above and the live broker blotter (fills reported by a
        venue) both book through here, so a fill changes the same state either way.
        ``when``: the bar's label, when the caller already has it (matching reads it
        once per bar, not once per fill)."""
        if when is None:
            when = self.timestamp(bar)
        asset = order.asset
        self.ledger.apply_fill(asset, quantity, price, commission, slippage)
        # Opposite open orders can net the pending total to zero (and drop the key)
        # before all of them have filled.
        pending = self._pending
        left = pending.get(asset, ZERO) - quantity
        if left:
            pending[asset] = left
        else:
            pending.pop(asset, None)
        filled = order.filled
        # ZERO + a whole quantity is that quantity in value and form: share the object.
        filled = quantity if filled is ZERO and quantity.same_quantum(ZERO) else filled + quantity
        order.filled = filled
        order.fill_value += quantity * price
        if commission is not ZERO or order.commission is not ZERO:
            # ZERO + ZERO would be a new Decimal("0"), equal in value and form: a cost-free
            # run keeps the shared ZERO instead of one more object per fill.
            order.commission += commission
        order.fills += 1
        if filled == order.quantity:  # nothing remaining: `order.close`, inline
            order.status = _FILLED
            order.closed_at = when
        else:
            order.status = _PARTIALLY_FILLED
        self.fills.flat.extend(
            (
                bar,
                asset.symbol,
                quantity,
                price,
                commission,
                slippage,
                order.id,
                reference,
                order.decision_price,
            )
        )
        if self.on_fill is not None:
            self.on_fill(column, quantity)
        if self.audit is not None:
            self.audit.order_filled(order, when, quantity, price, commission, slippage)
