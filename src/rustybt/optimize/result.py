"""`OptimizationResult`: the trials table, the best trial and the diagnostics."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from rustybt.analytics.metrics import deflated_sharpe_ratio
from rustybt.data.bars import BarPanel
from rustybt.engine.result import BacktestResult
from rustybt.errors import ConfigError
from rustybt.optimize.diagnostics import PBOResult, probability_of_backtest_overfitting
from rustybt.optimize.searches import Direction
from rustybt.optimize.space import Params, Space, params_key
from rustybt.optimize.trial import TrialJob, TrialRecord, Window

__all__ = ["OptimizationResult", "trials_frame"]

LEADING = ("trial", "window", "value", "seconds", "final_equity", "error")


def trials_frame(records: list[TrialRecord], names: list[str]) -> pd.DataFrame:
    """One row per trial: number, window, parameters, objective value, every metric."""
    rows = []
    for record in records:
        row: dict[str, object] = {"trial": record.number, "window": record.window}
        row.update({name: record.params.get(name) for name in names})
        row.update(
            value=record.value,
            seconds=record.seconds,
            final_equity=record.final_equity,
            error=record.error,
        )
        row.update(record.metrics)
        rows.append(row)
    columns = ["trial", "window", *names, "value", "seconds", "final_equity", "error"]
    return pd.DataFrame(rows, columns=None if rows else columns)


@dataclass
class OptimizationResult:
    """What `rustybt.optimize.optimize` found.

    Attributes:
        trials: one row per trial (tidy): ``trial``, ``window``, each parameter,
            ``value`` (the objective), ``seconds``, ``final_equity`` (exact, as a
            string), ``error`` (why a trial failed) and every performance metric.
        space, objective, direction: what was searched and how it was scored.
        interrupted: True when Ctrl-C stopped the search (finished trials kept).
    """

    trials: pd.DataFrame
    space: Space
    objective: str
    direction: Direction
    records: list[TrialRecord] = field(repr=False)
    job: TrialJob = field(repr=False)
    panel: BarPanel = field(repr=False)
    window: Window = (None, None)
    interrupted: bool = False
    _best_result: BacktestResult | None = field(default=None, repr=False)

    def _finished(self) -> pd.DataFrame:
        finished = self.trials[np.isfinite(self.trials["value"].astype(float))]
        if finished.empty:
            raise ConfigError(
                "no trial finished with a finite objective value",
                hint="see the 'error' column of result.trials",
            )
        return finished

    @property
    def best_trial(self) -> pd.Series:
        """The row of the best trial (the first one on ties)."""
        finished = self._finished()
        values = finished["value"].astype(float)
        position = int(np.argmax(values) if self.direction == "maximize" else np.argmin(values))
        row: pd.Series = finished.iloc[position]
        return row

    @property
    def best_params(self) -> Params:
        row = self.best_trial
        record = next(r for r in self.records if r.number == int(row["trial"]))
        return dict(record.params)

    @property
    def best_value(self) -> float:
        return float(self.best_trial["value"])

    @property
    def best_result(self) -> BacktestResult:
        """The full `BacktestResult` of the best parameters (re-run once, in process)."""
        if self._best_result is None:
            self._best_result = self.job.backtest(self.panel, self.best_params, self.window)
        return self._best_result

    def returns_matrix(self) -> pd.DataFrame:
        """Per-period returns of every finished trial (columns: trial numbers)."""
        seen: set[tuple[tuple[str, str], ...]] = set()
        columns: dict[int, np.ndarray] = {}
        for record in self.records:
            key = params_key(record.params)
            if record.error is None and record.returns.size and key not in seen:
                seen.add(key)
                columns[record.number] = record.returns
        if not columns:
            raise ConfigError("no trial kept its returns (resumed trials do not)")
        index = self.best_result.perf.index
        lengths = {len(v) for v in columns.values()}
        if lengths != {len(index)}:
            index = pd.RangeIndex(max(lengths))
        return pd.DataFrame(columns, index=index)

    @property
    def n_distinct_trials(self) -> int:
        """Parameter sets actually evaluated (the N of the deflated Sharpe ratio)."""
        return len({params_key(r.params) for r in self.records if r.error is None})

    def deflated_sharpe(self) -> float:
        """Deflated Sharpe ratio of the best trial, deflated by every distinct trial."""
        sharpes = []
        seen: set[tuple[tuple[str, str], ...]] = set()
        for record in self.records:
            key = params_key(record.params)
            if record.error is None and key not in seen:
                seen.add(key)
                sharpes.append(record.metrics.get("sharpe_ratio", math.nan))
        return deflated_sharpe_ratio(self.best_result.returns, sharpes)

    def pbo(self, n_splits: int = 16) -> PBOResult:
        """Probability of backtest overfitting of this search (CSCV, see diagnostics)."""
        return probability_of_backtest_overfitting(self.returns_matrix(), n_splits)

    def save(self, directory: str | Path) -> Path:
        """Write ``trials.csv`` and the best result (``best/``) under ``directory``."""
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        self.trials.to_csv(target / "trials.csv", index=False)
        self.best_result.save(target / "best")
        return target

    # plots (matplotlib, the [plot] extra) ----------------------------------------
    def plot_heatmap(self, x: str, y: str, value: str = "value") -> object:
        from rustybt.optimize.plots import heatmap

        return heatmap(self.trials, x, y, value)

    def plot_parallel(self) -> object:
        from rustybt.optimize.plots import parallel_coordinates

        return parallel_coordinates(self.trials, self.space.names)

    def plot_history(self) -> object:
        from rustybt.optimize.plots import objective_history

        return objective_history(self.trials, self.direction)

    def _repr_html_(self) -> str:
        return str(self.trials.head(20).to_html())
