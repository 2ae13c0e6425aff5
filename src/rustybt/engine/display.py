"""Result tables for people to read: prices to the asset's tick, money to the cent.

The ledger keeps exact `Decimal` values, and an average price such as a round
trip's entry (notional / quantity) can carry 34 significant digits. Those stay in
the data; `display_table` returns a rounded *copy* for printing, notebooks and
reports. A price is shown with as many decimals as the asset's own bar prices
use (its tick: 2 for most stocks and BTCUSDT, more for cheap coins), at least
the cent; an amount of money is shown to the cent.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import pandas as pd

__all__ = ["MONEY_COLUMNS", "PRICE_COLUMNS", "display_table", "price_decimals"]

#: Columns holding a price of one unit: shown to the asset's tick.
PRICE_COLUMNS = frozenset(
    {
        "price",
        "reference_price",
        "decision_price",
        "entry_price",
        "exit_price",
        "average_price",
        "limit_price",
        "stop_price",
        "last_price",
        "cost_basis",
        "mark",
        "mae",
        "mfe",
    }
)
#: Columns holding an amount of money: shown to the cent.
MONEY_COLUMNS = frozenset(
    {
        "commission",
        "slippage",
        "net_pnl",
        "gross_pnl",
        "realized_pnl",
        "unrealized_pnl",
        "entry_notional",
        "exit_notional",
        "market_value",
        "portfolio_value",
        "cash",
        "positions_value",
        "pnl",
        "long_exposure",
        "short_exposure",
    }
)
MIN_DECIMALS = 2
MAX_DECIMALS = 8


def _decimals_of(value: float) -> int:
    """Decimals in the shortest repr of a float (``23.595`` -> 3)."""
    if not math.isfinite(value):
        return 0
    exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
    return max(-int(exponent), 0) if isinstance(exponent, int) else 0


def price_decimals(prices: Mapping[str, Iterable[float]]) -> dict[str, int]:
    """Per symbol, the decimals its prices use (between 2 and 8): the tick as seen
    in the data. Up to 2,000 prices per symbol are looked at."""
    decimals: dict[str, int] = {}
    for symbol, values in prices.items():
        sample = np.asarray(list(values), dtype=np.float64)[:2000]
        found = max((_decimals_of(v) for v in sample), default=MIN_DECIMALS)
        decimals[symbol] = min(max(found, MIN_DECIMALS), MAX_DECIMALS)
    return decimals


def _round(value: object, places: int) -> object:
    if isinstance(value, Decimal):
        if not value.is_finite():
            return value
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    if isinstance(value, float | np.floating) and math.isfinite(value):
        return round(float(value), places)
    return value


def _plain(value: object) -> object:
    """A Decimal without trailing zeros, never in exponent form (10, not 1E+1)."""
    if not isinstance(value, Decimal) or not value.is_finite():
        return value
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _column(frame: pd.DataFrame, values: list[object]) -> pd.Series:
    series = pd.Series(values, index=frame.index, dtype=object)
    # Float columns stay float (so pandas aligns and formats them as numbers).
    return pd.to_numeric(series) if all(isinstance(v, float) for v in values) else series


def display_table(frame: pd.DataFrame, ticks: Mapping[str, int] | None = None) -> pd.DataFrame:
    """A copy of ``frame`` with price columns rounded to each row's symbol's tick
    (``ticks``: symbol -> decimals; the cent when unknown) and money to the cent.
    Quantities are shown without trailing zeros. ``frame`` itself is not changed."""
    shown = frame.copy()
    ticks = ticks or {}
    symbols = shown["symbol"].astype(str) if "symbol" in shown.columns else None
    for column in shown.columns:
        if column in MONEY_COLUMNS:
            shown[column] = _column(shown, [_round(v, MIN_DECIMALS) for v in shown[column]])
        elif column in PRICE_COLUMNS:
            if symbols is None:
                places = [MIN_DECIMALS] * len(shown)
            else:
                places = [ticks.get(s, MIN_DECIMALS) for s in symbols]
            rounded = [_round(v, p) for v, p in zip(shown[column], places, strict=True)]
            shown[column] = _column(shown, rounded)
        elif shown[column].dtype == object:
            shown[column] = _column(
                shown,
                [_plain(v) for v in shown[column]],
            )
    return shown
