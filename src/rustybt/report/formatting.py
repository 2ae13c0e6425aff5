"""Display formats: raw values (float, Decimal, dates) to short, readable strings.

Only the HTML and PDF writers format; the JSON keeps the raw values. A Decimal
from the ledger (often 28+ digits) is rounded for display only.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pandas as pd

from rustybt.report.model import ValueFormat

__all__ = ["MISSING", "format_value"]

MISSING = "–"


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float | np.integer | np.floating | Decimal):
        return float(value)
    return None


def _date(value: object) -> str:
    if value is None or value is pd.NaT:
        return MISSING
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return MISSING
        value = pd.Timestamp(value)
    if isinstance(value, pd.Timestamp):
        stamp = value
        if stamp == stamp.normalize():
            return str(stamp.date())
        return stamp.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _days(value: object) -> str:
    if isinstance(value, pd.Timedelta):  # NaT is not a Timedelta: it falls through to MISSING
        days = value / pd.Timedelta(days=1)
        return f"{days:,.1f} d" if days >= 1 else f"{value / pd.Timedelta(hours=1):,.1f} h"
    number = _number(value)
    return MISSING if number is None or math.isnan(number) else f"{number:,.0f}"


def format_value(value: object, kind: ValueFormat = "num") -> str:
    """``value`` as shown in a table cell (``MISSING`` for None and NaN)."""
    if value is None:
        return MISSING
    if kind == "date":
        return _date(value)
    if kind == "days":
        return _days(value)
    if kind == "text" or isinstance(value, str):
        return str(value)
    if isinstance(value, pd.Timestamp):
        return _date(value)
    number = _number(value)
    if number is None:
        return str(value)
    if math.isnan(number):
        return MISSING
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    if kind == "pct":
        return f"{number:.2%}"
    if kind == "int":
        return f"{number:,.0f}"
    if kind == "money":
        return f"{number:,.2f}"
    if kind == "price":
        return f"{number:,.4f}".rstrip("0").rstrip(".") if abs(number) < 1e6 else f"{number:,.0f}"
    return f"{number:,.3f}"
