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

from rustybt.errors import OrderError
from rustybt.money import to_decimal

__all__ = ["order_decimal"]


def order_decimal(value: object, what: str, symbol: str | None = None) -> Decimal:
    """``value`` as an exact finite Decimal, or an `OrderError` naming ``what``."""
    context: dict[str, object] = {what: value}
    if symbol is not None:
        context["asset"] = symbol
    where = f" for {symbol}" if symbol is not None else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real | Decimal):
        raise OrderError(
            f"order {what}{where} must be a number, not {type(value).__name__} {value!r}",
            context=context,
            hint="pass an int, float, numpy number, Decimal or Fraction",
        )
    if isinstance(value, Fraction):
        exact = Decimal(value.numerator) / Decimal(value.denominator)
    else:
        exact = to_decimal(value)
    if not exact.is_finite():
        raise OrderError(
            f"order {what}{where} must be a finite number, not {value!r}",
            context=context,
            hint="check the signal or weight the order was sized from (NaN? division by 0?)",
        )
    return exact
