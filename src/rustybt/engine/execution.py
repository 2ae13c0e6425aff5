"""Execution models: when an order trades, at what price, how much, and what it costs.

Fill conventions (documented in docs/orders.md):

* market orders fill at the next bar's open (``fill_at="next_open"``, default) or
  at the close of the bar they were placed in (``fill_at="close"``);
* limit, stop and stop-limit orders are checked against each later bar's open,
  high and low. A bar that gaps through the trigger fills at the open (the price
  actually available), otherwise at the trigger price;
* a stop-limit whose stop triggers inside a bar fills at the stop price in that
  bar only if the stop is at or inside the limit; otherwise it rests as a limit
  order from the next bar on (the order of prices within a bar is unknown);
* volume is capped per bar at a share of the bar's volume; the rest stays open.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Protocol

from rustybt.engine.orders import Order, OrderType
from rustybt.errors import ConfigError
from rustybt.money import ZERO, quantize_price, to_decimal

__all__ = [
    "CommissionModel",
    "FixedBasisPoints",
    "FixedSpread",
    "NoCommission",
    "NoSlippage",
    "PerDollar",
    "PerShare",
    "PerTrade",
    "SlippageModel",
    "VolumeShareSlippage",
    "reference_price",
    "volume_capacity",
]

_BPS = Decimal(10_000)


def _non_negative(model: str, **values: float) -> None:
    """A cost is what a venue charges: a negative or non-finite one would pay the
    strategy for trading, silently."""
    for name, value in values.items():
        if not math.isfinite(value) or value < 0:
            raise ConfigError(
                f"{model} {name} must be a finite number >= 0, not {value}",
                context={"model": model, name: value},
                hint="use 0 for no cost",
            )


class SlippageModel(Protocol):
    """Turns the reference price into the price actually paid or received."""

    def fill_price(self, reference: Decimal, quantity: Decimal, bar_volume: float) -> Decimal: ...


class CommissionModel(Protocol):
    """Cost charged for one fill of an order (the order carries what it already paid)."""

    def commission(self, order: Order, quantity: Decimal, price: Decimal) -> Decimal: ...


@dataclass(frozen=True, slots=True)
class NoSlippage:
    def fill_price(self, reference: Decimal, quantity: Decimal, bar_volume: float) -> Decimal:
        return reference


@dataclass(frozen=True, slots=True)
class FixedBasisPoints:
    """Pay ``bps`` basis points worse than the reference price on every fill."""

    bps: float = 5.0

    def __post_init__(self) -> None:
        if self.bps < 0:
            raise ConfigError("slippage basis points must be >= 0", context={"bps": self.bps})

    def fill_price(self, reference: Decimal, quantity: Decimal, bar_volume: float) -> Decimal:
        shift = reference * to_decimal(self.bps) / _BPS
        return quantize_price(reference + shift if quantity > 0 else reference - shift)


@dataclass(frozen=True, slots=True)
class FixedSpread:
    """Pay half of a fixed ``spread`` (in price units) on every fill: buys fill at
    reference + spread / 2, sells at reference - spread / 2 (zipline's FixedSlippage)."""

    spread: float = 0.0

    def __post_init__(self) -> None:
        if not self.spread >= 0 or math.isinf(self.spread):
            raise ConfigError(
                "spread must be a finite number >= 0", context={"spread": self.spread}
            )

    def fill_price(self, reference: Decimal, quantity: Decimal, bar_volume: float) -> Decimal:
        half = to_decimal(self.spread) / 2
        return quantize_price(reference + half if quantity > 0 else reference - half)


@dataclass(frozen=True, slots=True)
class VolumeShareSlippage:
    """Price impact growing with the square of the share of bar volume taken.

    impact = price_impact * (|quantity| / bar_volume) ** 2, as in zipline; the
    fill price is reference * (1 + impact) for buys and (1 - impact) for sells.
    """

    price_impact: float = 0.1

    def __post_init__(self) -> None:
        if self.price_impact < 0:
            raise ConfigError("price_impact must be >= 0", context={"value": self.price_impact})

    def fill_price(self, reference: Decimal, quantity: Decimal, bar_volume: float) -> Decimal:
        if not bar_volume > 0:
            return reference
        share = abs(quantity) / to_decimal(bar_volume)
        impact = to_decimal(self.price_impact) * share * share
        factor = 1 + impact if quantity > 0 else 1 - impact
        return quantize_price(reference * factor)


@dataclass(frozen=True, slots=True)
class NoCommission:
    def commission(self, order: Order, quantity: Decimal, price: Decimal) -> Decimal:
        return ZERO


@dataclass(frozen=True, slots=True)
class PerShare:
    """``cost`` per share, with a minimum of ``min_trade_cost`` per order (not per fill)."""

    cost: float = 0.005
    min_trade_cost: float = 1.0

    def __post_init__(self) -> None:
        _non_negative("PerShare", cost=self.cost, min_trade_cost=self.min_trade_cost)

    def commission(self, order: Order, quantity: Decimal, price: Decimal) -> Decimal:
        filled_after = abs(order.filled) + abs(quantity)
        owed = max(to_decimal(self.cost) * filled_after, to_decimal(self.min_trade_cost))
        return owed - order.commission


@dataclass(frozen=True, slots=True)
class PerTrade:
    """A flat ``cost`` per order, charged on its first fill."""

    cost: float = 1.0

    def __post_init__(self) -> None:
        _non_negative("PerTrade", cost=self.cost)

    def commission(self, order: Order, quantity: Decimal, price: Decimal) -> Decimal:
        return ZERO if order.fills else to_decimal(self.cost)


@dataclass(frozen=True, slots=True)
class PerDollar:
    """A fraction ``rate`` of traded notional (0.001 = 10 bps), as crypto venues charge."""

    rate: float = 0.001

    def __post_init__(self) -> None:
        _non_negative("PerDollar", rate=self.rate)

    def commission(self, order: Order, quantity: Decimal, price: Decimal) -> Decimal:
        return to_decimal(self.rate) * abs(quantity) * price


def reference_price(order: Order, open_: float, high: float, low: float) -> float | None:
    """The pre-slippage price at which a resting order trades in this bar, or None.

    Mutates ``order.stop_triggered`` when a stop is hit, since a triggered stop-limit
    keeps resting as a limit order.
    """
    kind = order.order_type
    # A stop that has triggered is a market order from then on: a partial fill's
    # remainder keeps trading even if the price moves back through the stop.
    if kind is OrderType.MARKET or (kind is OrderType.STOP and order.stop_triggered):
        return open_
    buy = order.quantity > 0
    if kind is OrderType.STOP or (kind is OrderType.STOP_LIMIT and not order.stop_triggered):
        assert order.stop_price is not None  # checked in Order.__post_init__
        stop = float(order.stop_price)
        if buy:
            hit = open_ if open_ >= stop else (stop if high >= stop else None)
        else:
            hit = open_ if open_ <= stop else (stop if low <= stop else None)
        if hit is None:
            return None
        order.stop_triggered = True
        if kind is OrderType.STOP:
            return hit
        assert order.limit_price is not None
        limit = float(order.limit_price)
        within = hit <= limit if buy else hit >= limit
        return hit if within else None
    assert order.limit_price is not None
    limit = float(order.limit_price)
    if buy:
        return open_ if open_ <= limit else (limit if low <= limit else None)
    return open_ if open_ >= limit else (limit if high >= limit else None)


def volume_capacity(bar_volume: float, volume_limit: float, fractional: bool) -> Decimal:
    """Most units that may trade in a bar: ``volume_limit`` x bar volume (whole units
    unless the asset is fractional); zero for a bar with no or unknown volume."""
    if math.isnan(bar_volume) or bar_volume <= 0:
        return ZERO
    capacity = to_decimal(bar_volume) * to_decimal(volume_limit)
    return capacity if fractional else capacity.to_integral_value(rounding=ROUND_DOWN)
