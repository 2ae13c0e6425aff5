"""The cumulative-sum window statistics against numpy's nan-functions per window."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rustybt.pipeline.rolling import rolling_mean, rolling_std, rolling_sum

values = arrays(
    np.float64,
    st.tuples(st.integers(1, 30), st.integers(1, 4)),
    elements=st.one_of(
        st.floats(-1e6, 1e6, allow_nan=False),
        st.just(np.nan),
        st.sampled_from([np.inf, -np.inf, 1e9 + 0.5]),
    ),
)


def per_window(data: np.ndarray, window: int, func) -> np.ndarray:  # type: ignore[no-untyped-def]
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.array(
            [func(data[max(0, r - window + 1) : r + 1], axis=0) for r in range(len(data))]
        )


@given(values, st.integers(1, 12))
def test_rolling_statistics_match_numpy(data: np.ndarray, window: int) -> None:
    np.testing.assert_allclose(
        rolling_sum(data, window), per_window(data, window, np.nansum), rtol=1e-9, atol=1e-6
    )
    np.testing.assert_allclose(
        rolling_mean(data, window), per_window(data, window, np.nanmean), rtol=1e-9, atol=1e-6
    )


prices = arrays(
    np.float64,
    st.tuples(st.integers(1, 30), st.integers(1, 4)),
    elements=st.one_of(st.floats(-1e3, 1e3, allow_nan=False), st.just(np.nan), st.just(np.inf)),
)


@given(prices, st.integers(1, 12))
def test_rolling_std_matches_numpy(data: np.ndarray, window: int) -> None:
    """pandas' online std: exact to ~1e-9 at price and return scales (a value much
    larger than the rest leaves an error of about eps * its square behind)."""
    expected = per_window(data, window, np.nanstd)  # NaN where a window holds inf
    # A window of equal values after a large one has left it keeps a variance residue of
    # about eps * scale**2, so its std is off by up to sqrt(eps) * scale (1.5e-5 at 1e3).
    finite = np.abs(data[np.isfinite(data)])
    scale = float(finite.max()) if finite.size else 0.0
    atol = max(1e-8, 2e-8 * scale)
    np.testing.assert_allclose(rolling_std(data, window), expected, rtol=1e-7, atol=atol)


@pytest.mark.parametrize("window", [1, 3, 50])
def test_windows_longer_than_the_data(window: int) -> None:
    data = np.arange(6, dtype=float).reshape(3, 2)
    np.testing.assert_allclose(rolling_sum(data, window), per_window(data, window, np.nansum))
