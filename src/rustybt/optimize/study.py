"""`optimize`: search a strategy's parameters on one panel, with any executor."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from rustybt.data.bars import BarPanel
from rustybt.engine.execution import CommissionModel, SlippageModel
from rustybt.engine.runner import BacktestConfig
from rustybt.optimize.executors import Executor
from rustybt.optimize.loop import run_loop
from rustybt.optimize.result import OptimizationResult, trials_frame
from rustybt.optimize.resume import resume_cache
from rustybt.optimize.searches import Direction, Search, make_search
from rustybt.optimize.setup import StrategyInput, opened, prepare_panel, set_up
from rustybt.optimize.space import Dimension, Space
from rustybt.optimize.trial import Objective

__all__ = ["StrategyInput", "optimize", "prepare_panel", "resume_cache"]


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
    storage: str | None = None,
    study_name: str | None = None,
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
        storage, study_name: an optuna storage URL (``"sqlite:///study.db"``)
            and study name for ``search="bayes"``: the study's finished trials
            count toward ``n_trials`` and are not run again, and the sampler
            continues from them (see `rustybt.optimize.tpe`).
        validate: check the bars once before the search (see `run_backtest`).
        on_trial: called as ``on_trial(done, total)`` after each finished trial
            (``total`` None for an open-ended search); raising `BacktestCancelled`
            from it stops the search like Ctrl-C, keeping the finished trials
            (`rustybt.notebook.start_optimize` uses it).
    """
    setup = set_up(
        strategy,
        data,
        space,
        objective=objective,
        direction=direction,
        config=config,
        commission=commission,
        slippage=slippage,
        benchmark=benchmark,
        start=start,
        end=end,
        validate=validate,
    )
    chosen_search = make_search(search, seed, storage=storage, study_name=study_name)
    cache = resume_cache(resume, setup.space) if resume is not None else {}
    with opened(executor, setup) as runner:
        outcome = run_loop(
            runner,
            chosen_search,
            setup.space,
            n_trials,
            direction,
            cache=cache,
            progress=progress,
            on_trial=on_trial,
        )
    return OptimizationResult(
        trials=trials_frame(outcome.records, setup.space.names),
        space=setup.space,
        objective=objective
        if isinstance(objective, str)
        else getattr(objective, "__name__", "custom"),
        direction=direction,
        records=outcome.records,
        job=setup.job,
        panel=setup.panel,
        interrupted=outcome.interrupted,
    )
