"""One trial: build the strategy with its parameters, run it, score it.

Every executor calls `run_trial` with the same `TrialJob`, so a trial's result
does not depend on where it ran. The panel is validated once by `optimize`
(trials run with ``validate=False``), and the per-trial work is one backtest plus
the metrics of its returns.
"""

from __future__ import annotations

import difflib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rustybt.analytics.metrics import performance_metrics
from rustybt.data.bars import BarPanel
from rustybt.engine.execution import CommissionModel, SlippageModel
from rustybt.engine.result import BacktestResult
from rustybt.engine.runner import BacktestConfig, run_backtest
from rustybt.errors import ConfigError, RustyBTError
from rustybt.optimize.space import Params
from rustybt.optimize.strategies import StrategySpec

__all__ = ["Objective", "TrialJob", "TrialRecord", "Window", "run_trial"]

Objective = str | Callable[[BacktestResult], float]
Window = tuple[pd.Timestamp | None, pd.Timestamp | None]


@dataclass(frozen=True)
class TrialJob:
    """Everything a trial needs besides the bars and its parameters (sent once)."""

    spec: StrategySpec
    objective: Objective = "sharpe_ratio"
    config: BacktestConfig = field(default_factory=BacktestConfig)
    commission: CommissionModel | None = None
    slippage: SlippageModel | None = None
    benchmark: str | pd.Series | None = None

    def __post_init__(self) -> None:
        if isinstance(self.objective, str):
            from dataclasses import fields

            from rustybt.analytics.metrics import PerformanceMetrics

            names = {f.name for f in fields(PerformanceMetrics)}
            if self.objective not in names:
                close = difflib.get_close_matches(self.objective, sorted(names), n=3)
                raise ConfigError(
                    f"unknown objective {self.objective!r}",
                    hint=f"a PerformanceMetrics field such as {', '.join(close or ['sharpe_ratio'])}"
                    " (or pass a function of the BacktestResult)",
                )

    def backtest(self, panel: BarPanel, params: Params, window: Window) -> BacktestResult:
        config = self.config
        return run_backtest(
            self.spec.build(dict(params)),
            panel,
            start=window[0],
            end=window[1],
            capital=config.capital,
            benchmark=self.benchmark,
            commission=self.commission,
            slippage=self.slippage,
            volume_limit=config.volume_limit,
            fill_at=config.fill_at,
            check_cash=config.check_cash,
            data_source=config.data_source,
            validate=False,
        )


@dataclass(frozen=True)
class TrialRecord:
    """What one trial produced (small: travels back from workers)."""

    number: int
    params: Params
    value: float
    metrics: dict[str, float]
    seconds: float
    final_equity: str
    returns: np.ndarray = field(repr=False)
    error: str | None = None
    window: int = 0


def scalar_metrics(result: BacktestResult) -> dict[str, float]:
    """Every numeric metric of the result's returns, as floats (NaN when undefined)."""
    metrics: dict[str, float] = {}
    for name, value in performance_metrics(result).to_dict().items():
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            metrics[name] = float(value)
        elif value is None:
            metrics[name] = math.nan
    return metrics


def score(objective: Objective, result: BacktestResult, metrics: dict[str, float]) -> float:
    if callable(objective):
        return float(objective(result))
    if objective not in metrics:
        raise ConfigError(
            f"unknown objective {objective!r}",
            hint=f"use a metric name such as {', '.join(sorted(metrics)[:8])}... or a function",
        )
    return metrics[objective]


def run_trial(
    job: TrialJob, panel: BarPanel, number: int, params: Params, window: Window, window_id: int = 0
) -> TrialRecord:
    """Run and score one parameter set; a strategy that rejects it is a failed trial."""
    began = time.perf_counter()
    try:
        result = job.backtest(panel, params, window)
    except RustyBTError as error:  # e.g. the strategy refuses fast >= slow
        return TrialRecord(
            number=number,
            params=params,
            value=math.nan,
            metrics={},
            seconds=time.perf_counter() - began,
            final_equity="NaN",
            returns=np.empty(0),
            error=f"{type(error).__name__}: {error.message}",
            window=window_id,
        )
    metrics = scalar_metrics(result)
    value = score(job.objective, result, metrics)
    return TrialRecord(
        number=number,
        params=params,
        value=value,
        metrics=metrics,
        seconds=time.perf_counter() - began,
        final_equity=str(result.final_equity),
        returns=result.returns.to_numpy(dtype=np.float64, copy=True),
        window=window_id,
    )
