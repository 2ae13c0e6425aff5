"""Order inputs as exact Decimals: any real number a strategy computes, checked.

Strategies size orders from numpy arithmetic (``np.float64``, ``np.int64``),
plain ints and floats, Decimals or Fractions. Each becomes an exact Decimal
(floats through their shortest repr, as `rustybt.money.to_decimal` does); NaN,
infinities, booleans and non-numbers are refused with an `OrderError` naming
the argument, since a NaN weight would otherwise become an order.
"""

from __future__ import annotations

import numbers
from decimal import Decimal
from fractions import Fraction
from typing import cast

from rustybt.errors import OrderError
from rustybt.money import to_decimal

__all__ = ["order_decimal"]


def order_decimal(value: object, what: str, symbol: str | None = None) -> Decimal:
    """``value`` as an exact finite Decimal, or an `OrderError` naming ``what``."""
    # Every order passes here (several times when sized): the common exact types
    # are told apart by ``type`` first, which skips the slow ABC check below.
    kind = type(value)
    if kind is float:
        exact = Decimal(repr(value))
    elif kind is Decimal:
        exact = cast(Decimal, value)
    elif kind is int:
        exact = Decimal(cast(int, value))
    else:
        exact = _slow_decimal(value, what, symbol)
    if not exact.is_finite():
        raise OrderError(
            f"order {what}{_where(symbol)} must be a finite number, not {value!r}",
            context=_context(value, what, symbol),
            hint="check the signal or weight the order was sized from (NaN? division by 0?)",
        )
    return exact


def _slow_decimal(value: object, what: str, symbol: str | None) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, numbers.Real | Decimal):
        raise OrderError(
            f"order {what}{_where(symbol)} must be a number, not {type(value).__name__} {value!r}",
            context=_context(value, what, symbol),
            hint="pass an int, float, numpy number, Decimal or Fraction",
        )
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return to_decimal(value)


def _where(symbol: str | None) -> str:
    return f" for {symbol}" if symbol is not None else ""


def _context(value: object, what: str, symbol: str | None) -> dict[str, object]:
    context: dict[str, object] = {what: value}
    if symbol is not None:
        context["asset"] = symbol
    return context
