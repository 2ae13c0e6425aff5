"""Reading venue records, the same way for every adapter: numbers, sides, refusals.

A record missing what an order or fill must have is a transient `BrokerError`,
which the caller treats as "reply could not be read" (UNKNOWN after a command).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Literal

from rustybt.errors import BrokerError

__all__ = ["decimal_or_none", "side_of", "unreadable_record"]


def decimal_or_none(value: object) -> Decimal | None:
    """A venue number as a Decimal; None for missing or empty values.

    Through ``str``: a decimal string stays exact, and a float becomes its
    shortest repr (the venue's decimal string for up to 15 significant digits).
    """
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation as bad:
        raise BrokerError(
            f"the venue sent {value!r} where a number belongs", transient=True
        ) from bad
    if not number.is_finite():
        raise BrokerError(f"the venue sent {value!r} where a number belongs", transient=True)
    return number


def side_of(value: object, venue: str, what: str) -> Literal["buy", "sell"]:
    """``"buy"`` or ``"sell"``; anything else is an unreadable ``what`` (e.g. "order X")."""
    if value == "buy":
        return "buy"
    if value == "sell":
        return "sell"
    raise BrokerError(f"{venue} sent side {value!r} for {what}", transient=True)


def unreadable_record(venue: str, what: str, record: object) -> BrokerError:
    """The error for a ``what`` record ("an order", "a trade") lacking what it must have."""
    return BrokerError(
        f"{venue} sent {what} rustybt cannot read",
        context={"record": str(record)[:300]},
        transient=True,
    )
