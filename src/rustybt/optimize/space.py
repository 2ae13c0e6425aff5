"""Parameter spaces: integers, floats (linear or log), categoricals, constraints.

A `Space` maps parameter names to dimensions. Grids are inclusive of both ends
(``Integer(5, 20, step=5)`` is 5, 10, 15, 20); constraints such as
``"fast < slow"`` drop the points that break them, for every search alike.
"""

from __future__ import annotations

import itertools
import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rustybt.errors import ConfigError

__all__ = ["Categorical", "Dimension", "Float", "Integer", "Params", "Space"]

Params = dict[str, object]
Constraint = Callable[[Mapping[str, object]], bool]

_COMPARE: dict[str, Callable[[Any, Any], Any]] = {  # Any: operator functions on any values
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "!=": operator.ne,
}
_CONSTRAINT = re.compile(r"^\s*([A-Za-z_]\w*)\s*(<=|>=|<|>|!=)\s*([A-Za-z_]\w*|-?\d+(\.\d+)?)\s*$")


@dataclass(frozen=True)
class Integer:
    """Whole numbers from ``low`` to ``high`` inclusive, every ``step``."""

    low: int
    high: int
    step: int = 1

    def __post_init__(self) -> None:
        if self.step < 1 or self.high < self.low:
            raise ConfigError(
                f"Integer needs low <= high and step >= 1, got {self.low}:{self.high}:{self.step}"
            )

    def grid(self) -> list[object]:
        return list(range(self.low, self.high + 1, self.step))

    def sample(self, rng: np.random.Generator) -> object:
        values = list(range(self.low, self.high + 1, self.step))
        return values[int(rng.integers(len(values)))]


@dataclass(frozen=True)
class Float:
    """Real numbers in [low, high]; ``log=True`` samples evenly in log space.

    A grid has ``grid_points`` values (evenly spaced, or geometric when ``log``).
    """

    low: float
    high: float
    log: bool = False
    grid_points: int = 5

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise ConfigError(f"Float needs low < high, got {self.low} and {self.high}")
        if self.log and self.low <= 0:
            raise ConfigError("a log-scale Float needs low > 0", context={"low": self.low})
        if self.grid_points < 2:
            raise ConfigError("Float.grid_points must be at least 2")

    def grid(self) -> list[object]:
        if self.log:
            values = np.geomspace(self.low, self.high, self.grid_points)
        else:
            values = np.linspace(self.low, self.high, self.grid_points)
        return [float(v) for v in values]

    def sample(self, rng: np.random.Generator) -> object:
        if self.log:
            return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))
        return float(rng.uniform(self.low, self.high))


@dataclass(frozen=True)
class Categorical:
    """One of a fixed list of choices (numbers, strings, booleans)."""

    choices: tuple[object, ...]

    def __post_init__(self) -> None:
        if not self.choices:
            raise ConfigError("Categorical needs at least one choice")

    def grid(self) -> list[object]:
        return list(self.choices)

    def sample(self, rng: np.random.Generator) -> object:
        return self.choices[int(rng.integers(len(self.choices)))]


Dimension = Integer | Float | Categorical


def _parse_constraint(text: str, names: Sequence[str]) -> Constraint:
    match = _CONSTRAINT.match(text)
    if match is None:
        raise ConfigError(
            f"cannot read constraint {text!r}", hint="write NAME OP NAME, e.g. 'fast < slow'"
        )
    left, op, right = match.group(1), match.group(2), match.group(3)
    for name in (left, right):
        if (name[0].isalpha() or name[0] == "_") and name not in names:
            raise ConfigError(
                f"constraint {text!r} names {name!r}, which is not a parameter",
                hint=f"parameters: {', '.join(names)}",
            )
    compare = _COMPARE[op]
    literal = None if right in names else float(right)

    def check(params: Mapping[str, object]) -> bool:
        other = params[right] if literal is None else literal
        return bool(compare(params[left], other))

    return check


@dataclass(frozen=True)
class Space:
    """Named dimensions plus constraints (``"fast < slow"`` strings or predicates)."""

    dimensions: Mapping[str, Dimension]
    constraints: Sequence[str | Constraint] = ()
    _checks: tuple[Constraint, ...] = field(default=(), init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.dimensions:
            raise ConfigError("a search space needs at least one parameter")
        names = list(self.dimensions)
        checks = tuple(
            _parse_constraint(c, names) if isinstance(c, str) else c for c in self.constraints
        )
        object.__setattr__(self, "_checks", checks)

    @property
    def names(self) -> list[str]:
        return list(self.dimensions)

    def allows(self, params: Mapping[str, object]) -> bool:
        return all(check(params) for check in self._checks)

    def grid(self) -> Iterator[Params]:
        """Every grid point that meets the constraints, in a fixed order."""
        names = self.names
        for values in itertools.product(*(self.dimensions[n].grid() for n in names)):
            point = dict(zip(names, values, strict=True))
            if self.allows(point):
                yield point

    def grid_size(self) -> int:
        return sum(1 for _ in self.grid())

    def sample(self, rng: np.random.Generator, *, attempts: int = 10_000) -> Params:
        """One random point meeting the constraints."""
        for _ in range(attempts):
            point = {name: dim.sample(rng) for name, dim in self.dimensions.items()}
            if self.allows(point):
                return point
        raise ConfigError(
            f"no point of the space met the constraints in {attempts} random draws",
            hint="check the constraints against the ranges",
        )

    @property
    def finite(self) -> bool:
        return not any(isinstance(d, Float) for d in self.dimensions.values())


def params_key(params: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
    """A hashable identity of a parameter set (for de-duplication and resume)."""
    return tuple(sorted((name, repr(value)) for name, value in params.items()))
