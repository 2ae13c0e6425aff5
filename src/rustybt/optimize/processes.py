"""Local worker processes sharing the bars through one memory-mapped file.

`start` writes the panel's five fields once as a single ``(5, time, assets)``
float64 ``.npy`` file in a private temporary directory; each worker maps it
read-only (``numpy.load(mmap_mode="r")``) when it starts, so the operating
system keeps one copy of the bars in its page cache for every worker, and a
task carries only its parameters and window. Workers are started with
``spawn`` (no inherited threads or locks), so a strategy must be importable
from a module or given as a strategy file path.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rustybt.assets import Asset
from rustybt.data.bars import BAR_FIELDS, BarPanel, Frequency
from rustybt.errors import ConfigError
from rustybt.optimize.executors import Task
from rustybt.optimize.trial import TrialJob, TrialRecord, run_trial

__all__ = ["MappedPanel", "ProcessExecutor"]


@dataclass(frozen=True)
class MappedPanel:
    """What a worker needs to map the shared bars (small: sent once per worker)."""

    path: str
    index: np.ndarray
    assets: tuple[Asset, ...]
    frequency: Frequency

    @classmethod
    def write(cls, panel: BarPanel, directory: Path) -> MappedPanel:
        path = directory / "bars.npy"
        stacked = np.lib.format.open_memmap(
            path, mode="w+", dtype=np.float64, shape=(len(BAR_FIELDS), *panel.close.shape)
        )
        for position, name in enumerate(BAR_FIELDS):
            stacked[position] = panel.field(name)
        stacked.flush()
        del stacked
        return cls(str(path), panel.index.asi8.copy(), panel.assets, panel.frequency)

    def attach(self) -> BarPanel:
        stacked = np.load(self.path, mmap_mode="r")
        arrays = {name: stacked[position] for position, name in enumerate(BAR_FIELDS)}
        index = pd.DatetimeIndex(self.index.astype("datetime64[ns]")).tz_localize("UTC")
        return BarPanel(index=index, assets=self.assets, frequency=self.frequency, **arrays)


_worker_state: dict[str, object] = {}


def _init_worker(mapped: MappedPanel, job: TrialJob) -> None:
    # Ctrl-C is the parent's to handle: it stops asking for trials and keeps the
    # finished ones, while running trials end normally instead of dying mid-run.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_state["panel"] = mapped.attach()
    _worker_state["job"] = job


def _run_in_worker(task: Task) -> TrialRecord:
    panel, job = _worker_state["panel"], _worker_state["job"]
    assert isinstance(panel, BarPanel)
    assert isinstance(job, TrialJob)
    return run_trial(job, panel, task.number, task.params, task.window, task.window_id)


class ProcessExecutor:
    """Runs trials in ``workers`` local processes (default: every core)."""

    def __init__(self, workers: int | None = None, *, start_method: str = "spawn") -> None:
        count = workers if workers is not None else (os.cpu_count() or 1)
        if count < 1:
            raise ConfigError("ProcessExecutor needs workers >= 1", context={"workers": workers})
        self._workers = count
        self._start_method = start_method
        self._pool: ProcessPoolExecutor | None = None
        self._directory: Path | None = None

    @property
    def workers(self) -> int:
        return self._workers

    def start(self, job: TrialJob, panel: BarPanel) -> None:
        self._directory = Path(tempfile.mkdtemp(prefix="rustybt-optimize-"))
        mapped = MappedPanel.write(panel, self._directory)
        self._pool = ProcessPoolExecutor(
            max_workers=self._workers,
            mp_context=multiprocessing.get_context(self._start_method),
            initializer=_init_worker,
            initargs=(mapped, job),
        )

    def run(self, tasks: list[Task]) -> Iterator[TrialRecord]:
        if self._pool is None:
            raise ConfigError("ProcessExecutor.run called before start")
        pending: set[Future[TrialRecord]] = {self._pool.submit(_run_in_worker, t) for t in tasks}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        finally:
            for future in pending:  # Ctrl-C or an error: drop what has not started
                future.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None
