"""`data` as the strategy sees it: prices up to the current bar and never beyond.

Return types follow zipline, with one deliberate difference for speed: one asset
and one field give a read-only numpy array (positional slicing and reductions
behave as on a Series; label-based calls fail loudly rather than silently
differ). Several assets or fields give a DataFrame / Series, built without copying.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import overload

import numpy as np
import pandas as pd

from rustybt.assets import Asset
from rustybt.data.bars import BAR_FIELDS, BarPanel, FloatArray, Frequency
from rustybt.engine.session_bars import SessionBars
from rustybt.errors import LookaheadError, StrategyError, UnknownSymbol

__all__ = ["BarData"]

FIELDS = (*BAR_FIELDS, "price")
_FREQUENCY_ALIASES = {
    Frequency.DAILY: {"1d", "d", "daily", "1day"},
    Frequency.MINUTE: {"1m", "m", "minute", "1min"},
}

AssetLike = Asset | str
HistoryResult = FloatArray | pd.Series | pd.DataFrame


def _forward_fill(values: FloatArray) -> FloatArray:
    """Carry the last valid value down each column (vectorised)."""
    valid = ~np.isnan(values)
    rows = np.where(valid, np.arange(values.shape[0])[:, None], 0)
    np.maximum.accumulate(rows, axis=0, out=rows)
    # Rows before an asset's first bar point at row 0, which is NaN for that asset.
    filled: FloatArray = values[rows, np.arange(values.shape[1])]
    return filled


class BarData:
    """Market data visible to the strategy at the current bar."""

    def __init__(self, panel: BarPanel) -> None:
        # The panel holds future bars: it stays private, and every public method
        # reads only up to ``self.bar``.
        self._panel = panel
        self.bar = -1
        self._columns: dict[Asset, int] = {a: c for c, a in enumerate(panel.assets)}
        self._by_symbol: dict[str, Asset] = {a.symbol: a for a in panel.assets}
        self._by_id: dict[int, tuple[Asset, int]] = {
            id(a): (a, c) for c, a in enumerate(panel.assets)
        }
        self._prices: FloatArray = _forward_fill(panel.close)
        self._arrays: dict[str, FloatArray] = {f: panel.field(f) for f in BAR_FIELDS}
        self._arrays["price"] = self._prices
        self._selection_cache: dict[int, tuple[list[AssetLike], list[int], pd.Index]] = {}
        self._timestamps: dict[int, pd.Timestamp] = {}
        self._all_columns = list(range(len(panel.assets)))
        self._sessions: SessionBars | None = None  # built on the first daily request

    # -- lookups -----------------------------------------------------------------
    def asset(self, asset: AssetLike) -> Asset:
        # Always the panel's own object: an equal Asset built by the user may lack its
        # class and fractional flag, which order sizing and the volume cap rely on.
        symbol = asset.symbol if isinstance(asset, Asset) else asset
        found = self._by_symbol.get(symbol)
        if found is None:
            raise UnknownSymbol(
                f"symbol {symbol!r} is not in the backtest data",
                context={"symbol": symbol},
                hint="check the symbol and the data set passed to run_backtest",
            )
        return found

    def column(self, asset: AssetLike) -> int:
        # The panel's own Asset objects are what strategies hold, so an identity
        # lookup (C-level int hash) answers almost every call.
        known = self._by_id.get(id(asset))
        if known is not None and known[0] is asset:
            return known[1]
        return self._columns[self.asset(asset)]

    def _field_array(self, field: str) -> FloatArray:
        array = self._arrays.get(field)
        if array is None:
            raise StrategyError(
                f"unknown field {field!r}",
                hint=f"use one of {', '.join(FIELDS)}",
            )
        return array

    def _selection(self, assets: Iterable[AssetLike]) -> tuple[list[int], pd.Index]:
        """Columns and column labels of an asset list, cached per list object.

        Strategies pass the same list every bar; comparing it with the cached copy
        short-circuits on element identity, so a hit costs no hashing at all.
        """
        key = id(assets)
        cached = self._selection_cache.get(key)
        if cached is not None and cached[0] == assets:
            return cached[1], cached[2]
        chosen = [self.asset(a) for a in assets]
        columns = [self._columns[a] for a in chosen]
        labels = pd.Index(chosen, dtype=object)
        if isinstance(assets, list | tuple):
            if len(self._selection_cache) > 64:
                self._selection_cache.clear()
            self._selection_cache[key] = (list(assets), columns, labels)
        return columns, labels

    def timestamp(self, bar: int) -> pd.Timestamp:
        """The label of bar ``bar`` (cached: boxing a Timestamp costs microseconds)."""
        stamp = self._timestamps.get(bar)
        if stamp is None:
            stamp = self._timestamps[bar] = self._panel.index[bar]
        return stamp

    @property
    def current_dt(self) -> pd.Timestamp:
        """The current bar's label; the first bar's before it (in ``initialize``)."""
        return self.timestamp(max(self.bar, 0))

    # -- API -----------------------------------------------------------------------
    # Overloads give typed strategies the precise return type of each call shape.
    # A str is also a Sequence[str] and an Iterable: mypy calls the shapes overlapping,
    # but overloads match in order, and a str symbol or field always takes the first.
    @overload
    def current(self, assets: AssetLike, fields: str) -> float: ...  # type: ignore[overload-overlap]
    @overload
    def current(self, assets: AssetLike, fields: Sequence[str]) -> pd.Series: ...  # type: ignore[overload-overlap]
    @overload
    def current(self, assets: Iterable[AssetLike], fields: str) -> pd.Series: ...  # type: ignore[overload-overlap]
    @overload
    def current(self, assets: Iterable[AssetLike], fields: Sequence[str]) -> pd.DataFrame: ...
    def current(
        self, assets: AssetLike | Iterable[AssetLike], fields: str | Sequence[str]
    ) -> float | pd.Series | pd.DataFrame:
        """Values of the current bar. ``price`` is the last traded close (forward-filled);
        the raw fields are NaN when the asset has no bar now."""
        if self.bar < 0:
            raise LookaheadError("no bar is visible yet (called before the first bar)")
        if isinstance(assets, Asset | str):
            column = self.column(assets)
            if isinstance(fields, str):
                return float(self._field_array(fields)[self.bar, column])
            return pd.Series(
                {f: float(self._field_array(f)[self.bar, column]) for f in fields}, dtype=float
            )
        columns, labels = self._selection(assets)
        if isinstance(fields, str):
            return pd.Series(self._field_array(fields)[self.bar, columns], index=labels)
        return pd.DataFrame(
            {f: self._field_array(f)[self.bar, columns] for f in fields}, index=labels
        )

    @overload
    def history(  # type: ignore[overload-overlap]  # str matches first (see current)
        self, assets: AssetLike, fields: str, bar_count: int, frequency: str | None = None
    ) -> FloatArray: ...
    @overload
    def history(
        self,
        assets: AssetLike | Iterable[AssetLike],
        fields: str | Sequence[str],
        bar_count: int,
        frequency: str | None = None,
    ) -> pd.DataFrame: ...
    def history(
        self,
        assets: AssetLike | Iterable[AssetLike],
        fields: str | Sequence[str],
        bar_count: int,
        frequency: str | None = None,
    ) -> HistoryResult:
        """The last ``bar_count`` bars up to and including the current one.

        One asset, one field: a read-only float array of length ``bar_count``.
        Several assets, one field: a DataFrame (time x assets). One asset, several
        fields: a DataFrame (time x fields). Several of both: a DataFrame with
        (field, asset) columns. Bars before the start of the data are NaN.
        """
        daily_from_minutes = False
        if (
            frequency is not None
            and frequency.lower() not in _FREQUENCY_ALIASES[self._panel.frequency]
        ):
            daily_from_minutes = (
                self._panel.frequency is Frequency.MINUTE
                and frequency.lower() in _FREQUENCY_ALIASES[Frequency.DAILY]
            )
            if not daily_from_minutes:
                raise StrategyError(
                    f"history frequency {frequency!r} cannot be built from "
                    f"{self._panel.frequency} data",
                    hint="daily data gives daily history only; minute data gives both",
                )
        if bar_count < 1:
            raise StrategyError("bar_count must be at least 1", context={"bar_count": bar_count})
        if self.bar < 0:
            raise LookaheadError("no bar is visible yet (called before the first bar)")
        if daily_from_minutes:
            return self._daily_history(assets, fields, bar_count)
        end = self.bar + 1
        start = end - bar_count
        if isinstance(assets, Asset | str) and isinstance(fields, str):
            column = self.column(assets)
            if start >= 0:
                view = self._field_array(fields)[start:end, column]
            else:
                view = np.concatenate(
                    [np.full(-start, np.nan), self._field_array(fields)[0:end, column]]
                )
            view.flags.writeable = False
            return view
        index = self._history_index(start, end)
        field_list = [fields] if isinstance(fields, str) else list(fields)
        if isinstance(assets, Asset | str):
            column = self.column(assets)
            return pd.DataFrame(
                {
                    f: self._window(self._field_array(f), start, end, [column])[:, 0]
                    for f in field_list
                },
                index=index,
            )
        columns, labels = self._selection(assets)
        blocks = {f: self._window(self._field_array(f), start, end, columns) for f in field_list}
        if isinstance(fields, str):
            return pd.DataFrame(blocks[fields], index=index, columns=labels, copy=False)
        return pd.concat(
            {f: pd.DataFrame(blocks[f], index=index, columns=labels) for f in field_list}, axis=1
        )

    def _daily_history(
        self,
        assets: AssetLike | Iterable[AssetLike],
        fields: str | Sequence[str],
        bar_count: int,
    ) -> HistoryResult:
        """``history(..., "1d")`` in a minute backtest (see `SessionBars`); the same
        return shapes as the minute history."""
        if self._sessions is None:
            self._sessions = SessionBars(self._panel, self._prices)
        if isinstance(assets, Asset | str) and isinstance(fields, str) and fields in FIELDS:
            # The common call, once per minute: no labels, no frames.
            return self._sessions.window_one(fields, self.bar, bar_count, self.column(assets))
        field_list = [fields] if isinstance(fields, str) else list(fields)
        for field in field_list:
            self._field_array(field)  # an unknown field fails here, with the hint
        single_asset = isinstance(assets, Asset | str)
        if isinstance(assets, Asset | str):
            columns, labels = [self.column(assets)], pd.Index([self.asset(assets)], dtype=object)
        else:
            columns, labels = self._selection(assets)
        blocks = {}
        for field in field_list:
            blocks[field], index = self._sessions.window(field, self.bar, bar_count, columns)
        if single_asset and isinstance(fields, str):
            column: FloatArray = blocks[fields][:, 0]
            return column
        if single_asset:
            return pd.DataFrame({f: blocks[f][:, 0] for f in field_list}, index=index)
        if isinstance(fields, str):
            return pd.DataFrame(blocks[fields], index=index, columns=labels, copy=False)
        return pd.concat(
            {f: pd.DataFrame(blocks[f], index=index, columns=labels) for f in field_list}, axis=1
        )

    def _window(self, array: FloatArray, start: int, end: int, columns: list[int]) -> FloatArray:
        if len(columns) == array.shape[1] and columns == self._all_columns:
            block = array[max(start, 0) : end]
        else:
            block = array[max(start, 0) : end][:, columns]
        if start < 0:
            pad = np.full((-start, block.shape[1]), np.nan)
            block = np.vstack([pad, block])
        else:
            # Often a view of the panel: a strategy writing into the frame built on it
            # would silently change the market data of later bars.
            block = block.view()
            block.flags.writeable = False
        return block

    def _history_index(self, start: int, end: int) -> pd.DatetimeIndex:
        index = self._panel.index
        if start >= 0:
            return index[start:end]
        step = index[1] - index[0] if len(index) > 1 else pd.Timedelta(days=1)
        before = pd.date_range(end=index[0] - step, periods=-start, freq=step, tz="UTC")
        return pd.DatetimeIndex(before.append(index[0:end]))

    @overload
    def can_trade(self, assets: AssetLike) -> bool: ...  # type: ignore[overload-overlap]
    @overload
    def can_trade(self, assets: Iterable[AssetLike]) -> pd.Series: ...
    def can_trade(self, assets: AssetLike | Iterable[AssetLike]) -> bool | pd.Series:
        """True where the asset has a bar now (a tradable open for the next fill)."""
        if isinstance(assets, Asset | str):
            return bool(not np.isnan(self._panel.close[self.bar, self.column(assets)]))
        columns, labels = self._selection(assets)
        return pd.Series(~np.isnan(self._panel.close[self.bar, columns]), index=labels)

    def is_stale(self, asset: AssetLike) -> bool:
        """True when the asset has traded before but has no bar now."""
        column = self.column(asset)
        return bool(
            np.isnan(self._panel.close[self.bar, column])
            and not np.isnan(self._prices[self.bar, column])
        )
