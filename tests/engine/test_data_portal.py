"""Known answers for `data.current`, `data.history` and `data.can_trade` shapes and values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rustybt.assets import Asset
from rustybt.engine.data_portal import BarData
from rustybt.errors import LookaheadError, StrategyError, UnknownSymbol
from tests.engine.helpers import make_panel

A, B = Asset("A"), Asset("B")
NAN = np.nan


def _data(bar: int) -> BarData:
    # B has no bar at 0 (not listed yet) and at 3 (a gap).
    closes = [[1.0, NAN], [2.0, 20.0], [3.0, 30.0], [4.0, NAN], [5.0, 50.0]]
    opens = [[c[0] - 0.5, c[1] - 5.0] for c in closes]
    panel = make_panel(
        open=opens, close=closes, volume=[[100.0 * (i + 1), 7.0] for i in range(5)], assets=(A, B)
    )
    data = BarData(panel)
    data.bar = bar
    return data


def test_one_asset_one_field_is_a_read_only_array_padded_with_nan() -> None:
    data = _data(1)
    window = data.history(A, "close", 4)
    assert isinstance(window, np.ndarray)
    assert window.ndim == 1
    np.testing.assert_array_equal(window, [NAN, NAN, 1.0, 2.0])
    assert not window.flags.writeable
    full = data.history("A", "close", 2)
    assert isinstance(full, np.ndarray)
    np.testing.assert_array_equal(full, [1.0, 2.0])
    with pytest.raises(ValueError, match="read-only"):
        full[0] = 99.0
    assert data._panel.close[0, 0] == 1.0


def test_several_assets_give_a_time_by_asset_frame() -> None:
    data = _data(2)
    frame = data.history([A, "B"], "close", 2)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == [A, B]
    assert list(frame.index) == list(data._panel.index[1:3])
    np.testing.assert_array_equal(frame.to_numpy(), [[2.0, 20.0], [3.0, 30.0]])
    # Padding extends the index backwards by one bar step.
    padded = data.history([A], "volume", 4)
    assert isinstance(padded, pd.DataFrame)
    assert padded.index[0] == data._panel.index[0] - pd.Timedelta(days=1)
    np.testing.assert_array_equal(padded[A].to_numpy(), [NAN, 100.0, 200.0, 300.0])


def test_a_history_frame_cannot_be_used_to_rewrite_the_market_data() -> None:
    data = _data(2)
    frame = data.history([A, B], "close", 2)
    assert isinstance(frame, pd.DataFrame)
    with pytest.raises(ValueError, match="read-only"):
        frame.iloc[0, 0] = 999.0
    assert data._panel.close[1, 0] == 2.0


def test_several_fields_give_a_frame_per_field_or_field_asset_columns() -> None:
    data = _data(2)
    fields = data.history(A, ["open", "close"], 2)
    assert isinstance(fields, pd.DataFrame)
    assert list(fields.columns) == ["open", "close"]
    np.testing.assert_array_equal(fields.to_numpy(), [[1.5, 2.0], [2.5, 3.0]])
    both = data.history([A, B], ["close", "volume"], 1)
    assert isinstance(both, pd.DataFrame)
    expected: list[object] = [("close", A), ("close", B), ("volume", A), ("volume", B)]
    assert list(both.columns) == expected
    np.testing.assert_array_equal(both.to_numpy(), [[3.0, 30.0, 300.0, 7.0]])


def test_current_price_is_forward_filled_but_close_is_not() -> None:
    data = _data(3)
    assert data.current(B, "price") == 30.0
    assert np.isnan(data.current(B, "close"))
    assert data.can_trade(A) is True
    assert data.can_trade(B) is False
    assert data.is_stale(B)
    assert data.current(A, "volume") == 400.0
    closes = data.current([A, B], "close")
    assert isinstance(closes, pd.Series)
    assert list(closes.index) == [A, B]
    assert closes.to_numpy()[0] == 4.0
    row = data.current("A", ["open", "close"])
    assert isinstance(row, pd.Series)
    assert row.to_dict() == {"open": 3.5, "close": 4.0}
    tradable = data.can_trade([A, B])
    assert isinstance(tradable, pd.Series)
    assert tradable.tolist() == [True, False]
    frame = data.current([A, B], ["price", "close"])
    assert isinstance(frame, pd.DataFrame)
    assert frame["price"].to_numpy()[1] == 30.0


def test_price_history_is_forward_filled_and_nan_before_listing() -> None:
    data = _data(3)
    prices = data.history(B, "price", 4)
    assert isinstance(prices, np.ndarray)
    np.testing.assert_array_equal(prices, [NAN, 20.0, 30.0, 30.0])
    before_listing = _data(0)
    assert np.isnan(before_listing.current(B, "price"))
    assert not before_listing.is_stale(B)


def test_history_and_current_errors() -> None:
    data = _data(2)
    with pytest.raises(StrategyError, match="unknown field 'vwap'"):
        data.history(A, "vwap", 2)
    with pytest.raises(StrategyError, match="bar_count"):
        data.history(A, "close", 0)
    with pytest.raises(StrategyError, match="cannot be built from daily data"):
        data.history(A, "close", 2, frequency="1m")
    assert len(data.history(A, "close", 2, frequency="1d")) == 2
    with pytest.raises(UnknownSymbol, match="'ZZZ'"):
        data.current("ZZZ", "close")
    with pytest.raises(UnknownSymbol):
        data.history(Asset("ZZZ"), "close", 1)
    not_started = _data(-1)
    with pytest.raises(LookaheadError):
        not_started.current(A, "close")
    with pytest.raises(LookaheadError):
        not_started.history(A, "close", 1)


def test_assets_resolve_by_symbol_to_the_panel_objects() -> None:
    crypto = Asset.crypto("BTC")
    panel = make_panel(open=[1.0, 2.0], assets=(crypto,))
    data = BarData(panel)
    resolved = data.asset("BTC")
    assert resolved.fractional
    # A plain Asset with the same symbol resolves to the panel's (fractional) one.
    assert data.asset(Asset("BTC")).fractional
