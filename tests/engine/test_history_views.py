"""`data.history`'s pandas objects are built from block managers (for speed); they
must be the very objects pandas' public constructors build: same class, index,
columns, dtypes, values, flags and behaviour under pandas operations."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt.assets import Asset
from rustybt.engine import series_view as views
from rustybt.engine.data_portal import BarData
from rustybt.engine.series_view import LazySeries
from tests.engine.helpers import make_panel

ASSETS = tuple(Asset(s) for s in ("C", "A", "B"))  # not sorted: order is the user's


def _data(bar: int, *, zipline: bool = False) -> BarData:
    rows = 8
    closes = np.arange(rows * 3, dtype=float).reshape(rows, 3) + 1.0
    closes[2, 1] = np.nan  # a gap
    panel = make_panel(open=closes.tolist(), assets=ASSETS)
    data = BarData(panel, zipline_api=zipline)
    data.bar = bar
    return data


def test_the_fast_constructors_are_in_use_on_this_pandas() -> None:
    # Otherwise the tests below would only check the public fallbacks.
    assert views._FAST


def _same(built: pd.DataFrame | pd.Series, public: pd.DataFrame | pd.Series) -> None:
    assert type(built) is type(public)
    assert built.__dict__.keys() == public.__dict__.keys()
    if isinstance(built, pd.DataFrame):
        pd.testing.assert_frame_equal(built, public, check_freq=True, check_flags=True)
    else:
        pd.testing.assert_series_equal(built, public, check_freq=True, check_flags=True)
    assert built.index.equals(public.index)
    assert built.flags.allows_duplicate_labels == public.flags.allows_duplicate_labels
    assert built.attrs == public.attrs == {}


@settings(max_examples=40, deadline=None)
@given(bar=st.integers(0, 7), count=st.integers(1, 12), pick=st.sampled_from([[0, 1, 2], [2, 0]]))
def test_a_several_asset_window_is_the_public_constructors_frame(
    bar: int, count: int, pick: list[int]
) -> None:
    data = _data(bar)
    chosen = [ASSETS[i] for i in pick]
    frame = data.history(chosen, "close", count)
    full = data._full["close"]
    start = bar + 1 - count
    expected_values = np.vstack(
        [np.full((max(-start, 0), len(pick)), np.nan), full[max(start, 0) : bar + 1][:, pick]]
    )
    public = pd.DataFrame(
        expected_values,
        index=data._history_index(start, bar + 1),
        columns=pd.Index(chosen, dtype=object),
    )
    _same(frame, public)


@settings(max_examples=40, deadline=None)
@given(bar=st.integers(0, 7), count=st.integers(1, 12), column=st.integers(0, 2))
def test_a_zipline_series_is_the_public_constructors_series(
    bar: int, count: int, column: int
) -> None:
    data = _data(bar, zipline=True)
    series = data.history(ASSETS[column], "price", count)
    start = bar + 1 - count
    values = data._full["price"][max(start, 0) : bar + 1, column]
    expected = np.concatenate([np.full(max(-start, 0), np.nan), values])
    index = data._history_index(start, bar + 1)
    public = pd.Series(expected, index=index, name=ASSETS[column])
    # Not built yet: the values are there at once, the class passes for pd.Series.
    assert isinstance(series, LazySeries)
    assert isinstance(series, pd.Series)
    assert type(series) == pd.Series  # noqa: E721  # what assert_series_equal compares
    np.testing.assert_array_equal(series.to_numpy(), expected)
    np.testing.assert_array_equal(series.values, expected)
    assert series.name == ASSETS[column]
    assert isinstance(series, LazySeries)
    pd.testing.assert_series_equal(data.history(ASSETS[column], "price", count), public)
    assert len(series) == count  # any pandas use builds it: a plain pd.Series from then on
    _same(series, public)


def _lazy() -> tuple[pd.Series, pd.Series]:
    data = _data(6, zipline=True)
    series = data.history(ASSETS[1], "close", 5)
    assert isinstance(series, LazySeries)
    public = pd.Series(series.to_numpy().copy(), index=data._history_index(2, 7), name=ASSETS[1])
    return series, public


@pytest.mark.parametrize(
    "use",
    [
        lambda s: s.mean(),
        lambda s: s.iloc[-1],
        lambda s: s.rolling(2).mean(),
        lambda s: s + 1.0,
        lambda s: s.pct_change(fill_method=None),
        lambda s: s.index,
        lambda s: s.dtype,
        lambda s: repr(s),
        lambda s: s.copy(),
        lambda s: copy.deepcopy(s),
        lambda s: pickle.loads(pickle.dumps(s)),
        lambda s: np.asarray(s),
        lambda s: pd.concat([s, s]),
        lambda s: pd.DataFrame({"x": s}),
        lambda s: s.to_numpy(dtype=np.float32),
        lambda s: s.to_numpy(copy=True),
        lambda s: s.attrs,
        lambda s: s.flags.allows_duplicate_labels,
        lambda s: s[s.index[-1]],
        lambda s: s.loc[s.index[1] :],
    ],
)
def test_any_use_of_a_lazy_series_answers_as_a_public_series_and_builds_it(use: Any) -> None:
    series, public = _lazy()
    got, expected = use(series), use(public)
    assert type(series) is pd.Series  # no longer lazy
    assert series.__dict__.keys() == public.__dict__.keys()
    if isinstance(expected, pd.Series | pd.DataFrame):
        assert type(got) is type(expected)  # results are plain pandas objects
        assert got.equals(expected)
    elif isinstance(expected, np.ndarray):
        np.testing.assert_array_equal(got, expected)
        assert got.dtype == expected.dtype
    elif isinstance(expected, pd.Index):
        assert got.equals(expected)
    else:
        assert got == expected or (got != got and expected != expected)  # NaN == NaN
    pd.testing.assert_series_equal(series, public)


def test_a_lazy_series_is_renamed_and_written_like_a_series() -> None:
    series, _ = _lazy()
    series.name = "renamed"  # the name needs no internals
    assert series.name == "renamed"
    assert isinstance(series, LazySeries)
    with pytest.raises(ValueError, match="read-only"):
        series.iloc[0] = 1.0  # the window of the market data stays read-only
    assert type(series) is pd.Series


def test_to_numpy_is_the_read_only_window_of_the_market_data() -> None:
    data = _data(5)
    frame = data.history(list(ASSETS), "close", 3)
    values = frame.to_numpy()
    assert np.shares_memory(values, data._full["close"])  # no copy per bar
    assert not values.flags.writeable
    np.testing.assert_array_equal(values, data._full["close"][3:6])
    with pytest.raises(ValueError, match="read-only"):
        frame.iloc[0, 0] = 99.0
    zipline = _data(5, zipline=True)
    series = zipline.history(ASSETS[0], "close", 3)
    assert np.shares_memory(series.to_numpy(), zipline._full["close"])
    assert not series.to_numpy().flags.writeable


def test_pandas_operations_give_the_same_answers_as_on_a_public_frame() -> None:
    data = _data(6)
    frame = data.history(list(ASSETS), "close", 5)
    public = pd.DataFrame(frame.to_numpy().copy(), index=frame.index.copy(), columns=frame.columns)
    for left, right in [
        (frame.mean(), public.mean()),
        (frame.rolling(2).mean(), public.rolling(2).mean()),
        (frame.pct_change(fill_method=None), public.pct_change(fill_method=None)),
        (frame[ASSETS[1]], public[ASSETS[1]]),
        (frame.loc[:, [ASSETS[2], ASSETS[0]]], public.loc[:, [ASSETS[2], ASSETS[0]]]),
        (frame.iloc[-2:], public.iloc[-2:]),
        (frame.T, public.T),
        (frame + 1.0, public + 1.0),
        (frame.ffill(), public.ffill()),
        (frame.resample("2D").last(), public.resample("2D").last()),
    ]:
        if isinstance(left, pd.DataFrame):
            pd.testing.assert_frame_equal(left, right)
        else:
            pd.testing.assert_series_equal(left, right)
    assert frame.loc[frame.index[-1], ASSETS[0]] == public.iloc[-1, 0]
    assert list(frame.dtypes) == [np.dtype("float64")] * 3
    copied = frame.copy()
    copied.iloc[0, 0] = -1.0  # a copy is the user's to write into
    assert data._full["close"][2, 0] != -1.0
    assert repr(frame) == repr(public)


def test_duplicate_assets_fall_back_to_the_public_constructor() -> None:
    data = _data(4)
    frame = data.history([ASSETS[0], ASSETS[0]], "close", 2)
    assert list(frame.columns) == [ASSETS[0], ASSETS[0]]
    np.testing.assert_array_equal(frame.to_numpy(), data._full["close"][3:5][:, [0, 0]])
