"""Exact money: the conversions between float market data and the Decimal ledger.

Bars arrive as float64. A price enters the ledger through `to_decimal`, which
uses the float's shortest round-trip repr (``23.595`` stays ``Decimal("23.595")``,
not the 50-digit binary expansion), so the same float always gives the same
Decimal and hand-computed expectations hold to the cent.
"""

from __future__ import annotations

import numbers
from decimal import ROUND_HALF_EVEN, Decimal, getcontext

__all__ = ["CENT", "PRICE_QUANTUM", "ZERO", "quantize_price", "to_decimal", "to_float"]

# 28 significant digits by default is not enough for large notional x 8-decimal prices.
getcontext().prec = 34

ZERO = Decimal(0)
CENT = Decimal("0.01")
PRICE_QUANTUM = Decimal("1e-8")


def to_decimal(value: float | int | str | Decimal | numbers.Real) -> Decimal:
    """Exact Decimal of a number, floats via their shortest repr.

    numpy scalars count as numbers: ``np.float64`` is a float; other floating
    scalars (``np.float32``) go through Python's float, integers through int.
    """
    if type(value) is float:  # the common case (every fill price): no ABC checks
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(float(value)))  # float(): np.float64's repr is "np.float64(...)"
    if isinstance(value, int | str):
        return Decimal(value)
    if isinstance(value, numbers.Integral):
        return Decimal(int(value))
    return Decimal(repr(float(value)))


def quantize_price(value: Decimal) -> Decimal:
    """A fill price rounded to 1e-8 (banker's rounding), fine enough for crypto ticks."""
    return value.quantize(PRICE_QUANTUM, rounding=ROUND_HALF_EVEN)


def to_float(value: Decimal) -> float:
    return float(value)
