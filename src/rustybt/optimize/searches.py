"""Searches: which parameter sets to try next. Grid, random and TPE (optuna).

All three speak ask/tell: `ask(n)` proposes up to ``n`` parameter sets (an empty
list means the search is over), `tell` reports a trial's objective value. Grid
and random are known up front; TPE learns from what it is told, so
`rustybt.optimize.optimize` asks it for one batch per round of free workers.
"""

from __future__ import annotations

import math
from typing import Any, Literal, Protocol

import numpy as np

from rustybt.errors import ConfigError
from rustybt.install import extra_hint
from rustybt.optimize.space import Categorical, Float, Integer, Params, Space, params_key

__all__ = ["GridSearch", "RandomSearch", "Search", "TPESearch", "make_search"]

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


def _import_optuna() -> Any:  # Any: optuna is an optional extra
    try:
        import optuna
    except ImportError as error:
        raise ConfigError("search='bayes' needs optuna", hint=extra_hint("optimize")) from error
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


class TPESearch:
    """Bayesian search with optuna's TPE sampler (seeded, so runs repeat).

    Points breaking a constraint are told to optuna as failed and re-asked; a point
    asked twice is proposed once (its trial reuses the first result).
    """

    def __init__(self, seed: int = 0, *, max_redraws: int = 1_000) -> None:
        self.seed = seed
        self.max_redraws = max_redraws
        self._study: Any = None  # Any: optuna.Study
        self._distributions: dict[str, Any] = {}
        self._open: dict[tuple[tuple[str, str], ...], list[Any]] = {}
        self._remaining: int | None = None
        self._space: Space | None = None

    def begin(self, space: Space, n_trials: int | None, direction: Direction) -> None:
        optuna = _import_optuna()
        if n_trials is None:
            raise ConfigError("search='bayes' needs n_trials")
        dist = optuna.distributions
        self._distributions = {}
        for name, dim in space.dimensions.items():
            if isinstance(dim, Integer):
                self._distributions[name] = dist.IntDistribution(dim.low, dim.high, step=dim.step)
            elif isinstance(dim, Float):
                self._distributions[name] = dist.FloatDistribution(dim.low, dim.high, log=dim.log)
            else:
                assert isinstance(dim, Categorical)
                self._distributions[name] = dist.CategoricalDistribution(list(dim.choices))
        self._study = optuna.create_study(
            direction=direction, sampler=optuna.samplers.TPESampler(seed=self.seed)
        )
        self._remaining = n_trials
        self._space = space

    def ask(self, n: int) -> list[Params]:
        assert self._study is not None
        assert self._space is not None
        assert self._remaining is not None
        optuna = _import_optuna()
        batch: list[Params] = []
        redraws = 0
        while len(batch) < min(n, self._remaining):
            trial = self._study.ask(self._distributions)
            params: Params = dict(trial.params)
            if not self._space.allows(params):
                self._study.tell(trial, state=optuna.trial.TrialState.FAIL)
                redraws += 1
                if redraws > self.max_redraws:
                    raise ConfigError("TPE could not draw a point meeting the constraints")
                continue
            self._open.setdefault(params_key(params), []).append(trial)
            batch.append(params)
        self._remaining -= len(batch)
        return batch

    def tell(self, params: Params, value: float) -> None:
        trials = self._open.get(params_key(params))
        if not trials:
            return
        trial = trials.pop(0)
        if math.isfinite(value):
            self._study.tell(trial, value)
        else:
            self._study.tell(trial, state=_import_optuna().trial.TrialState.FAIL)


def make_search(search: str | Search, seed: int = 0) -> Search:
    """A search from its name (grid, random, bayes/tpe) or a Search object."""
    if not isinstance(search, str):
        return search
    if search == "grid":
        return GridSearch()
    if search == "random":
        return RandomSearch(seed)
    if search in ("bayes", "tpe"):
        return TPESearch(seed)
    raise ConfigError(f"unknown search {search!r}", hint="use grid, random or bayes")
