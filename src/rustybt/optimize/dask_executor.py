"""Trials on a dask.distributed cluster (the ``[distributed]`` extra).

``DaskExecutor("tcp://scheduler:8786")`` connects to a running scheduler; with
no address it starts a `LocalCluster` on 127.0.0.1. The bars reach the workers
in one of two ways, each once per worker, never per trial:

- by default the client scatters its panel to every worker (``broadcast=True``);
- with ``data_path`` (a catalog directory every worker sees at that path, and
  ``dataset``) each worker reads the bars itself, once per worker process and
  search, and checks them against the client's content hash
  (`rustybt.optimize.worker_bars`); closing the executor frees them.

The job is scattered once too; each task refers to it and to the bars by
future, so only parameters and windows travel per trial. Workers must have
rustybt (and the strategy's module or file) installed at the same paths.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rustybt.data.bars import BarPanel
from rustybt.errors import ConfigError
from rustybt.install import extra_hint
from rustybt.optimize.executors import Task
from rustybt.optimize.trial import TrialJob, TrialRecord, run_trial
from rustybt.optimize.worker_bars import (
    CatalogBars,
    WorkerBars,
    forget_bars,
    run_trial_on_worker_bars,
)

__all__ = ["DaskExecutor"]


def _import_distributed() -> Any:  # Any: dask is an optional extra without stubs here
    try:
        import distributed
    except ImportError as error:
        raise ConfigError(
            "DaskExecutor needs dask.distributed",
            hint=extra_hint("distributed"),
        ) from error
    return distributed


class DaskExecutor:
    """Runs trials on a dask cluster: an address, or a LocalCluster when None.

    ``data_path``: a catalog directory the workers read the bars from (with
    ``dataset``, needed when the catalog holds more than one); None scatters
    the client's bars instead.
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        n_workers: int = 2,
        processes: bool = True,
        data_path: str | Path | None = None,
        dataset: str | None = None,
    ) -> None:
        if dataset is not None and data_path is None:
            raise ConfigError(
                "DaskExecutor got dataset= without data_path=",
                hint="pass data_path=CATALOG_DIRECTORY as well, or neither",
            )
        self.address = address
        self.n_workers = n_workers
        self.processes = processes
        self.source = None if data_path is None else CatalogBars(str(data_path), dataset)
        self._client: Any = None  # Any: distributed.Client (optional dependency)
        self._cluster: Any = None  # Any: distributed.LocalCluster
        self._panel: Any = None  # Any: a distributed.Future of the scattered panel
        self._job: Any = None

    @property
    def workers(self) -> int:
        if self._client is None:
            return self.n_workers
        return max(1, len(self._client.scheduler_info().get("workers", {})))

    def start(self, job: TrialJob, panel: BarPanel) -> None:
        distributed = _import_distributed()
        if self.address is None:
            # Threads talk in-process; worker processes over TCP on loopback only.
            network = {"host": "127.0.0.1"} if self.processes else {}
            self._cluster = distributed.LocalCluster(
                n_workers=self.n_workers,
                threads_per_worker=1,
                processes=self.processes,
                dashboard_address=None,
                **network,
            )
            self._client = distributed.Client(self._cluster)
        else:
            self._client = distributed.Client(self.address)
        if self.source is None:
            self._panel = self._client.scatter(panel, broadcast=True)
        else:  # workers read the bars themselves; only the plan and hash travel
            plan = WorkerBars.for_panel(self.source, panel)
            self._panel = self._client.scatter(plan, broadcast=True)
        self._job = self._client.scatter(job, broadcast=True)

    def run(self, tasks: list[Task]) -> Iterator[TrialRecord]:
        if self._client is None:
            raise ConfigError("DaskExecutor.run called before start")
        distributed = _import_distributed()
        task = run_trial if self.source is None else run_trial_on_worker_bars
        futures = [
            self._client.submit(
                task,
                self._job,
                self._panel,
                t.number,
                t.params,
                t.window,
                t.window_id,
                pure=False,
            )
            for t in tasks
        ]
        try:
            for future in distributed.as_completed(futures):
                record = future.result()
                assert isinstance(record, TrialRecord)
                yield record
        finally:
            self._client.cancel([f for f in futures if not f.done()])

    def close(self) -> None:
        if self._client is not None:
            if self.source is not None:
                # Free the workers' copies; a worker that died has nothing to free.
                self._client.run(forget_bars, on_error="ignore")
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
