"""JSON text for the values of order events, written without a generic encoder.

Free text (symbols, order ids, reasons) is masked and escaped; Decimals, floats
and enums are written as they are, since they cannot hold a secret.
"""

from __future__ import annotations

import math
from decimal import Decimal
from json.encoder import encode_basestring_ascii

from rustybt.audit.masking import mask_text

__all__ = ["decimal_json", "number_json", "tail_json", "text_json"]


def text_json(value: str | None) -> str:
    """A free-text value as a JSON literal: masked, then escaped (ASCII only)."""
    return "null" if value is None else encode_basestring_ascii(mask_text(value))


def decimal_json(value: Decimal | None) -> str:
    # A Decimal's text is digits, sign, point, exponent or NaN/Infinity: never escaped.
    return "null" if value is None else f'"{value!s}"'


def number_json(value: float) -> str:
    if math.isfinite(value):
        return repr(float(value))
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def tail_json(event: str, tail: tuple[object, ...], filled: Decimal) -> str:
    """The event's own fields of a captured order event, as JSON text.

    ``filled`` is the order's filled total when the event happened (for the
    average fill price).
    """
    if event == "order.submitted":
        (decision_price,) = tail
        assert isinstance(decision_price, float)  # captured by order_submitted
        return f',"decision_price":{number_json(decision_price)}'
    if event in ("order.filled", "order.partially_filled"):
        size, price, commission, slippage, fill_value = tail
        assert isinstance(fill_value, Decimal)  # captured by order_filled
        average = fill_value / filled if filled else None
        return (
            f',"fill_quantity":"{size!s}","fill_price":"{price!s}",'
            f'"commission":"{commission!s}","slippage":"{slippage!s}",'
            f'"average_price":{decimal_json(average)}'
        )
    (reason,) = tail
    assert reason is None or isinstance(reason, str)  # captured by order_closed
    return f',"reason":{text_json(reason)}'
