"""Parameter search, walk-forward analysis and overfitting diagnostics.

    >>> from rustybt.optimize import Integer, Space, optimize
    >>> space = Space({"fast": Integer(5, 50, 5), "slow": Integer(20, 200, 10)},
    ...               constraints=["fast < slow"])
    >>> found = optimize(DualMovingAverage, panel, space, objective="sharpe_ratio")
    >>> found.best_params, found.trials.head()

Executors: `SerialExecutor` (default), `ProcessExecutor` (local processes,
bars memory-mapped once), `DaskExecutor` (a dask.distributed cluster; extra).
See docs/optimize.md.
"""

from __future__ import annotations

from rustybt.optimize.dask_executor import DaskExecutor
from rustybt.optimize.diagnostics import (
    PBOResult,
    degradation,
    probability_of_backtest_overfitting,
)
from rustybt.optimize.executors import Executor, SerialExecutor
from rustybt.optimize.processes import ProcessExecutor
from rustybt.optimize.result import OptimizationResult
from rustybt.optimize.searches import GridSearch, RandomSearch, Search
from rustybt.optimize.space import Categorical, Float, Integer, Space
from rustybt.optimize.study import optimize
from rustybt.optimize.tpe import TPESearch
from rustybt.optimize.walk_forward import WalkForwardResult, walk_forward
from rustybt.optimize.windows import WalkForwardWindow, walk_forward_windows

__all__ = [
    "Categorical",
    "DaskExecutor",
    "Executor",
    "Float",
    "GridSearch",
    "Integer",
    "OptimizationResult",
    "PBOResult",
    "ProcessExecutor",
    "RandomSearch",
    "Search",
    "SerialExecutor",
    "Space",
    "TPESearch",
    "WalkForwardResult",
    "WalkForwardWindow",
    "degradation",
    "optimize",
    "probability_of_backtest_overfitting",
    "walk_forward",
    "walk_forward_windows",
]
