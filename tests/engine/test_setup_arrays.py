"""The run's set-up arrays: the forward-filled price and the NaN-as-zero valuation
prices, against the plain definitions (pandas' ffill, numpy's nan_to_num)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rustybt.engine.algorithm import _nan_as_zero
from rustybt.engine.data_portal import _forward_fill

_VALUES = st.one_of(
    st.just(np.nan),
    st.floats(min_value=0.01, max_value=1e6),
)
_GRIDS = hnp.arrays(
    np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=12), elements=_VALUES
)


@settings(max_examples=200, deadline=None)
@given(_GRIDS)
def test_forward_fill_is_pandas_ffill(values: np.ndarray) -> None:
    expected = pd.DataFrame(values).ffill().to_numpy()
    filled = _forward_fill(values)
    np.testing.assert_array_equal(filled, expected)
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
    zeroed = _nan_as_zero(values)
    expected = np.nan_to_num(values)
    assert zeroed.tobytes() == expected.tobytes()  # bit for bit, signed zeros included
    assert not np.shares_memory(zeroed, values)
