"""``term.downsample(frequency)``: compute a term on the first session of each
year, quarter, month or week and hold that value until the next one (zipline's
semantics: the samples fall on the calendar's period starts whatever the run's
start date, so the block reaches back one full period)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rustybt.pipeline.kinds import Classifier, Factor, Filter
from rustybt.pipeline.term import Array, IntArray, PipelineError, Term, Workspace

__all__ = ["FREQUENCIES", "downsampled"]

# The most sessions one period can hold (with room to spare): how far back the
# block must reach so that the first output's period start is inside it.
FREQUENCIES: dict[str, int] = {
    "year_start": 262,
    "quarter_start": 67,
    "month_start": 24,
    "week_start": 6,
}


def period_keys(dates: pd.DatetimeIndex, frequency: str) -> IntArray:
    """One integer per period; padded rows (NaT) get -1."""
    valid = np.asarray(dates.notna(), dtype=bool)
    keys = np.full(len(dates), -1, dtype=np.int64)
    if not valid.any():
        return keys
    real = dates[valid]
    if frequency == "year_start":
        found = real.year.to_numpy()
    elif frequency == "quarter_start":
        found = real.year.to_numpy() * 4 + real.quarter.to_numpy()
    elif frequency == "month_start":
        found = real.year.to_numpy() * 12 + real.month.to_numpy()
    else:
        calendar = real.isocalendar()
        found = calendar["year"].to_numpy() * 53 + calendar["week"].to_numpy()
    keys[valid] = found
    return keys


class _Downsampled(Term):
    def __init__(self, term: Term, frequency: str) -> None:
        if frequency not in FREQUENCIES:
            raise PipelineError(
                f"unknown downsample frequency {frequency!r}",
                hint=f"use one of {', '.join(FREQUENCIES)}",
            )
        super().__init__(inputs=[term])
        self.frequency = frequency
        # Read through the planner as a window: the wrapped term must be valid a
        # whole period before the first output, back to that period's start.
        self.window_length = FREQUENCIES[frequency] + 1
        self.window_safe = False
        if isinstance(term, Classifier):
            self.labels = term.labels

    def label_names(self, ws: Workspace) -> tuple[str, ...] | None:
        wrapped = self.inputs[0]
        return wrapped.label_names(ws) if isinstance(wrapped, Classifier) else None

    def compute_block(self, ws: Workspace) -> Array:
        values = ws.array(self.inputs[0])
        keys = period_keys(ws.dates, self.frequency)
        sample = np.ones(len(keys), dtype=bool)
        sample[1:] = keys[1:] != keys[:-1]
        rows = np.arange(len(keys))
        anchor = np.maximum.accumulate(np.where(sample, rows, 0))
        held: Array = values[anchor]
        return held

    def graph_repr(self) -> str:
        return f"{self.inputs[0].graph_repr()}.downsample({self.frequency!r})"


class DownsampledFactor(_Downsampled, Factor):
    pass


class DownsampledFilter(_Downsampled, Filter):
    pass


class DownsampledClassifier(_Downsampled, Classifier):
    pass


def downsampled(term: Term, frequency: str) -> Term:
    if isinstance(term, Factor):
        return DownsampledFactor(term, frequency)
    if isinstance(term, Filter):
        return DownsampledFilter(term, frequency)
    if isinstance(term, Classifier):
        return DownsampledClassifier(term, frequency)
    raise PipelineError(
        f"cannot downsample {term.graph_repr()}: use a factor, filter or classifier"
    )
