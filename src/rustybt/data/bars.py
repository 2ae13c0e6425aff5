"""The bar schema shared by every source, the catalog and the engine.

Two shapes of the same data:

* the *long frame*: one row per (timestamp, symbol), the columns in `BAR_COLUMNS`,
  ``timestamp`` tz-aware UTC. Sources produce it, the catalog stores it.
* the `BarPanel`: aligned 2-D float64 arrays (time x asset) per field, NaN where an
  asset has no bar. The engine reads it; building it is one vectorised pivot, and
  slicing it never builds a DataFrame per bar.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

import numpy as np
import numpy.typing as npt
import pandas as pd

from rustybt.assets import Asset
from rustybt.errors import ConfigError, DataNotFound, SchemaError, UnknownSymbol
from rustybt.summary import clip_names, summary_html, summary_text

__all__ = [
    "BAR_COLUMNS",
    "PRICE_FIELDS",
    "BarPanel",
    "FloatArray",
    "Frequency",
]

FloatArray = npt.NDArray[np.float64]

PRICE_FIELDS: tuple[str, ...] = ("open", "high", "low", "close")
BAR_FIELDS: tuple[str, ...] = (*PRICE_FIELDS, "volume")
BAR_COLUMNS: tuple[str, ...] = ("timestamp", "symbol", *BAR_FIELDS)


class Frequency(StrEnum):
    DAILY = "daily"
    MINUTE = "minute"


def to_utc_index(values: object) -> pd.DatetimeIndex:
    """Any datetime-like input as a tz-aware UTC index (naive input is taken as UTC)."""
    index = pd.DatetimeIndex(values)  # type: ignore[arg-type]  # pandas accepts any array-like
    if index.tz is None:
        return index.tz_localize("UTC")
    return index.tz_convert("UTC")


def to_utc_timestamp(value: object) -> pd.Timestamp:
    """A tz-aware UTC timestamp from a str, date, datetime or Timestamp (naive = UTC)."""
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]  # pandas accepts any scalar date
    if stamp.tzinfo is None:
        return stamp.tz_localize("UTC")
    return stamp.tz_convert("UTC")


@dataclass(frozen=True)
class BarPanel:
    """Aligned OHLCV arrays for many assets over one time index.

    Attributes:
        index: tz-aware UTC timestamps, sorted and unique (session label at 00:00
            UTC for daily bars, bar start for minute bars).
        assets: one per column of the arrays, in column order.
        open, high, low, close, volume: float64 arrays of shape (len(index), len(assets));
            NaN marks a missing bar.
        frequency: daily or minute.
    """

    index: pd.DatetimeIndex
    assets: tuple[Asset, ...]
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray
    frequency: Frequency = Frequency.DAILY

    def __post_init__(self) -> None:
        shape = (len(self.index), len(self.assets))
        for name in BAR_FIELDS:
            array = getattr(self, name)
            if array.shape != shape:
                raise SchemaError(
                    f"BarPanel field {name!r} has shape {array.shape}, expected {shape}",
                    context={"field": name},
                )
        if self.index.tz is None:
            raise SchemaError("BarPanel index must be tz-aware UTC")
        if not self.index.is_monotonic_increasing or not self.index.is_unique:
            raise SchemaError("BarPanel index must be sorted and unique")

    def __len__(self) -> int:
        return len(self.index)

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(asset.symbol for asset in self.assets)

    def _summary(self) -> dict[str, str]:
        # A summary, never the arrays: a panel can hold millions of bars.
        missing = int(np.isnan(self.close).sum()) if self.close.size else 0
        shown = self.index.date if self.frequency is Frequency.DAILY else self.index
        period = f"{shown[0]} to {shown[-1]}" if len(self.index) else "-"
        return {
            "frequency": str(self.frequency),
            "period": period,
            "bars": f"{len(self.index):,}",
            "assets": f"{len(self.assets):,}: {clip_names(self.symbols)}",
            "missing closes": f"{missing:,} of {self.close.size:,}",
        }

    def __repr__(self) -> str:
        return summary_text("BarPanel", self._summary())

    def _repr_html_(self) -> str:
        return summary_html("BarPanel", self._summary())

    def field(self, name: str) -> FloatArray:
        """The (time x asset) array of one field."""
        if name not in BAR_FIELDS:
            raise SchemaError(f"unknown bar field {name!r}; use one of {', '.join(BAR_FIELDS)}")
        array: FloatArray = getattr(self, name)
        return array

    @cached_property
    def _column_of(self) -> dict[str, int]:
        # Built once: a scan per call made selecting 2,000 assets quadratic (0.24 s).
        # The first column of a symbol wins, as the scan it replaces did.
        found: dict[str, int] = {}
        for position, candidate in enumerate(self.assets):
            found.setdefault(candidate.symbol, position)
        return found

    def column(self, asset: Asset | str) -> int:
        """Column number of an asset (by object or symbol)."""
        symbol = asset.symbol if isinstance(asset, Asset) else asset
        position = self._column_of.get(symbol)
        if position is not None:
            return position
        raise UnknownSymbol(
            f"symbol {symbol!r} is not in this data",
            context={"symbol": symbol},
            hint=f"available: {', '.join(self.symbols[:10])}{'...' if len(self.assets) > 10 else ''}",
        )

    def select(
        self,
        *,
        start: object | None = None,
        end: object | None = None,
        assets: Iterable[Asset | str] | None = None,
    ) -> BarPanel:
        """A sub-panel for [start, end] (inclusive) and a subset of assets."""
        rows = slice(None)
        if (
            start is not None
            and end is not None
            and to_utc_timestamp(start) > to_utc_timestamp(end)
        ):
            raise ConfigError(
                f"start {start} is after end {end}",
                context={"start": start, "end": end},
                hint="swap them, or leave one out to run to the edge of the data",
            )
        if start is not None or end is not None:
            lo = 0 if start is None else int(self.index.searchsorted(to_utc_timestamp(start)))
            hi = (
                len(self.index)
                if end is None
                else int(self.index.searchsorted(to_utc_timestamp(end), side="right"))
            )
            if hi <= lo:
                raise DataNotFound(
                    "the requested window holds no bars",
                    context={"start": start, "end": end},
                    hint=f"data covers {self.index[0]} to {self.index[-1]}" if len(self) else None,
                )
            rows = slice(lo, hi)
        if assets is None:
            columns: list[int] | slice = slice(None)
            chosen = self.assets
        else:
            columns = [self.column(asset) for asset in assets]
            chosen = tuple(self.assets[c] for c in columns)
            if columns == list(range(len(self.assets))):
                columns = slice(None)
        if rows == slice(None) and columns == slice(None):
            return self  # frozen, so sharing is safe and saves copying every array
        return BarPanel(
            index=self.index[rows],
            assets=chosen,
            open=np.ascontiguousarray(self.open[rows][:, columns]),
            high=np.ascontiguousarray(self.high[rows][:, columns]),
            low=np.ascontiguousarray(self.low[rows][:, columns]),
            close=np.ascontiguousarray(self.close[rows][:, columns]),
            volume=np.ascontiguousarray(self.volume[rows][:, columns]),
            frequency=self.frequency,
        )

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        frequency: Frequency = Frequency.DAILY,
        assets: Sequence[Asset] | None = None,
    ) -> BarPanel:
        """Pivot a long frame (columns `BAR_COLUMNS`) into a panel in one vectorised step.

        ``assets`` supplies Asset objects (class, sector...) by symbol; symbols not in
        it become plain equities. Duplicate (timestamp, symbol) rows raise SchemaError.
        """
        missing = [c for c in BAR_COLUMNS if c not in frame.columns]
        if missing:
            raise SchemaError(
                f"bar frame lacks required column(s): {', '.join(missing)}",
                context={"columns": list(frame.columns)},
            )
        if frame.empty:
            raise DataNotFound("no bars to build a panel from")
        timestamps = to_utc_index(frame["timestamp"])
        index, row_codes = np.unique(timestamps.asi8, return_inverse=True)
        symbols, col_codes = np.unique(frame["symbol"].to_numpy(dtype=str), return_inverse=True)
        flat = row_codes.astype(np.int64) * len(symbols) + col_codes
        if len(np.unique(flat)) != len(flat):
            raise SchemaError("bar frame has duplicate (timestamp, symbol) rows")
        by_symbol = {asset.symbol: asset for asset in assets or ()}
        arrays: dict[str, FloatArray] = {}
        for name in BAR_FIELDS:
            values = np.full(len(index) * len(symbols), np.nan)
            values[flat] = frame[name].to_numpy(dtype=np.float64)
            arrays[name] = values.reshape(len(index), len(symbols))
        return cls(
            index=pd.DatetimeIndex(index.astype("datetime64[ns]")).tz_localize("UTC"),
            assets=tuple(by_symbol.get(str(s), Asset(str(s))) for s in symbols),
            frequency=frequency,
            **arrays,
        )

    def to_frame(self) -> pd.DataFrame:
        """The long frame again, without the rows where an asset had no bar."""
        rows, cols = np.nonzero(~np.isnan(self.close))
        data: dict[str, object] = {
            "timestamp": self.index[rows],
            "symbol": np.asarray(self.symbols, dtype=object)[cols],
        }
        for name in BAR_FIELDS:
            data[name] = getattr(self, name)[rows, cols]
        return pd.DataFrame(data)
