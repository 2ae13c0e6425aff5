"""Searches: which parameter sets to try next. Grid, random and TPE (optuna,
in `rustybt.optimize.tpe`).

All three speak ask/tell: `ask(n)` proposes up to ``n`` parameter sets (an empty
list means the search is over), `tell` reports a trial's objective value. Grid
and random are known up front; TPE learns from what it is told, so
`rustybt.optimize.optimize` asks it for one batch per round of free workers.
"""

from __future__ import annotations

from typing import Literal, Protocol

import numpy as np

from rustybt.errors import ConfigError
from rustybt.optimize.space import Params, Space

__all__ = ["Direction", "GridSearch", "RandomSearch", "Search", "make_search"]

Direction = Literal["maximize", "minimize"]


class Search(Protocol):
    def begin(self, space: Space, n_trials: int | None, direction: Direction) -> None: ...

    def ask(self, n: int) -> list[Params]: ...

    def tell(self, params: Params, value: float) -> None: ...


class GridSearch:
    """Every grid point meeting the constraints, in order (``n_trials`` caps it)."""

    def __init__(self) -> None:
        self._points: list[Params] = []

    def begin(self, space: Space, n_trials: int | None, direction: Direction) -> None:
        points = list(space.grid())
        self._points = points if n_trials is None else points[:n_trials]

    def ask(self, n: int) -> list[Params]:
        batch, self._points = self._points[:n], self._points[n:]
        return batch

    def tell(self, params: Params, value: float) -> None:
        """A grid does not learn."""


class RandomSearch:
    """``n_trials`` random points; on a finite space, drawn without repetition."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._points: list[Params] = []

    def begin(self, space: Space, n_trials: int | None, direction: Direction) -> None:
        rng = np.random.default_rng(self.seed)
        if space.finite:
            grid = list(space.grid())
            order = rng.permutation(len(grid))
            count = len(grid) if n_trials is None else min(n_trials, len(grid))
            self._points = [grid[i] for i in order[:count]]
            return
        if n_trials is None:
            raise ConfigError("random search over a Float range needs n_trials")
        self._points = [space.sample(rng) for _ in range(n_trials)]

    def ask(self, n: int) -> list[Params]:
        batch, self._points = self._points[:n], self._points[n:]
        return batch

    def tell(self, params: Params, value: float) -> None:
        """Random search does not learn."""


def make_search(
    search: str | Search,
    seed: int = 0,
    *,
    storage: str | None = None,
    study_name: str | None = None,
) -> Search:
    """A search from its name (grid, random, bayes/tpe) or a Search object.

    ``storage``/``study_name`` (an optuna storage URL and study) make a bayes
    search resumable; grid and random searches resume from a trials table.
    """
    if search in ("bayes", "tpe"):
        from rustybt.optimize.tpe import TPESearch

        return TPESearch(seed, storage=storage, study_name=study_name)
    if storage is not None or study_name is not None:
        raise ConfigError(
            "storage= and study_name= resume a bayes search (an optuna study)",
            hint="use search='bayes', or resume a grid or random search with resume='trials.csv'",
        )
    if not isinstance(search, str):
        return search
    if search == "grid":
        return GridSearch()
    if search == "random":
        return RandomSearch(seed)
    raise ConfigError(f"unknown search {search!r}", hint="use grid, random or bayes")
