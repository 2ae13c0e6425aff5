"""Where trials run: the `Executor` protocol and the serial executor.

An executor is opened once with the job and the bars (`start`), then runs
batches of tasks and yields their records as they finish (`run`). The bars are
handed over once per executor, never per trial: processes map one ``.npy`` file
(`rustybt.optimize.processes`), dask scatters the panel once
(`rustybt.optimize.dask_executor`). Results never depend on the executor: each
trial is a deterministic function of its job, bars, parameters and window.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from rustybt.data.bars import BarPanel
from rustybt.errors import ConfigError
from rustybt.optimize.space import Params
from rustybt.optimize.trial import TrialJob, TrialRecord, Window, run_trial

__all__ = ["Executor", "SerialExecutor", "Task"]


@dataclass(frozen=True)
class Task:
    """One trial to run: its number, parameters and the window of bars it may see."""

    number: int
    params: Params
    window: Window = (None, None)
    window_id: int = 0


class Executor(Protocol):
    """Runs trials; see the module docstring."""

    @property
    def workers(self) -> int: ...

    def start(self, job: TrialJob, panel: BarPanel) -> None: ...

    def run(self, tasks: list[Task]) -> Iterator[TrialRecord]: ...

    def close(self) -> None: ...


class SerialExecutor:
    """Runs trials one after another in this process."""

    def __init__(self) -> None:
        self._job: TrialJob | None = None
        self._panel: BarPanel | None = None

    @property
    def workers(self) -> int:
        return 1

    def start(self, job: TrialJob, panel: BarPanel) -> None:
        self._job, self._panel = job, panel

    def run(self, tasks: list[Task]) -> Iterator[TrialRecord]:
        if self._job is None or self._panel is None:
            raise ConfigError("SerialExecutor.run called before start")
        for task in tasks:
            yield run_trial(
                self._job, self._panel, task.number, task.params, task.window, task.window_id
            )

    def close(self) -> None:
        self._job = self._panel = None
