"""Tradable instruments.

An `Asset` is identified by its symbol; equality and hashing use the symbol
only, so ``Asset("AAPL") == symbol("AAPL")`` wherever it was created.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["Asset", "AssetClass"]


class AssetClass(StrEnum):
    EQUITY = "equity"
    CRYPTO = "crypto"
    FUTURE = "future"
    INDEX = "index"


@dataclass(frozen=True, slots=True)
class Asset:
    """One instrument.

    Attributes:
        symbol: ticker as the data calls it (``"AAPL"``, ``"BTCUSDT"``, ``"BRK.B"``).
        asset_class: drives calendars, periods per year and validation thresholds.
        fractional: whether quantities may be fractional (crypto) or whole units.
        sector: grouping used by attribution and risk (None when unknown).
        exchange: calendar name or venue (``"XNYS"``, ``"24/7"``).
    """

    symbol: str
    asset_class: AssetClass = AssetClass.EQUITY
    fractional: bool = False
    sector: str | None = field(default=None, compare=False)
    exchange: str = field(default="XNYS", compare=False)

    def __hash__(self) -> int:
        return hash(self.symbol)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Asset):
            return self.symbol == other.symbol
        return NotImplemented

    def __repr__(self) -> str:
        return f"Asset({self.symbol!r})"

    def __str__(self) -> str:
        return self.symbol

    def __lt__(self, other: object) -> bool:
        # NotImplemented (not AttributeError) for other types, so pandas can mix
        # assets with labels such as "cash" (pyfolio's positions frame does).
        if isinstance(other, Asset):
            return self.symbol < other.symbol
        return NotImplemented

    @classmethod
    def crypto(cls, symbol: str, *, sector: str | None = None) -> Asset:
        return cls(symbol, AssetClass.CRYPTO, fractional=True, sector=sector, exchange="24/7")
