"""FIFO matching of fills into round trips, in exact Decimal arithmetic.

A round trip (trade) runs from the fill that takes a symbol's position away from
zero to the fill that brings it back. Inside it, entering fills add FIFO lots and
exiting fills consume the oldest lots first (that split is what gives an open
trade its realized and unrealized parts). A fill that crosses zero is cut in two
*legs*: the part that closes the trade and the excess that opens the next one in
the other direction. Its commission and slippage are split by quantity; the first
leg is rounded and the last leg takes the remainder, so legs sum exactly to the fill.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

import pandas as pd

from rustybt.money import ZERO

__all__ = ["Leg", "OpenTrade", "match", "split_cost"]


def split_cost(cost: Decimal, part: Decimal, whole: Decimal) -> tuple[Decimal, Decimal]:
    """Cut ``cost`` into (share for ``part`` of ``whole``, remainder); they sum exactly.

    The first share is rounded half-even to the cost's own decimal places, but never
    coarser than a cent, so a 1.00 commission split 1:2 gives 0.33 and 0.67.
    """
    if part == whole or cost == 0:
        return cost, cost - cost
    exponent = cost.as_tuple().exponent
    # Finite Decimals (the only kind normalisation lets through) have an int exponent.
    places = min(exponent, -2) if isinstance(exponent, int) else -2
    first = (cost * part / whole).quantize(Decimal(1).scaleb(places), rounding=ROUND_HALF_EVEN)
    return first, cost - first


@dataclass(slots=True)
class Leg:
    """One fill's share in one trade."""

    trade: int
    fill: int  # position of the fill in the normalised (time-sorted) frame
    role: str  # "entry" or "exit"
    quantity: Decimal  # absolute quantity of this leg
    commission: Decimal
    slippage: Decimal


@dataclass(slots=True)
class OpenTrade:
    """A trade while it is being built; finished trades are kept as-is."""

    trade_id: int
    symbol: str
    sign: int
    entry_time: int  # ns since the epoch, UTC
    entry_bar: int
    lots: deque[list[Decimal]] = field(default_factory=deque)
    position: Decimal = ZERO  # absolute open quantity
    max_quantity: Decimal = ZERO
    entry_quantity: Decimal = ZERO
    entry_notional: Decimal = ZERO
    exit_quantity: Decimal = ZERO
    exit_notional: Decimal = ZERO
    cash: Decimal = ZERO  # sum of -quantity * price over the trade's legs
    realized: Decimal = ZERO  # FIFO gross PnL of the exited quantity
    commission: Decimal = ZERO
    slippage: Decimal = ZERO
    exit_time: int | None = None
    exit_bar: int = -1
    order_ids: dict[str, None] = field(default_factory=dict)
    n_fills: int = 0

    def enter(self, quantity: Decimal, price: Decimal) -> None:
        self.lots.append([quantity, price])
        self.position += quantity
        self.max_quantity = max(self.max_quantity, self.position)
        self.entry_quantity += quantity
        self.entry_notional += quantity * price
        self.cash -= self.sign * quantity * price

    def exit(self, quantity: Decimal, price: Decimal) -> None:
        remaining = quantity
        while remaining > 0:
            lot = self.lots[0]
            take = min(lot[0], remaining)
            self.realized += self.sign * (price - lot[1]) * take
            lot[0] -= take
            remaining -= take
            if lot[0] == 0:
                self.lots.popleft()
        self.position -= quantity
        self.exit_quantity += quantity
        self.exit_notional += quantity * price
        self.cash += self.sign * quantity * price


def match(fills: pd.DataFrame, bar_of_fill: list[int]) -> tuple[list[OpenTrade], list[Leg]]:
    """Run FIFO matching over time-sorted fills.

    Returns every trade in the order it was opened (trade ids 0, 1, ...) and the
    legs linking fills to trades. Trades whose ``exit_time`` is None are still open.
    """
    trades: list[OpenTrade] = []
    legs: list[Leg] = []
    current: dict[str, OpenTrade] = {}
    columns = zip(
        pd.DatetimeIndex(fills["timestamp"]).asi8.tolist(),
        fills["symbol"].tolist(),
        fills["quantity"].tolist(),
        fills["price"].tolist(),
        fills["commission"].tolist(),
        fills["slippage"].tolist(),
        fills["order_id"].tolist(),
        bar_of_fill,
        strict=True,
    )
    for position, (when, symbol, quantity, price, commission, slippage, oid, bar) in enumerate(
        columns
    ):
        sign = 1 if quantity > 0 else -1
        size = abs(quantity)
        trade = current.get(symbol)
        if trade is not None and trade.sign != sign:
            closing = min(size, trade.position)
            c_close, commission = split_cost(commission, closing, size)
            s_close, slippage = split_cost(slippage, closing, size)
            trade.exit(closing, price)
            _book(trade, legs, position, "exit", closing, c_close, s_close, oid)
            size -= closing
            if trade.position == 0:
                trade.exit_time, trade.exit_bar = when, bar
                del current[symbol]
            if size == 0:
                continue
            trade = None
        if trade is None:
            trade = OpenTrade(len(trades), symbol, sign, when, bar)
            trades.append(trade)
            current[symbol] = trade
        trade.enter(size, price)
        _book(trade, legs, position, "entry", size, commission, slippage, oid)
    return trades, legs


def _book(
    trade: OpenTrade,
    legs: list[Leg],
    fill: int,
    role: str,
    quantity: Decimal,
    commission: Decimal,
    slippage: Decimal,
    order_id: str,
) -> None:
    trade.commission += commission
    trade.slippage += slippage
    trade.order_ids[order_id] = None
    trade.n_fills += 1
    legs.append(Leg(trade.trade_id, fill, role, quantity, commission, slippage))
