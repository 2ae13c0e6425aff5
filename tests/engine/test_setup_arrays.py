"""The run's set-up arrays: the forward-filled price and the NaN-as-zero valuation
prices, against the plain definitions (pandas' ffill, numpy's nan_to_num)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rustybt.assets import Asset
from rustybt.data.bars import BarPanel
from rustybt.engine.algorithm import _nan_as_zero
from rustybt.engine.data_portal import _forward_fill
from rustybt.engine.runner import BacktestConfig, _Run
from tests.engine.helpers import Scripted, make_panel

_VALUES = st.one_of(
    st.just(np.nan),
    st.floats(min_value=0.01, max_value=1e6),
)
_GRIDS = hnp.arrays(
    np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=12), elements=_VALUES
)


@settings(max_examples=200, deadline=None)
@given(_GRIDS, st.booleans())
def test_forward_fill_is_pandas_ffill(values: np.ndarray, copy: bool) -> None:
    expected = pd.DataFrame(values).ffill().to_numpy()
    filled = _forward_fill(values, copy=copy)
    np.testing.assert_array_equal(filled, expected)
    # Without ``copy`` only a gapless array is handed back as it is.
    shared = not copy and not np.isnan(values).any()
    assert (filled is values) == shared
    if not shared:
        assert not np.shares_memory(filled, values)


def test_forward_fill_with_no_gap_and_with_gaps_everywhere() -> None:
    clean = np.arange(12.0).reshape(4, 3)
    np.testing.assert_array_equal(_forward_fill(clean), clean)
    holes = np.array([[np.nan, 1.0], [2.0, np.nan], [np.nan, np.nan]])
    np.testing.assert_array_equal(_forward_fill(holes), [[np.nan, 1.0], [2.0, 1.0], [2.0, 1.0]])


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, max_side=10),
        elements=st.one_of(_VALUES, st.sampled_from([np.inf, -np.inf, -0.0, 0.0])),
    )
)
def test_nan_as_zero_is_nan_to_num(values: np.ndarray) -> None:
    expected = np.nan_to_num(values)
    for copy in (True, False):
        zeroed = _nan_as_zero(values, copy=copy)
        assert zeroed.tobytes() == expected.tobytes()  # bit for bit, signed zeros included
        shared = not copy and bool(np.isfinite(values).all())
        assert (zeroed is values) == shared
        if not shared:
            assert not np.shares_memory(zeroed, values)


def _price_arrays(panel: BarPanel, *, live: bool) -> tuple[np.ndarray, np.ndarray]:
    """The run's forward-filled prices and valuation prices, as `_Run` builds them."""
    run = _Run(Scripted([]).strategy, panel, BacktestConfig(), None, None, None, live=live)
    return run.data._prices, run.context._value_prices


def test_a_backtest_shares_clean_closes_and_a_live_run_copies_them() -> None:
    """A backtest's arrays never change, so gapless closes are the prices themselves;
    a live run writes arriving bars (close, then price, then valuation price) and
    needs arrays of its own, or a masked close would be overwritten by its fill."""
    panel = make_panel(open=[[1.0, 2.0], [1.5, 2.5], [1.2, 2.2]], assets=(Asset("A"), Asset("B")))
    prices, values = _price_arrays(panel, live=False)
    assert np.shares_memory(prices, panel.close)
    assert np.shares_memory(values, panel.close)
    prices, values = _price_arrays(panel, live=True)
    assert not np.shares_memory(prices, panel.close)
    assert not np.shares_memory(values, prices)
    np.testing.assert_array_equal(values, panel.close)


def test_a_backtest_with_gaps_fills_copies() -> None:
    panel = make_panel(
        open=[[np.nan, 2.0], [1.5, np.nan], [1.2, 2.2]], assets=(Asset("A"), Asset("B"))
    )
    prices, values = _price_arrays(panel, live=False)
    assert not np.shares_memory(prices, panel.close)
    assert not np.shares_memory(values, prices)
    np.testing.assert_array_equal(prices, [[np.nan, 2.0], [1.5, 2.0], [1.2, 2.2]])
    np.testing.assert_array_equal(values, [[0.0, 2.0], [1.5, 2.0], [1.2, 2.2]])
