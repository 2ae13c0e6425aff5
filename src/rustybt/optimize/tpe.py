"""Bayesian search with optuna's TPE sampler, resumable from an optuna storage.

Reproducible proposals: optuna keeps no sampler state in its storage (its FAQ
says to pickle the sampler to resume one exactly), so instead each proposal
gets a fresh ``TPESampler`` seeded from ``(seed, proposal number, redraw)``.
TPE's draws depend only on that seed and on the study's COMPLETE and PRUNED
trials, so a serial search proposes the same points whether it runs in one go
or is stopped and resumed from ``storage`` (``"sqlite:///study.db"``, any
optuna storage URL). With several workers, results return in a varying order
and TPE learns from whichever finished first: such searches are seeded but
not repeatable, resumed or not.

On resume, the study's finished trials (COMPLETE, or FAIL because the strategy
rejected the point) count toward ``n_trials`` and come back as records (their
metrics, exact final equity and seconds are kept as trial user attributes;
their returns are not, so they count for the best trial and the deflated
Sharpe ratio but not for PBO). A trial left RUNNING by a stopped search is
marked FAIL and proposed again. One search at a time per study.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rustybt.errors import ConfigError
from rustybt.install import extra_hint
from rustybt.optimize.searches import Direction
from rustybt.optimize.space import Categorical, Float, Integer, Params, Space, params_key
from rustybt.optimize.trial import TrialRecord

__all__ = ["TPESearch"]

# Trial user attributes: the record's fields, and the mark of a constraint redraw.
METRICS = "rustybt_metrics"
EQUITY = "rustybt_final_equity"
SECONDS = "rustybt_seconds"
ERROR = "rustybt_error"
CONSTRAINT = "rustybt_constraint"


def _import_optuna() -> Any:  # Any: optuna is an optional extra
    try:
        import optuna
    except ImportError as error:
        raise ConfigError("search='bayes' needs optuna", hint=extra_hint("optimize")) from error
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def _sampler_seed(seed: int, proposal: int, redraw: int) -> int:
    return int(np.random.SeedSequence([seed, proposal, redraw]).generate_state(1)[0])


class TPESearch:
    """Bayesian search with optuna's TPE sampler (seeded, so serial runs repeat).

    Points breaking a constraint are told to optuna as failed and re-asked; a
    point asked twice is proposed once (its trial reuses the first result).
    ``storage`` and ``study_name`` keep the study in an optuna storage so a
    search resumes where it stopped (see the module docstring).
    """

    def __init__(
        self,
        seed: int = 0,
        *,
        max_redraws: int = 1_000,
        storage: str | None = None,
        study_name: str | None = None,
    ) -> None:
        if storage is not None and not study_name:
            raise ConfigError(
                "an optuna storage needs a study_name to find the study again",
                hint="pass study_name='my-search' with storage=",
            )
        self.seed = seed
        self.max_redraws = max_redraws
        self.storage = storage
        self.study_name = study_name
        self._study: Any = None  # Any: optuna.Study
        self._distributions: dict[str, Any] = {}
        self._open: dict[tuple[tuple[str, str], ...], list[Any]] = {}
        self._remaining: int | None = None
        self._space: Space | None = None
        self._proposals = 0
        self._resumed: list[TrialRecord] = []

    def begin(self, space: Space, n_trials: int | None, direction: Direction) -> None:
        optuna = _import_optuna()
        if n_trials is None:
            raise ConfigError("search='bayes' needs n_trials")
        self._distributions = _distributions(optuna, space)
        self._study = optuna.create_study(
            direction=direction,
            storage=self.storage,
            study_name=self.study_name,
            load_if_exists=True,
        )
        if self._study.direction.name.lower() != direction:
            raise ConfigError(
                f"study {self.study_name!r} in {self.storage} was made to "
                f"{self._study.direction.name.lower()}, not {direction}",
                hint="use the same direction, or a new study_name",
            )
        self._resumed = self._take_over_trials(optuna)
        self._proposals = len(self._resumed)
        self._remaining = max(0, n_trials - self._proposals)
        self._space = space
        self._open = {}

    def resumed(self) -> list[TrialRecord]:
        """The records of the trials the storage already held (numbered from 0)."""
        return list(self._resumed)

    def _take_over_trials(self, optuna: Any) -> list[TrialRecord]:  # Any: the optuna module
        state = optuna.trial.TrialState
        records: list[TrialRecord] = []
        for trial in self._study.get_trials(deepcopy=False):
            if trial.state == state.RUNNING:  # left by a stopped search: propose it again
                self._study.tell(trial.number, state=state.FAIL)
                continue
            # A FAIL counts when our search told it (the strategy rejected the point);
            # not a constraint redraw, nor a trial a stopped search left behind.
            told = trial.state == state.FAIL and EQUITY in trial.user_attrs
            if not (trial.state == state.COMPLETE or told) or trial.user_attrs.get(CONSTRAINT):
                continue
            if trial.distributions != self._distributions:
                raise ConfigError(
                    f"study {self.study_name!r} in {self.storage} searched other "
                    f"parameters or ranges: {trial.distributions}",
                    context={"trial": trial.number},
                    hint="resume with the same space, or use a new study_name",
                )
            records.append(_record(len(records), trial))
        return records

    def ask(self, n: int) -> list[Params]:
        assert self._study is not None
        assert self._space is not None
        assert self._remaining is not None
        optuna = _import_optuna()
        batch: list[Params] = []
        redraws = 0
        while len(batch) < min(n, self._remaining):
            seed = _sampler_seed(self.seed, self._proposals, redraws)
            self._study.sampler = optuna.samplers.TPESampler(seed=seed)
            trial = self._study.ask(self._distributions)
            params: Params = dict(trial.params)
            if not self._space.allows(params):
                trial.set_user_attr(CONSTRAINT, True)
                self._study.tell(trial, state=optuna.trial.TrialState.FAIL)
                redraws += 1
                if redraws > self.max_redraws:
                    raise ConfigError("TPE could not draw a point meeting the constraints")
                continue
            redraws = 0
            self._proposals += 1
            self._open.setdefault(params_key(params), []).append(trial)
            batch.append(params)
        self._remaining -= len(batch)
        return batch

    def tell(self, params: Params, value: float) -> None:
        self._finish(params, value, None)

    def tell_record(self, record: TrialRecord) -> None:
        """`tell`, keeping the record's metrics in the storage for a later resume."""
        self._finish(record.params, record.value, record)

    def _finish(self, params: Params, value: float, record: TrialRecord | None) -> None:
        trials = self._open.get(params_key(params))
        if not trials:
            return
        trial = trials.pop(0)
        if record is not None:
            trial.set_user_attr(METRICS, record.metrics)
            trial.set_user_attr(EQUITY, record.final_equity)
            trial.set_user_attr(SECONDS, record.seconds)
            trial.set_user_attr(ERROR, record.error)
        if math.isfinite(value):
            self._study.tell(trial, value)
        else:
            self._study.tell(trial, state=_import_optuna().trial.TrialState.FAIL)


