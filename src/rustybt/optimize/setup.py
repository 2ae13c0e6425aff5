"""What `optimize` and `walk_forward` share before and around their searches.

Both check the space against the strategy, validate the bars once, build the
one `TrialJob` every trial runs, and open the executor once for the whole
search (closing it however the search ends).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from rustybt.data.bars import BarPanel
from rustybt.engine.execution import CommissionModel, SlippageModel
from rustybt.engine.runner import BacktestConfig
from rustybt.engine.strategy import Strategy
from rustybt.errors import ConfigError
from rustybt.optimize.executors import Executor, SerialExecutor
from rustybt.optimize.space import Dimension, Space
from rustybt.optimize.strategies import StrategySpec, check_param_names
from rustybt.optimize.trial import Objective, TrialJob

__all__ = ["StrategyInput", "StudySetup", "opened", "prepare_panel", "set_up"]

StrategyInput = type[Strategy] | Strategy | str | Path


def prepare_panel(
    data: BarPanel, start: object | None, end: object | None, validate: bool
) -> BarPanel:
    """The window of bars, validated once for every trial (trials skip the check)."""
    panel = data.select(start=start, end=end) if start is not None or end is not None else data
    if validate:
        from rustybt.data.validation import check_panel

        panel = check_panel(panel).panel
    return panel


@dataclass(frozen=True)
class StudySetup:
    """The checked space, the job every trial runs, and the (validated) bars."""

    space: Space
    job: TrialJob
    panel: BarPanel


def set_up(
    strategy: StrategyInput,
    data: BarPanel,
    space: Space | Mapping[str, Dimension],
    *,
    objective: Objective,
    direction: str,
    config: BacktestConfig | None,
    commission: CommissionModel | None,
    slippage: SlippageModel | None,
    benchmark: str | pd.Series | None = None,
    start: object | None = None,
    end: object | None = None,
    validate: bool = True,
) -> StudySetup:
    """Check the direction and parameter names (a typo is an error), validate the
    bars, build the job."""
    if direction not in ("maximize", "minimize"):
        raise ConfigError(f"direction must be 'maximize' or 'minimize', not {direction!r}")
    chosen = space if isinstance(space, Space) else Space(dict(space))
    spec = StrategySpec.of(strategy)
    check_param_names(spec, chosen.names)
    job = TrialJob(
        spec=spec,
        objective=objective,
        config=config or BacktestConfig(),
        commission=commission,
        slippage=slippage,
        benchmark=benchmark,
    )
    return StudySetup(chosen, job, prepare_panel(data, start, end, validate))


@contextmanager
def opened(executor: Executor | None, setup: StudySetup) -> Iterator[Executor]:
    """The executor (serial when None), started once with the job and bars, closed after."""
    runner = executor if executor is not None else SerialExecutor()
    runner.start(setup.job, setup.panel)
    try:
        yield runner
    finally:
        runner.close()
