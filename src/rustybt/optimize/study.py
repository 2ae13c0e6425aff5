"""`optimize`: search a strategy's parameters on one panel, with any executor."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from rustybt.data.bars import BarPanel
from rustybt.engine.execution import CommissionModel, SlippageModel
from rustybt.engine.runner import BacktestConfig
from rustybt.engine.strategy import Strategy
from rustybt.errors import ConfigError
from rustybt.optimize.executors import Executor, SerialExecutor
from rustybt.optimize.loop import Cache, run_loop
from rustybt.optimize.result import OptimizationResult, trials_frame
from rustybt.optimize.searches import Direction, Search, make_search
from rustybt.optimize.space import Categorical, Dimension, Float, Integer, Space, params_key
from rustybt.optimize.strategies import StrategySpec, check_param_names
from rustybt.optimize.trial import Objective, TrialJob, TrialRecord

__all__ = ["optimize", "prepare_panel", "resume_cache"]

StrategyInput = type[Strategy] | Strategy | str | Path


def as_space(space: Space | Mapping[str, Dimension]) -> Space:
    return space if isinstance(space, Space) else Space(dict(space))


def prepare_panel(
    data: BarPanel, start: object | None, end: object | None, validate: bool
) -> BarPanel:
    """The window of bars, validated once for every trial (trials skip the check)."""
    panel = data.select(start=start, end=end) if start is not None or end is not None else data
    if validate:
        from rustybt.data.validation import check_panel

        panel = check_panel(panel).panel
    return panel


def _typed(dimension: Dimension, raw: object) -> object:
    if isinstance(dimension, Integer):
        number = float(str(raw))
        if not number.is_integer():
            raise ConfigError(f"resumed value {raw!r} is not a whole number")
        return int(number)
    if isinstance(dimension, Float):
        return float(str(raw))
    assert isinstance(dimension, Categorical)
    for choice in dimension.choices:
        if str(choice) == str(raw):
            return choice
    raise ConfigError(f"resumed value {raw!r} is not among the choices {dimension.choices}")


def resume_cache(previous: pd.DataFrame | str | Path, space: Space) -> Cache:
    """Finished trials of a saved trials table (``trials.csv``), keyed by parameters.

    Their returns are not in the table, so they count for the best trial and the
    deflated Sharpe ratio, but not for PBO.
    """
    table = (
        pd.read_csv(previous, dtype={"final_equity": str})
        if isinstance(previous, str | Path)
        else previous
    )
    missing = [n for n in [*space.names, "value"] if n not in table.columns]
    if missing:
        raise ConfigError(
            f"the trials table to resume lacks column(s) {', '.join(missing)}",
            hint="resume from the trials.csv of a search over the same parameters",
        )
    cache: Cache = {}
    metric_names = [
        c
        for c in table.columns
        if c not in {*space.names, "trial", "window", "value", "seconds", "final_equity", "error"}
    ]
    for row in table.to_dict(orient="records"):
        value = float(row["value"])
        if not math.isfinite(value):
            continue  # failed trials are tried again
        params = {n: _typed(space.dimensions[n], row[n]) for n in space.names}
        cache[params_key(params)] = TrialRecord(
            number=-1,
            params=params,
            value=value,
            metrics={m: float(row[m]) for m in metric_names if _is_number(row[m])},
            seconds=float(row.get("seconds", math.nan)),
            final_equity=str(row.get("final_equity", "NaN")),
            returns=np.empty(0),
        )
    return cache


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.number) and not isinstance(value, bool)


def optimize(
    strategy: StrategyInput,
    data: BarPanel,
    space: Space | Mapping[str, Dimension],
    *,
    objective: Objective = "sharpe_ratio",
    direction: Direction = "maximize",
    search: str | Search = "grid",
    n_trials: int | None = None,
    executor: Executor | None = None,
    config: BacktestConfig | None = None,
    commission: CommissionModel | None = None,
    slippage: SlippageModel | None = None,
    benchmark: str | pd.Series | None = None,
    start: object | None = None,
    end: object | None = None,
    seed: int = 0,
    progress: bool | None = None,
    resume: pd.DataFrame | str | Path | None = None,
    validate: bool = True,
    on_trial: Callable[[int, int | None], None] | None = None,
) -> OptimizationResult:
    """Search ``space`` for the parameters of ``strategy`` that best meet ``objective``.

    Args:
        strategy: a `Strategy` class (built as ``cls(**params)``), an instance (its
            params are the defaults), or a strategy file path (what the CLI uses).
        data: the bars; ``start``/``end`` pick the window every trial runs on.
        space: a `Space` or a dict of name -> `Integer` / `Float` / `Categorical`.
            A name the strategy does not declare is an error.
        objective: a metric of `rustybt.analytics.metrics.PerformanceMetrics`
            (``"sharpe_ratio"``, ``"cagr"``...) or a function of the `BacktestResult`.
        direction: ``"maximize"`` or ``"minimize"`` the objective.
        search: ``"grid"``, ``"random"``, ``"bayes"`` (optuna TPE) or a `Search`.
        n_trials: how many parameter sets to try (grid: all when None).
        executor: `SerialExecutor` (default), `ProcessExecutor`, `DaskExecutor`.
        config: capital, fill timing, volume limit, cash check of every run.
        progress: a tqdm bar; None shows it on a terminal or as a Jupyter widget.
        resume: a previous trials table (DataFrame or ``trials.csv`` path): its
            finished parameter sets are not run again.
        validate: check the bars once before the search (see `run_backtest`).
        on_trial: called as ``on_trial(done, total)`` after each finished trial
            (``total`` None for an open-ended search); raising `BacktestCancelled`
            from it stops the search like Ctrl-C, keeping the finished trials
            (`rustybt.notebook.start_optimize` uses it).
    """
    if direction not in ("maximize", "minimize"):
        raise ConfigError(f"direction must be 'maximize' or 'minimize', not {direction!r}")
    chosen_space = as_space(space)
    spec = StrategySpec.of(strategy)
    check_param_names(spec, chosen_space.names)
    panel = prepare_panel(data, start, end, validate)
    job = TrialJob(
        spec=spec,
        objective=objective,
        config=config or BacktestConfig(),
        commission=commission,
        slippage=slippage,
        benchmark=benchmark,
    )
    cache = resume_cache(resume, chosen_space) if resume is not None else {}
    runner = executor if executor is not None else SerialExecutor()
    runner.start(job, panel)
    try:
        outcome = run_loop(
            runner,
            make_search(search, seed),
            chosen_space,
            n_trials,
            direction,
            cache=cache,
            progress=progress,
            on_trial=on_trial,
        )
    finally:
        runner.close()
    return OptimizationResult(
        trials=trials_frame(outcome.records, chosen_space.names),
        space=chosen_space,
        objective=objective
        if isinstance(objective, str)
        else getattr(objective, "__name__", "custom"),
        direction=direction,
        records=outcome.records,
        job=job,
        panel=panel,
        interrupted=outcome.interrupted,
    )
