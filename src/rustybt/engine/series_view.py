"""pandas Series and DataFrames over read-only numpy windows, built without pandas' checks.

``data.history`` returns pandas objects on every bar: a Series per call for
zipline-style strategies, a DataFrame for several assets. The public
constructors spend most of their time (~5 µs for a Series, ~9 µs for a
500-column frame) inferring and validating what the engine already knows: the
values are float64, the index is a DatetimeIndex of the right length, the
labels are unique assets. Building the object straight from a block manager
skips that (~1.8 µs and ~3 µs), and the result is an ordinary ``pd.Series`` /
``pd.DataFrame``, indistinguishable from the public constructor's (a test
compares them attribute by attribute). When the pandas internals used here are
missing or differ (another pandas version), the public constructors are used.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, SupportsIndex

import numpy as np
import pandas as pd
from pandas.arrays import DatetimeArray

from rustybt.data.bars import FloatArray

__all__ = [
    "IndexWindows",
    "LazySeries",
    "frame_view",
    "lazy_series",
    "series_view",
    "stacked_fields",
]

try:  # pandas' internal constructors: present in pandas 2.x; checked once, here
    from pandas._libs.internals import BlockPlacement  # type: ignore[import-not-found]  # internal, no stubs
    from pandas.core.flags import Flags  # type: ignore[import-not-found]  # internal, no stubs
    from pandas.core.internals import BlockManager, SingleBlockManager  # type: ignore[import-not-found]  # internal, no stubs
    from pandas.core.internals.blocks import new_block, new_block_2d  # type: ignore[import-not-found]  # internal, no stubs

    _FAST = True
except ImportError:  # a pandas without them: the public constructors below
    _FAST = False

_new = object.__new__
_NO_DEFAULT = pd.api.extensions.no_default
_ONE = BlockPlacement(slice(0, 1)) if _FAST else None
_PLACEMENTS: dict[int, object] = {}


def _series(values: FloatArray, index: pd.Index, name: Hashable) -> pd.Series:
    # What Series.__init__ leaves behind, set directly: NDFrame.__init__'s five
    # attributes and the name (whose setter validates hashability: ~10 µs).
    manager = SingleBlockManager(new_block(values, _ONE, ndim=1), index, verify_integrity=False)
    series: pd.Series = _new(pd.Series)
    state = series.__dict__
    state["_is_copy"] = None
    state["_mgr"] = manager
    state["_item_cache"] = {}
    state["_attrs"] = {}
    state["_flags"] = Flags(series, allows_duplicate_labels=True)
    state["_name"] = name
    return series


def _frame(values: FloatArray, index: pd.Index, columns: pd.Index) -> pd.DataFrame:
    width = values.shape[1]
    placement = _PLACEMENTS.get(width)
    if placement is None:
        placement = _PLACEMENTS[width] = BlockPlacement(slice(0, width))
    # A frame's block is stored (columns x rows): the transpose is a view, no copy.
    block = new_block_2d(values.T, placement)
    manager = BlockManager((block,), [columns, index], verify_integrity=False)
    frame: pd.DataFrame = _new(pd.DataFrame)
    state = frame.__dict__
    state["_is_copy"] = None
    state["_mgr"] = manager
    state["_item_cache"] = {}
    state["_attrs"] = {}
    state["_flags"] = Flags(frame, allows_duplicate_labels=True)
    return frame


def _agrees() -> bool:
    """True when the shortcuts build what the public constructors build."""
    values = np.arange(2.0)
    index = pd.DatetimeIndex(["2020-01-01", "2020-01-02"], tz="UTC")
    series, public = _series(values, index, "a"), pd.Series(values, index=index, name="a")
    block = np.arange(4.0).reshape(2, 2)
    columns = pd.Index(["a", "b"], dtype=object)
    frame = _frame(block, index, columns)
    public_frame = pd.DataFrame(block, index=index, columns=columns, copy=False)
    return (
        series.__dict__.keys() == public.__dict__.keys()
        and frame.__dict__.keys() == public_frame.__dict__.keys()
        and series.equals(public)
        and frame.equals(public_frame)
        and np.shares_memory(frame.to_numpy(), block)
    )


if _FAST:
    try:
        _FAST = _agrees()
    except (TypeError, ValueError, AttributeError):  # internals changed shape: public path
        _FAST = False


def series_view(values: FloatArray, index: pd.Index, name: Hashable) -> pd.Series:
    """``pd.Series(values, index=index, name=name)`` without copying ``values``."""
    if _FAST and values.dtype == np.float64 and values.ndim == 1 and len(values) == len(index):
        return _series(values, index, name)
    return pd.Series(values, index=index, name=name, copy=False)


def frame_view(values: FloatArray, index: pd.Index, columns: pd.Index) -> pd.DataFrame:
    """``pd.DataFrame(values, index=index, columns=columns)`` without copying ``values``."""
    if (
        _FAST
        and values.dtype == np.float64
        and values.ndim == 2
        and values.shape == (len(index), len(columns))
        and columns.is_unique  # cached by the Index: free after the first bar
    ):
        return _frame(values, index, columns)
    return pd.DataFrame(values, index=index, columns=columns, copy=False)


class IndexWindows:
    """Slices of a tz-aware DatetimeIndex, built straight from its datetime64 values.

    ``index[start:end]`` costs ~15 µs (pandas updates the index's lookup engine
    and infers a frequency for every slice); the slice of the raw values wrapped
    as a DatetimeIndex costs ~2 µs and compares equal. Every call builds a new
    index (not cached per bar): a user renaming one frame's index must not rename
    another's.
    """

    def __init__(self, index: pd.DatetimeIndex) -> None:
        self._index = index
        self._fast = _FAST and index.tz is not None
        if self._fast:
            self._raw = index.tz_convert(None).to_numpy()
            self._dtype = index.dtype

    def __call__(self, start: int, end: int) -> pd.DatetimeIndex:
        if not self._fast:
            return self._index[start:end]
        values = DatetimeArray._simple_new(self._raw[start:end], dtype=self._dtype)  # type: ignore[attr-defined]  # internal
        window: pd.DatetimeIndex = pd.DatetimeIndex._simple_new(values)  # type: ignore[attr-defined]  # internal
        return window


def stacked_fields(
    blocks: dict[str, FloatArray], index: pd.Index, assets: pd.Index, time_label: str
) -> pd.DataFrame:
    """zipline-reloaded's shape for several assets and several fields: rows are
    (time, asset) pairs sorted by time then asset, columns are the fields."""
    order = np.argsort(np.asarray([str(a) for a in assets], dtype=object), kind="stable")
    rows = pd.MultiIndex.from_product([index, assets[order]], names=[time_label, "asset"])
    columns = {field: block[:, order].reshape(-1) for field, block in blocks.items()}
    return pd.DataFrame(columns, index=rows)


class _SeriesType(type):
    """The lazy Series' metaclass: its class compares equal to ``pd.Series``, so
    ``pd.testing.assert_series_equal`` (``type(left) == type(right)``) accepts a
    not-yet-built history Series, as it accepts the built one."""

    def __eq__(cls, other: object) -> bool:
        return other is pd.Series or type.__eq__(cls, other) is True

    def __hash__(cls) -> int:
        return type.__hash__(cls)


class LazySeries(pd.Series, metaclass=_SeriesType):
    """A history Series whose pandas internals are built on first use.

    zipline-style strategies call ``data.history(asset, field, n)`` on every bar and
    often only reduce its values with numpy (``.to_numpy()``, ``.values``): those
    return the read-only window at once. Any other use builds the block manager and
    the index, and the object turns into a plain ``pd.Series`` (its class is
    replaced), so from then on it *is* the Series the public constructor builds.
    Results of pandas operations are plain Series too (``_constructor``).
    """

    # The attributes NDFrame.__init__ sets: reading any of them builds the Series.
    @property
    def _mgr(self) -> object:
        return _materialise(self)["_mgr"]

    @property
    def _item_cache(self) -> object:
        return _materialise(self)["_item_cache"]

    @property
    def _attrs(self) -> object:
        return _materialise(self)["_attrs"]

    @property
    def _flags(self) -> object:
        return _materialise(self)["_flags"]

    @property
    def _is_copy(self) -> object:
        return _materialise(self)["_is_copy"]

    def to_numpy(  # type: ignore[override]  # the same signature as Series.to_numpy
        self,
        dtype: object = None,
        copy: bool = False,
        na_value: object = _NO_DEFAULT,
        **kwargs: object,
    ) -> FloatArray:
        if dtype is None and not copy and na_value is _NO_DEFAULT and not kwargs:
            values: FloatArray = self.__dict__["_lazy_values"]
            return values
        built: Any = _built(self)  # Any: the arguments pass through to pandas unchanged
        result: FloatArray = built.to_numpy(dtype=dtype, copy=copy, na_value=na_value, **kwargs)
        return result

    @property
    def values(self) -> FloatArray:
        values: FloatArray = self.__dict__["_lazy_values"]
        return values

    def __reduce_ex__(
        self, protocol: SupportsIndex
    ) -> str | tuple[Any, ...]:  # Any: pickle's protocol
        return _built(self).__reduce_ex__(protocol)


def _materialise(series: pd.Series) -> dict[str, object]:
    """Build a `LazySeries`' internals and make it a plain ``pd.Series``."""
    state = series.__dict__
    if "_lazy_values" in state:
        values = state.pop("_lazy_values")
        index_of, start, end = state.pop("_lazy_index")
        manager = SingleBlockManager(
            new_block(values, _ONE, ndim=1), index_of(start, end), verify_integrity=False
        )
        state["_is_copy"] = None
        state["_mgr"] = manager
        state["_item_cache"] = {}
        state["_attrs"] = {}
        state["_flags"] = Flags(series, allows_duplicate_labels=True)
        object.__setattr__(series, "__class__", pd.Series)
    return state


def _built(series: pd.Series) -> pd.Series:
    _materialise(series)
    return series


def lazy_series(
    values: FloatArray,
    index_of: Callable[[int, int], pd.Index],
    start: int,
    end: int,
    name: Hashable,
) -> pd.Series:
    """``pd.Series(values, index=index_of(start, end), name=name)``, built on first use
    (see `LazySeries`); ``values`` must be a float64 window of length ``end - start``."""
    if not _FAST:
        return pd.Series(values, index=index_of(start, end), name=name, copy=False)
    series: pd.Series = _new(LazySeries)
    state = series.__dict__
    state["_lazy_values"] = values
    state["_lazy_index"] = (index_of, start, end)
    state["_name"] = name
    return series
