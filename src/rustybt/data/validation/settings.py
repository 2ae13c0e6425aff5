"""Thresholds resolved per symbol, as arrays indexed by symbol code (vectorised lookups)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from rustybt.assets import AssetClass
from rustybt.data.validation.config import Thresholds, ValidationConfig
from rustybt.data.validation.rules import Rule, Severity

__all__ = ["ClassSpec", "SymbolSettings", "resolve_settings"]

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

#: One asset class for every symbol, or symbol -> class (unlisted symbols: equity).
ClassSpec = AssetClass | str | Mapping[str, AssetClass | str]


@dataclass
class SymbolSettings:
    """Per-symbol thresholds. Position ``len(symbols)`` (code ``-1``) holds the
    default class's thresholds, used for rows without a usable symbol."""

    symbols: tuple[str, ...]
    classes: tuple[AssetClass, ...]
    thresholds: tuple[Thresholds, ...]
    _cache: dict[str, npt.NDArray[np.generic]] = field(default_factory=dict, repr=False)

    def per_symbol(self, name: str) -> npt.NDArray[np.generic]:
        """Attribute ``name`` of every symbol's thresholds, default last."""
        if name not in self._cache:
            values = [getattr(t, name) for t in self.thresholds]
            self._cache[name] = np.asarray(values, dtype=object if name == "calendar" else None)
        return self._cache[name]

    def floats(
        self, name: str, codes: IntArray, *, none: float = np.inf
    ) -> npt.NDArray[np.float64]:
        """A float threshold per row (``None`` values become ``none``)."""
        values = np.asarray(
            [none if v is None else float(v) for v in self.per_symbol(name)], dtype=np.float64
        )
        picked: npt.NDArray[np.float64] = values[codes]
        return picked

    def flags(self, name: str, codes: IntArray) -> BoolArray:
        """A boolean setting per row."""
        picked: BoolArray = self.per_symbol(name).astype(bool)[codes]
        return picked

    def is_error(self, rule: Rule, codes: IntArray) -> BoolArray:
        """Per row: whether ``rule`` is an ERROR for that row's symbol."""
        key = f"severity:{rule.value}"
        if key not in self._cache:
            self._cache[key] = np.asarray(
                [t.severity_of(rule) is Severity.ERROR for t in self.thresholds], dtype=bool
            )
        picked: BoolArray = self._cache[key].astype(bool)[codes]
        return picked

    def calendar_name(self, position: int) -> str:
        """The calendar of one symbol (its own, else its class's default)."""
        chosen = self.thresholds[position].calendar
        if chosen is not None:
            return chosen
        from rustybt.data.calendars import calendar_for  # exchange-calendars is slow to import

        return calendar_for(self.classes[position]).name


def _class_of(spec: ClassSpec, symbol: str) -> AssetClass:
    if isinstance(spec, Mapping):
        return AssetClass(spec.get(symbol, AssetClass.EQUITY))
    return AssetClass(spec)


def resolve_settings(
    symbols: Sequence[str], asset_class: ClassSpec, config: ValidationConfig
) -> SymbolSettings:
    """Each symbol's class and thresholds, plus the default (for code -1) last."""
    classes = [_class_of(asset_class, s) for s in symbols]
    default = AssetClass.EQUITY if isinstance(asset_class, Mapping) else AssetClass(asset_class)
    thresholds = [config.thresholds(s, c) for s, c in zip(symbols, classes, strict=True)]
    return SymbolSettings(
        symbols=tuple(symbols),
        classes=(*classes, default),
        thresholds=(*thresholds, config.for_class(default)),
    )
