"""Tradable instruments.

An `Asset` is identified by its symbol; equality and hashing use the symbol
only, so ``Asset("AAPL") == symbol("AAPL")`` wherever it was created, and
``hash(asset) == hash(asset.symbol)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import FrozenInstanceError
from enum import StrEnum

__all__ = ["Asset", "AssetClass"]


class AssetClass(StrEnum):
    EQUITY = "equity"
    CRYPTO = "crypto"
    FUTURE = "future"
    INDEX = "index"


class Asset:
    """One instrument (immutable).

    Attributes:
        symbol: ticker as the data calls it (``"AAPL"``, ``"BTCUSDT"``, ``"BRK.B"``).
        asset_class: drives calendars, periods per year and validation thresholds.
        fractional: whether quantities may be fractional (crypto) or whole units.
        sector: grouping used by attribution and risk (None when unknown).
        exchange: calendar name or venue (``"XNYS"``, ``"24/7"``).
    """

    # Hashing at C speed. Every dict keyed by assets (positions, the ledger, a
    # strategy's ``{asset: column}``) hashes its key on each lookup: a Python
    # ``def __hash__`` costs a frame per lookup (~60 ns; 835k lookups in the
    # 500 x 2,520 benchmark). Here ``__hash__`` is a slot holding the bound
    # ``int.__int__`` of the symbol's hash, so ``hash(asset)`` reads the slot and
    # calls a C method: no Python frame (~40% faster dict lookups). The value is
    # ``hash(symbol)`` as before; `__reduce__` rebuilds it on unpickling (string
    # hashes differ between processes).
    __slots__ = ("__hash__", "asset_class", "exchange", "fractional", "sector", "symbol")

    symbol: str
    asset_class: AssetClass
    fractional: bool
    sector: str | None
    exchange: str
    __hash__: Callable[[], int]  # a slot holding a C method, see above

    def __init__(
        self,
        symbol: str,
        asset_class: AssetClass = AssetClass.EQUITY,
        fractional: bool = False,
        sector: str | None = None,
        exchange: str = "XNYS",
    ) -> None:
        setter = object.__setattr__  # frozen: __setattr__ below refuses
        setter(self, "symbol", symbol)
        setter(self, "asset_class", asset_class)
        setter(self, "fractional", fractional)
        setter(self, "sector", sector)
        setter(self, "exchange", exchange)
        setter(self, "__hash__", hash(symbol).__int__)

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r} of an Asset")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r} of an Asset")

    def __reduce__(self) -> tuple[type[Asset], tuple[str, AssetClass, bool, str | None, str]]:
        return Asset, (self.symbol, self.asset_class, self.fractional, self.sector, self.exchange)

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