def _distributions(optuna: Any, space: Space) -> dict[str, Any]:  # Any: optuna's types
    dist = optuna.distributions
    chosen: dict[str, Any] = {}
    for name, dim in space.dimensions.items():
        if isinstance(dim, Integer):
            chosen[name] = dist.IntDistribution(dim.low, dim.high, step=dim.step)
        elif isinstance(dim, Float):
            chosen[name] = dist.FloatDistribution(dim.low, dim.high, log=dim.log)
        else:
            assert isinstance(dim, Categorical)
            chosen[name] = dist.CategoricalDistribution(list(dim.choices))
    return chosen


def _record(number: int, trial: Any) -> TrialRecord:  # Any: optuna.trial.FrozenTrial
    attrs = trial.user_attrs
    value = trial.value if trial.value is not None else math.nan
    metrics = attrs.get(METRICS) or {}
    return TrialRecord(
        number=number,
        params=dict(trial.params),
        value=float(value),
        metrics={str(k): float(v) for k, v in metrics.items()},
        seconds=float(attrs.get(SECONDS, math.nan)),
        final_equity=str(attrs.get(EQUITY, "NaN")),
        returns=np.empty(0),
        error=attrs.get(ERROR) or (None if math.isfinite(value) else "failed in optuna"),
    )
