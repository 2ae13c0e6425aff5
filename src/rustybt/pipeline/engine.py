"""Run a `Pipeline` over daily bars: ``run_pipeline`` for research, and the
precomputed `PipelineResult` a backtest slices per session.

The whole window is computed at once (one array per term, see `term.py`), then
the rows the screen keeps are gathered into zipline's output: a DataFrame indexed
by (session, asset) with one column per pipeline column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rustybt.assets import Asset
from rustybt.data.bars import BarPanel, Frequency, to_utc_timestamp
from rustybt.pipeline.filters.static import AssetExists
from rustybt.pipeline.kinds import Classifier, Filter
from rustybt.pipeline.pipeline import Pipeline
from rustybt.pipeline.term import Array, BoolArray, PipelineError, Workspace, plan_lookback

__all__ = ["PipelineEngine", "PipelineResult", "compute_pipeline", "run_pipeline"]


@dataclass(frozen=True)
class PipelineResult:
    """Every output session of one pipeline run.

    Attributes:
        sessions: the output sessions (tz-aware UTC labels).
        assets: the data's assets, one per array column.
        keep: (sessions x assets) rows kept: alive and passing the screen.
        values: column name -> (sessions x assets) array.
        labels: for labelled classifier columns, the names of their codes.
    """

    sessions: pd.DatetimeIndex
    assets: tuple[Asset, ...]
    keep: BoolArray
    values: dict[str, Array]
    labels: dict[str, tuple[str, ...]]

    def _column(self, name: str, rows: Array, cols: Array) -> object:
        picked = self.values[name][rows, cols]
        names = self.labels.get(name)
        if names is None:
            return picked
        return pd.Categorical.from_codes(picked, categories=pd.Index(list(names)))

    def to_frame(self) -> pd.DataFrame:
        """zipline's output: index (session, asset), one column per pipeline column."""
        rows, cols = np.nonzero(self.keep)
        # Built from codes: factorizing a million Asset objects would cost seconds.
        # Any: pandas-stubs ask for sequences; the index and code arrays are what pandas uses.
        levels: list[Any] = [self.sessions, pd.Index(np.asarray(self.assets, dtype=object))]
        codes: list[Any] = [rows, cols]
        index = pd.MultiIndex(levels=levels, codes=codes, verify_integrity=False)
        data = {name: self._column(name, rows, cols) for name in self.values}
        return pd.DataFrame(data, index=index, columns=list(self.values))

    def frame_at(self, position: int) -> pd.DataFrame:
        """One session's output, indexed by asset (what ``pipeline_output`` returns)."""
        cols = np.flatnonzero(self.keep[position])
        rows = np.full(len(cols), position)
        index = pd.Index(np.asarray(self.assets, dtype=object)[cols])
        data = {name: self._column(name, rows, cols) for name in self.values}
        return pd.DataFrame(data, index=index, columns=list(self.values))


def _daily(panel: BarPanel) -> BarPanel:
    if panel.frequency is not Frequency.DAILY:
        raise PipelineError(
            "pipelines run on daily bars; this data is minute bars",
            hint="run the pipeline on a daily panel of the same assets",
        )
    return panel


def compute_pipeline(
    pipeline: Pipeline, panel: BarPanel, first_output: int, last_output: int
) -> PipelineResult:
    """Compute ``pipeline`` for the sessions at panel rows ``first_output..last_output``."""
    panel = _daily(panel)
    if not 0 <= first_output <= last_output < len(panel.index):
        raise PipelineError(
            "pipeline output rows are outside the data",
            context={"first": first_output, "last": last_output, "rows": len(panel.index)},
        )
    columns = pipeline.columns
    screen: Filter = pipeline.screen if pipeline.screen is not None else AssetExists()
    lookback = plan_lookback([*columns.values(), screen])
    ws = Workspace(panel, first_output, last_output, lookback)
    out = slice(ws.output_start, ws.rows)
    keep = (ws.array(screen).astype(bool) & ws.alive)[out]
    values: dict[str, Array] = {}
    labels: dict[str, tuple[str, ...]] = {}
    for name, term in columns.items():
        values[name] = np.asarray(ws.array(term)[out]).astype(term.dtype, copy=False)
        if isinstance(term, Classifier):
            names = term.label_names(ws)
            if names is not None:
                labels[name] = names
    return PipelineResult(
        sessions=panel.index[first_output : last_output + 1],
        assets=panel.assets,
        keep=keep,
        values=values,
        labels=labels,
    )


def session_rows(panel: BarPanel, start: object, end: object) -> tuple[int, int]:
    """Panel rows of the first and last session within [start, end]."""
    first = int(panel.index.searchsorted(to_utc_timestamp(start).normalize()))
    last = int(panel.index.searchsorted(to_utc_timestamp(end), side="right")) - 1
    if len(panel.index) == 0 or first > last:
        covered = f"{panel.index[0].date()} to {panel.index[-1].date()}" if len(panel) else "none"
        raise PipelineError(
            "no sessions between start and end in this data",
            context={"start": str(start), "end": str(end)},
            hint=f"the data covers {covered}",
        )
    return first, last


def run_pipeline(pipeline: Pipeline, start: object, end: object, data: BarPanel) -> pd.DataFrame:
    """Compute ``pipeline`` for every session in [start, end] of ``data``.

    Returns zipline's frame: a MultiIndex (session, asset) and one column per
    pipeline column, holding only the rows the screen keeps (and assets alive that
    session). The values for a session use data up to the previous session's
    close; bars before ``start`` in ``data`` feed the windows.
    """
    if not isinstance(pipeline, Pipeline):
        raise PipelineError(f"run_pipeline needs a Pipeline, not {type(pipeline).__name__}")
    if not isinstance(data, BarPanel):
        raise PipelineError(
            f"run_pipeline needs data as a BarPanel, not {type(data).__name__}",
            hint="e.g. Catalog(path).load('sp500') or rustybt.data.synthetic.demo_panel()",
        )
    first, last = session_rows(_daily(data), start, end)
    return compute_pipeline(pipeline, data, first, last).to_frame()


class PipelineEngine:
    """zipline's engine shape for research: ``PipelineEngine(data).run_pipeline(p, start, end)``."""

    def __init__(self, data: BarPanel) -> None:
        self.data = _daily(data)

    def run_pipeline(
        self, pipeline: Pipeline, start_date: object, end_date: object
    ) -> pd.DataFrame:
        return run_pipeline(pipeline, start_date, end_date, self.data)
