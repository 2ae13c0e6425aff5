"""Spaces: inclusive grids, log floats, constraints, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rustybt.errors import ConfigError
from rustybt.optimize import Categorical, Float, Integer, Space


def test_integer_grid_is_inclusive() -> None:
    assert Integer(5, 20, 5).grid() == [5, 10, 15, 20]
    assert Integer(5, 22, 5).grid() == [5, 10, 15, 20]


@given(st.integers(-50, 50), st.integers(0, 60), st.integers(1, 9))
def test_integer_grid_bounds(low: int, span: int, step: int) -> None:
    grid = Integer(low, low + span, step).grid()
    assert grid[0] == low
    assert low + span - step < grid[-1] <= low + span
    rng = np.random.default_rng(0)
    assert Integer(low, low + span, step).sample(rng) in grid


def test_float_log_grid_is_geometric() -> None:
    assert Float(1.0, 100.0, log=True, grid_points=3).grid() == pytest.approx([1.0, 10.0, 100.0])
    assert Float(0.0, 1.0, grid_points=3).grid() == [0.0, 0.5, 1.0]
    rng = np.random.default_rng(1)
    draws = [Float(1e-4, 1.0, log=True).sample(rng) for _ in range(200)]
    assert all(1e-4 <= d <= 1.0 for d in draws)
    assert np.median(draws) < 0.05  # log-uniform: median near 1e-2, not 0.5


def test_constraints_filter_grid_and_samples() -> None:
    space = Space(
        {"fast": Integer(5, 20, 5), "slow": Integer(10, 20, 5), "kind": Categorical(("a", "b"))},
        constraints=["fast < slow"],
    )
    points = list(space.grid())
    assert all(p["fast"] < p["slow"] for p in points)
    # (5,10) (5,15) (5,20) (10,15) (10,20) (15,20), each with kind a and b
    assert len(points) == 12
    rng = np.random.default_rng(0)
    assert all(space.allows(space.sample(rng)) for _ in range(50))


def test_constraint_with_number_and_predicate() -> None:
    space = Space({"x": Integer(0, 10)}, constraints=["x >= 3", lambda p: p["x"] != 5])
    assert [p["x"] for p in space.grid()] == [3, 4, 6, 7, 8, 9, 10]


@pytest.mark.parametrize(
    ("space", "message"),
    [
        (lambda: Integer(5, 1), "low <= high"),
        (lambda: Float(1.0, 1.0), "low < high"),
        (lambda: Float(0.0, 1.0, log=True), "log-scale"),
        (lambda: Categorical(()), "at least one"),
        (lambda: Space({}), "at least one parameter"),
        (lambda: Space({"fast": Integer(1, 2)}, constraints=["fast < slwo"]), "slwo"),
        (lambda: Space({"fast": Integer(1, 2)}, constraints=["fast ~ 3"]), "cannot read"),
    ],
)
def test_bad_spaces_raise_config_errors(space: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        space()  # type: ignore[operator]


def test_unsatisfiable_constraints_are_reported() -> None:
    space = Space({"x": Float(0.0, 1.0)}, constraints=["x > 2"])
    with pytest.raises(ConfigError, match="constraints"):
        space.sample(np.random.default_rng(0), attempts=20)
