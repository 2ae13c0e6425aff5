"""`data` as the strategy sees it: prices up to the current bar and never beyond.

Return types follow zipline, with one deliberate difference for speed: one asset
and one field give a read-only numpy array (positional slicing and reductions
behave as on a Series; label-based calls fail loudly rather than silently
differ). Several assets or fields give a DataFrame / Series, built without copying.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from rustybt.assets import Asset
from rustybt.data.bars import BAR_FIELDS, BarPanel, FloatArray, Frequency
from rustybt.engine.series_view import (
    IndexWindows,
    frame_view,
    lazy_series,
    series_view,
    stacked_fields,
)
from rustybt.engine.session_bars import SessionBars
from rustybt.errors import LookaheadError, StrategyError, UnknownSymbol

__all__ = ["BarData"]

FIELDS = (*BAR_FIELDS, "price")
# Bar labels boxed at once on a cache miss while a run reads labels bar after bar
# (`BarData._box_labels`): ~0.6 µs a label instead of 2.6-20 µs one at a time.
_LABEL_BLOCK = 64
_FREQUENCY_ALIASES = {
    Frequency.DAILY: {"1d", "d", "daily", "1day"},
    Frequency.MINUTE: {"1m", "m", "minute", "1min"},
}

AssetLike = Asset | str
IntArray = npt.NDArray[np.int64]
HistoryResult = FloatArray | pd.Series | pd.DataFrame


def _forward_fill(values: FloatArray, *, copy: bool = True) -> FloatArray:
    """Carry the last valid value down each column (vectorised).

    Only columns with a gap are filled (most have none): a copy of the rest costs a
    fraction of the row-number gather below. With no gap at all and ``copy`` False,
    ``values`` itself is the answer (a backtest's prices share the close's memory:
    2,000 x 2,520 daily saves a 40 MB array, ~0.09 s of fresh pages)."""
    gaps = np.flatnonzero(np.isnan(values).any(axis=0))
    if len(gaps) == values.shape[1]:
        return _fill_columns(values)
    if not copy and not len(gaps):
        return values
    filled = values.copy()
    if len(gaps):
        filled[:, gaps] = _fill_columns(values[:, gaps])
    return filled


def _fill_columns(values: FloatArray) -> FloatArray:
    # int32 row numbers when they fit: the index array is the biggest temporary here
    # (half of a float64 panel field instead of all of it).
    kind = np.int32 if values.shape[0] < 2**31 else np.int64
    rows = np.where(~np.isnan(values), np.arange(values.shape[0], dtype=kind)[:, None], 0)
    np.maximum.accumulate(rows, axis=0, out=rows)
    # Rows before an asset's first bar point at row 0, which is NaN for that asset.
    filled: FloatArray = values[rows, np.arange(values.shape[1])]
    return filled


class BarData:
    """Market data visible to the strategy at the current bar."""

    def __init__(
        self,
        panel: BarPanel,
        *,
        lookback: BarPanel | None = None,
        zipline_api: bool = False,
        live: bool = False,
    ) -> None:
        # The panel holds future bars: it stays private, and every public method
        # reads only up to ``self.bar``. ``lookback`` holds the bars before the
        # backtest's first one (same assets, same order): history reaches into them.
        # ``live``: arriving bars are written into the arrays (`rustybt.live.bar_writer`
        # writes the close, then the forward-filled price), so the derived price arrays
        # must be memory of their own; a backtest's never change, and may share.
        self._panel = panel
        self.live = live
        self._zipline = zipline_api
        self._daily = panel.frequency is Frequency.DAILY
        self.bar = -1
        self._columns: dict[Asset, int] = {a: c for c, a in enumerate(panel.assets)}
        self._by_symbol: dict[str, Asset] = {a.symbol: a for a in panel.assets}
        self._by_id: dict[int, tuple[Asset, int]] = {
            id(a): (a, c) for c, a in enumerate(panel.assets)
        }
        # Full arrays = lookback rows then the panel's; ``_arrays`` are views of the
        # panel's part (row 0 = the backtest's first bar), ``_offset`` rows later.
        self._offset = 0 if lookback is None else len(lookback)
        if self._offset:
            assert lookback is not None
            self._index = pd.DatetimeIndex(lookback.index.append(panel.index))
            self._full = {f: np.vstack([lookback.field(f), panel.field(f)]) for f in BAR_FIELDS}
        else:
            self._index = panel.index
            self._full = {f: panel.field(f) for f in BAR_FIELDS}
        self._full["price"] = _forward_fill(self._full["close"], copy=live)
        self._index_windows = IndexWindows(self._index)
        # Read-only views of the full arrays for history windows: a slice of one is
        # read-only already (setting the flag per call cost ~0.3 µs of ~1.2 µs). The
        # arrays themselves stay writable: the live runner writes arriving bars in.
        self._read_only: dict[str, FloatArray] = {}
        for name, values in self._full.items():
            view = values.view()
            view.flags.writeable = False
            self._read_only[name] = view
        self._arrays: dict[str, FloatArray] = {
            f: values[self._offset :] for f, values in self._full.items()
        }
        self._prices: FloatArray = self._arrays["price"]
        self._lifetimes: tuple[IntArray, IntArray] | None = None  # built on first use
        self._last_trade: IntArray | None = None  # built on first use
        # True while zipline's before_trading_start runs before the first session
        # with no earlier bars: reads give NaN (no data yet) instead of failing.
        self.before_first_session = False
        # 1 while zipline's before_trading_start runs: its clock is the coming session.
        self.clock_ahead = 0
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
        if columns == self._all_columns:
            columns = self._all_columns  # `_window` then knows it by identity, per bar
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
            stamp = self._box_labels(bar)
        return stamp

    def _box_labels(self, bar: int) -> pd.Timestamp:
        """Box bar ``bar``'s label into the cache, and the next ones with it when the
        run reads labels bar after bar.

        Indexing a DatetimeIndex boxes one Timestamp through pandas' Python layers
        (~2.6 µs warm, 10-20 µs with cold caches in a big run); listing a slice boxes
        them in one C loop (~0.5 µs each), equal objects with the same unit and zone
        object. A block is boxed only when the three bars before were read too: a
        daily portfolio trades every bar, while a minute strategy trading a few
        thousand of 250,000 bars (an order, its fill the next bar) would box and keep
        every label for nothing. A negative ``bar`` counts from the end, as indexing
        does."""
        index = self._panel.index
        stamps = self._timestamps
        if bar < 3 or bar - 1 not in stamps or bar - 2 not in stamps or bar - 3 not in stamps:
            stamp: pd.Timestamp = index[bar]
            stamps[bar] = stamp
            return stamp
        for offset, label in enumerate(index[bar : bar + _LABEL_BLOCK]):
            stamps.setdefault(bar + offset, label)
        found = stamps.get(bar)
        return index[bar] if found is None else found  # past the end: IndexError

    @property
    def current_dt(self) -> pd.Timestamp:
        """The current bar's label; the first bar's before it (in ``initialize``);
        the coming session's in zipline's ``before_trading_start``."""
        return self.timestamp(max(self.bar + self.clock_ahead, 0))

    # -- API -----------------------------------------------------------------------
    def _row(self) -> int:
        """The current bar's row in the full arrays; before the first bar (in
        ``before_trading_start`` of the first session) the last lookback row."""
        row = self.bar + self._offset
        if self.bar < -1 or (row < 0 and not self.before_first_session):
            raise LookaheadError("no bar is visible yet (called before the first bar)")
        return row

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
        row = self._row()
        if row < 0:
            return self._no_data(assets, fields)
        if isinstance(assets, Asset | str):
            column = self.column(assets)
            if isinstance(fields, str):
                return float(self._full_array(fields)[row, column])
            return pd.Series(
                {f: float(self._full_array(f)[row, column]) for f in fields}, dtype=float
            )
        columns, labels = self._selection(assets)
        if isinstance(fields, str):
            return pd.Series(self._full_array(fields)[row, columns], index=labels)
        return pd.DataFrame({f: self._full_array(f)[row, columns] for f in fields}, index=labels)

    def _no_data(
        self, assets: AssetLike | Iterable[AssetLike], fields: str | Sequence[str]
    ) -> float | pd.Series | pd.DataFrame:
        """`current` before any bar: NaN in the shape a bar would have."""
        names = [fields] if isinstance(fields, str) else list(fields)
        for name in names:
            self._full_array(name)
        if isinstance(assets, Asset | str):
            self.column(assets)
            return math.nan if isinstance(fields, str) else pd.Series(math.nan, index=names)
        _, labels = self._selection(assets)
        if isinstance(fields, str):
            return pd.Series(math.nan, index=labels)
        return pd.DataFrame(math.nan, index=labels, columns=names)

    def _full_array(self, field: str) -> FloatArray:
        array = self._full.get(field)
        if array is None:
            self._field_array(field)  # raises with the list of fields
            raise AssertionError(field)
        return array

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

        One asset, one field: a read-only float array of length ``bar_count`` (a
        Series indexed by time for zipline-style strategies). Several assets, one
        field: a DataFrame (time x assets). One asset, several fields: a DataFrame
        (time x fields). Several of both: a DataFrame with (field, asset) columns.
        Bars before the backtest's start come from the data when it has them
        (``run_backtest`` keeps the bars before ``start``); before the data: NaN.
        """
        # The per-bar call of most strategies, answered before the general checks
        # below: one of the panel's own assets, one field, the data's frequency, a
        # full window. Same view as the general path gives (a minute-bar run makes
        # this call on every bar: about a quarter of the engine's own time there).
        if frequency is None and type(fields) is str and self.bar >= 0 and not self._zipline:
            known = self._by_id.get(id(assets))
            if known is not None and known[0] is assets and bar_count >= 1:
                read_only = self._read_only.get(fields)
                end = self.bar + self._offset + 1
                if read_only is not None and end >= bar_count:
                    return read_only[end - bar_count : end, known[1]]
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
        end = self._row() + 1
        if daily_from_minutes:
            return self._daily_history(assets, fields, bar_count)
        start = end - bar_count
        if isinstance(assets, Asset | str) and isinstance(fields, str):
            column = self.column(assets)
            read_only = self._read_only.get(fields)
            if read_only is None:
                read_only = self._full_array(fields)  # raises: an unknown field, with the hint
            if start >= 0:
                view = read_only[start:end, column]  # read-only as its base: no flag to set
            else:
                view = np.concatenate([np.full(-start, np.nan), read_only[0:end, column]])
                view.flags.writeable = False
            if self._zipline:
                # Its index and pandas internals are built only if the strategy uses
                # more than the values (see `LazySeries`).
                return lazy_series(
                    view, self._history_index, start, end, self._panel.assets[column]
                )
            return view
        index = self._history_index(start, end)
        field_list = [fields] if isinstance(fields, str) else list(fields)
        if isinstance(assets, Asset | str):
            column = self.column(assets)
            return pd.DataFrame(
                {
                    f: self._window(self._full_array(f), start, end, [column])[:, 0]
                    for f in field_list
                },
                index=index,
            )
        columns, labels = self._selection(assets)
        blocks = {f: self._window(self._full_array(f), start, end, columns) for f in field_list}
        if isinstance(fields, str):
            return frame_view(blocks[fields], index, labels)
        if self._zipline:
            return stacked_fields(blocks, index, labels, "date" if self._daily else "date_time")
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
        return shapes as the minute history. Sessions before the start are NaN."""
        if self._sessions is None:
            self._sessions = SessionBars(self._panel, self._prices)
        if (
            not self._zipline
            and isinstance(assets, Asset | str)
            and isinstance(fields, str)
            and fields in FIELDS
        ):
            # The common call, once per minute: no labels, no frames (zipline-style code
            # gets its Series below).
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
        if self.bar < 0:
            # zipline's before_trading_start of the first session: no minute seen yet.
            day = pd.Timedelta(days=1)
            index = pd.date_range(
                end=self._panel.index[0].normalize() - day, periods=bar_count, freq="D"
            )
            for field in field_list:
                blocks[field] = np.full((bar_count, len(columns)), np.nan)
        for field in field_list if self.bar >= 0 else ():
            blocks[field], index = self._sessions.window(field, self.bar, bar_count, columns)
        if single_asset and isinstance(fields, str):
            column: FloatArray = blocks[fields][:, 0]
            if self._zipline:
                return series_view(column, index, labels[0])
            return column
        if single_asset:
            return pd.DataFrame({f: blocks[f][:, 0] for f in field_list}, index=index)
        if isinstance(fields, str):
            return frame_view(blocks[fields], index, labels)
        if self._zipline:
            return stacked_fields(blocks, index, labels, "date")
        return pd.concat(
            {f: pd.DataFrame(blocks[f], index=index, columns=labels) for f in field_list}, axis=1
        )

    def _window(self, array: FloatArray, start: int, end: int, columns: list[int]) -> FloatArray:
        if columns is self._all_columns:
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
        index = self._index
        if start >= 0:
            return self._index_windows(start, end)
        step = index[1] - index[0] if len(index) > 1 else pd.Timedelta(days=1)
        before = pd.date_range(end=index[0] - step, periods=-start, freq=step, tz="UTC")
        return pd.DatetimeIndex(before.append(index[0:end]))

    def last_sale_date(self, asset: AssetLike) -> pd.Timestamp | None:
        """The time of the asset's last bar with a close, up to now (None: none yet)."""
        if self._last_trade is None:
            traded = ~np.isnan(self._full["close"])
            rows = np.where(traded, np.arange(len(traded))[:, None], -1)
            self._last_trade = np.maximum.accumulate(rows, axis=0)
        row = self.bar + self._offset
        if row < 0:
            return None
        last = int(self._last_trade[row, self.column(asset)])
        return None if last < 0 else self._index[last]

    # -- tradability ------------------------------------------------------------------
    def _alive(self, row: int, columns: list[int] | int) -> npt.NDArray[np.bool_]:
        """zipline's lifetime rule: between the asset's first and last bar in the data."""
        if self._lifetimes is None:
            traded = ~np.isnan(self._full["close"])
            rows = np.arange(len(traded))[:, None]
            first = np.where(traded, rows, len(traded)).min(axis=0)
            last = np.where(traded, rows, -1).max(axis=0)
            self._lifetimes = (first.astype(np.int64), last.astype(np.int64))
        first, last = self._lifetimes
        alive: npt.NDArray[np.bool_] = (first[columns] <= row) & (row <= last[columns])
        return alive

    def _tradable(self, row: int, columns: list[int] | int) -> npt.NDArray[np.bool_]:
        if row < 0:
            return np.zeros(np.shape(columns), dtype=bool)
        if self._zipline:
            # zipline: alive, and a last price known (a day without a bar still trades).
            return self._alive(row, columns) & ~np.isnan(self._full["price"][row, columns])
        traded: npt.NDArray[np.bool_] = ~np.isnan(self._full["close"][row, columns])
        return traded

    @overload
    def can_trade(self, assets: AssetLike) -> bool: ...  # type: ignore[overload-overlap]
    @overload
    def can_trade(self, assets: Iterable[AssetLike]) -> pd.Series: ...
    def can_trade(self, assets: AssetLike | Iterable[AssetLike]) -> bool | pd.Series:
        """True where the asset has a bar now (a tradable open for the next fill).

        zipline-style strategies get zipline's rule: the asset is alive (between
        its first and last bar in the data) and has a price (it traded before)."""
        row = self._row()
        if isinstance(assets, Asset | str):
            return bool(self._tradable(row, self.column(assets)))
        columns, labels = self._selection(assets)
        return pd.Series(self._tradable(row, columns), index=labels)

    @overload
    def is_stale(self, assets: AssetLike) -> bool: ...  # type: ignore[overload-overlap]
    @overload
    def is_stale(self, assets: Iterable[AssetLike]) -> pd.Series: ...
    def is_stale(self, assets: AssetLike | Iterable[AssetLike]) -> bool | pd.Series:
        """True when the asset traded before but has no bar now (zipline: and it is
        alive: between its first and last bar in the data)."""
        row = self._row()
        single = isinstance(assets, Asset | str)
        if isinstance(assets, Asset | str):
            columns: list[int] = [self.column(assets)]
            labels = None
        else:
            columns, labels = self._selection(assets)
        if row < 0:
            return False if single else pd.Series(False, index=labels)
        stale = np.isnan(self._full["close"][row, columns]) & ~np.isnan(
            self._full["price"][row, columns]
        )
        if self._zipline:
            stale &= self._alive(row, columns)
        if single:
            return bool(stale[0])
        return pd.Series(stale, index=labels)
