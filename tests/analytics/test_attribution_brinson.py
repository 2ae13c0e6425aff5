"""Brinson-Fachler: the textbook case by hand, exact Carino linking, rolling windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rustybt.analytics.attribution import (
    brinson_fachler,
    brinson_from_arrays,
    carino_coefficients,
    link_carino,
    rolling_brinson,
)
from rustybt.errors import ValidationError

GROUPS = ["A", "B", "C"]


def textbook() -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    wp = pd.Series([0.5, 0.3, 0.2], index=GROUPS)
    rp = pd.Series([0.10, 0.05, -0.02], index=GROUPS)
    wb = pd.Series([0.4, 0.4, 0.2], index=GROUPS)
    rb = pd.Series([0.08, 0.06, 0.01], index=GROUPS)
    return wp, rp, wb, rb


def test_textbook_single_period_by_hand() -> None:
    # R = .05 + .015 - .004 = .061; B = .032 + .024 + .002 = .058; active .003
    result = brinson_fachler(*textbook())
    assert result.groups == ("A", "B", "C")  # fully invested: no Cash column
    row = 0
    np.testing.assert_allclose(result.allocation.iloc[row], [0.0022, -0.0002, 0.0], atol=1e-15)
    np.testing.assert_allclose(result.selection.iloc[row], [0.008, -0.004, -0.006], atol=1e-15)
    np.testing.assert_allclose(result.interaction.iloc[row], [0.002, 0.001, 0.0], atol=1e-15)
    totals = result.linked_totals()
    assert totals["allocation"] == pytest.approx(0.002, abs=1e-15)
    assert totals["selection"] == pytest.approx(-0.002, abs=1e-15)
    assert totals["interaction"] == pytest.approx(0.003, abs=1e-15)
    assert result.total_active_return == pytest.approx(0.003, abs=1e-15)
    assert result.total_portfolio_return == pytest.approx(0.061, abs=1e-15)


def test_cash_group_added_for_uninvested_weight() -> None:
    wp, rp, wb, rb = textbook()
    result = brinson_fachler(wp * 0.8, rp, wb, rb)  # 20% cash at 0%
    assert result.groups[-1] == "Cash"
    cash_allocation = result.allocation["Cash"].iloc[0]
    assert cash_allocation == pytest.approx(0.2 * (0.0 - 0.058), abs=1e-15)
    assert result.portfolio_return.iloc[0] == pytest.approx(0.8 * 0.061, abs=1e-15)
    assert result.per_period().iloc[0, :3].sum() == pytest.approx(0.8 * 0.061 - 0.058, abs=1e-15)


def test_groups_missing_on_either_side() -> None:
    wp = pd.Series({"A": 0.6, "D": 0.4})  # D not in the benchmark
    rp = pd.Series({"A": 0.02, "D": 0.05})
    wb = pd.Series({"A": 0.5, "B": 0.5})  # B not held
    rb = pd.Series({"A": 0.01, "B": 0.03})
    result = brinson_fachler(wp, rp, wb, rb)
    first = result.per_period().iloc[0]
    bench = 0.5 * 0.01 + 0.5 * 0.03
    assert first["active"] == pytest.approx(0.6 * 0.02 + 0.4 * 0.05 - bench, abs=1e-15)
    assert first[["allocation", "selection", "interaction"]].sum() == pytest.approx(first["active"])
    assert result.allocation.at[0, "D"] == pytest.approx(0.4 * (0.05 - bench))
    assert result.selection.at[0, "B"] == 0.0


def test_long_short_netting_to_zero_weight_stays_exact() -> None:
    groups = ("A", "B")
    wp = np.array([[0.0, 1.0]])
    contrib = np.array([[0.003, 0.01]])  # A: long/short pair nets to 0 weight, earns 0.3%
    wb = np.array([[0.5, 0.5]])
    rb = np.array([[0.02, 0.01]])
    result = brinson_from_arrays(wp, contrib, wb, rb, groups=groups, index=pd.RangeIndex(1))
    per = result.per_period().iloc[0]
    assert per["active"] == pytest.approx(0.013 - 0.015, abs=1e-15)
    assert per[["allocation", "selection", "interaction"]].sum() == pytest.approx(per["active"])


def test_benchmark_weights_must_sum_to_one() -> None:
    wp, rp, wb, rb = textbook()
    with pytest.raises(ValidationError, match="sum to 1"):
        brinson_fachler(wp, rp, wb * 0.9, rb)


def random_periods(n: int, g: int, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    wp = rng.dirichlet(np.ones(g), size=n) * rng.uniform(0.8, 1.0, (n, 1))
    wb = rng.dirichlet(np.ones(g), size=n)
    rp = rng.normal(0.0005, 0.015, (n, g))
    rb = rng.normal(0.0004, 0.012, (n, g))
    return wp, wp * rp, wb, rb


def test_carino_linking_sums_to_total_active_return() -> None:
    wp, cp, wb, rb = random_periods(2520, 11, seed=1)
    groups = tuple(f"S{i}" for i in range(11))
    index = pd.bdate_range("2010-01-04", periods=2520)
    result = brinson_from_arrays(wp, cp, wb, rb, groups=groups, index=index)
    total_active = np.prod(1 + cp.sum(axis=1)) - np.prod(1 + (wb * rb).sum(axis=1))
    linked = result.linked()
    assert abs(linked["total"].sum() - total_active) < 1e-10
    totals = result.linked_totals()
    assert abs(totals[["allocation", "selection", "interaction"]].sum() - total_active) < 1e-10
    assert totals["active"] == pytest.approx(total_active, abs=1e-14)
    cumulative = result.cumulative()
    port = np.cumprod(1 + cp.sum(axis=1))
    bench = np.cumprod(1 + (wb * rb).sum(axis=1))
    np.testing.assert_allclose(cumulative["active"], port - bench, atol=1e-10)


def test_carino_two_periods_by_hand() -> None:
    # R = (.10, .05), B = (.05, .02): k_t = ln(1.1/1.05)/.05 and ln(1.05/1.02)/.03
    port = np.array([0.10, 0.05])
    bench = np.array([0.05, 0.02])
    k = carino_coefficients(port, bench)
    np.testing.assert_allclose(k, [np.log(1.1 / 1.05) / 0.05, np.log(1.05 / 1.02) / 0.03])
    total_r, total_b = 1.1 * 1.05 - 1, 1.05 * 1.02 - 1
    big_k = np.log((1 + total_r) / (1 + total_b)) / (total_r - total_b)
    components = np.array([[0.03, 0.02], [0.01, 0.02]])
    linked = link_carino(components, port, bench)
    np.testing.assert_allclose(linked, (components * k[:, None]).sum(axis=0) / big_k)
    assert linked.sum() == pytest.approx(total_r - total_b, abs=1e-15)
    # R = B: the limit 1 / (1 + R)
    np.testing.assert_allclose(carino_coefficients(np.array([0.04]), np.array([0.04])), 1 / 1.04)


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.float64, (12, 2), elements=st.floats(-0.3, 0.3)),
    arrays(np.float64, (12, 3), elements=st.floats(-0.05, 0.05)),
)
def test_linking_identity_property(totals: np.ndarray, shares: np.ndarray) -> None:
    port, bench = totals[:, 0], totals[:, 1]
    components = np.column_stack([shares, (port - bench) - shares.sum(axis=1)])
    linked = link_carino(components, port, bench)
    assert linked.sum() == pytest.approx(np.prod(1 + port) - np.prod(1 + bench), abs=1e-12)


def test_rolling_brinson_windows_are_exact() -> None:
    wp, cp, wb, rb = random_periods(300, 4, seed=2)
    result = brinson_from_arrays(
        wp, cp, wb, rb, groups=("a", "b", "c", "d"), index=pd.RangeIndex(300)
    )
    rolled = rolling_brinson(result, window=60)
    assert len(rolled) == 241
    np.testing.assert_allclose(
        rolled[["allocation", "selection", "interaction"]].sum(axis=1), rolled["active"], atol=1e-12
    )
    last = result.per_period().iloc[-60:]
    port = result.portfolio_return.iloc[-60:].to_numpy()
    bench = result.benchmark_return.iloc[-60:].to_numpy()
    expected = link_carino(last[["allocation", "selection", "interaction"]].to_numpy(), port, bench)
    np.testing.assert_allclose(
        rolled.iloc[-1][["allocation", "selection", "interaction"]], expected, atol=1e-12
    )
    full = rolling_brinson(result, window=300).iloc[0]
    assert full["active"] == pytest.approx(result.total_active_return, abs=1e-12)
