"""Pipelines attached to a backtest: registered in ``initialize``, computed once
for the whole run (bars before the start feed the windows) before the first bar,
then sliced per session by ``pipeline_output``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rustybt.data.bars import BAR_FIELDS, BarPanel, FloatArray, Frequency
from rustybt.pipeline.engine import PipelineResult, compute_pipeline
from rustybt.pipeline.pipeline import Pipeline
from rustybt.pipeline.term import PipelineError

__all__ = ["AttachedPipelines", "daily_bars", "with_history"]


def daily_bars(panel: BarPanel) -> BarPanel:
    """Minute bars aggregated per UTC session: first open, max high, min low, last
    close, summed volume (NaN where an asset has no bar that day)."""
    if panel.frequency is Frequency.DAILY:
        return panel
    days = panel.index.normalize()
    codes, sessions = pd.factorize(days)
    how = {"open": "first", "high": "max", "low": "min", "close": "last"}
    arrays: dict[str, FloatArray] = {}
    for name in BAR_FIELDS:
        grouped = pd.DataFrame(panel.field(name)).groupby(codes)
        frame = grouped.sum(min_count=1) if name == "volume" else grouped.agg(how[name])
        arrays[name] = frame.to_numpy(dtype=np.float64)
    return BarPanel(
        index=pd.DatetimeIndex(sessions), assets=panel.assets, frequency=Frequency.DAILY, **arrays
    )


def with_history(history: BarPanel, window: BarPanel) -> BarPanel:
    """``window`` preceded by the bars of ``history`` before its first timestamp
    (for the same assets), so pipeline windows reach before a backtest's start."""
    earlier = history.index < window.index[0]
    if not earlier.any() or history.frequency is not window.frequency:
        return window
    source = history if history.symbols == window.symbols else history.select(assets=window.assets)
    rows = np.flatnonzero(earlier)
    arrays = {
        name: np.concatenate([source.field(name)[rows], window.field(name)]) for name in BAR_FIELDS
    }
    return BarPanel(
        index=pd.DatetimeIndex(source.index[rows].append(window.index)),
        assets=window.assets,
        frequency=window.frequency,
        **arrays,
    )


class AttachedPipelines:
    """The pipelines of one backtest, by name."""

    def __init__(self) -> None:
        self._pipelines: dict[str, Pipeline] = {}
        self._results: dict[str, PipelineResult] = {}
        self.session = -1  # the run's current session number, set by the runner

    def __bool__(self) -> bool:
        return bool(self._pipelines)

    def attach(self, pipeline: Pipeline, name: str) -> Pipeline:
        if not isinstance(pipeline, Pipeline):
            raise PipelineError(
                f"attach_pipeline needs a Pipeline, not {type(pipeline).__name__}",
                hint="from rustybt.pipeline import Pipeline",
            )
        if name in self._pipelines:
            raise PipelineError(
                f"a pipeline named {name!r} is already attached",
                hint="give each attached pipeline its own name",
            )
        self._pipelines[name] = pipeline
        return pipeline

    def compute(self, history: BarPanel, window: BarPanel, sessions: pd.DatetimeIndex) -> None:
        """Compute every attached pipeline for ``sessions`` (the run's), reading
        ``window``'s bars and, before them, ``history``'s."""
        source = daily_bars(with_history(history, window))
        first = int(source.index.searchsorted(sessions[0]))
        last = int(source.index.searchsorted(sessions[-1]))
        if last - first + 1 != len(sessions) or not source.index[first : last + 1].equals(sessions):
            raise PipelineError(
                "the pipeline's daily sessions do not line up with the backtest's",
                context={"sessions": len(sessions), "daily_bars": last - first + 1},
            )
        for name, pipeline in self._pipelines.items():
            self._results[name] = compute_pipeline(pipeline, source, first, last)
        # The first session's output is ready before its first bar (for a
        # before_trading_start that runs ahead of the loop); the runner moves it on.
        self.session = 0

    def output(self, name: str) -> pd.DataFrame:
        """Today's rows of pipeline ``name``, indexed by asset."""
        if name not in self._pipelines:
            attached = ", ".join(sorted(self._pipelines)) or "none"
            raise PipelineError(
                f"no pipeline named {name!r} is attached",
                hint=f"attach it in initialize with attach_pipeline(pipeline, {name!r}); "
                f"attached: {attached}",
            )
        result = self._results.get(name)
        if result is None or self.session < 0:
            raise PipelineError(
                "pipeline_output is not available in initialize()",
                hint="call it in before_trading_start, handle_data or a scheduled function",
            )
        # A fresh frame per call: strategies often add columns to it.
        return result.frame_at(self.session)
