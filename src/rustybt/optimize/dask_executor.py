"""Trials on a dask.distributed cluster (the ``[distributed]`` extra).

``DaskExecutor("tcp://scheduler:8786")`` connects to a running scheduler; with
no address it starts a `LocalCluster` on 127.0.0.1. The panel and the job are
scattered to every worker once (``broadcast=True``); each task refers to them
by future, so only parameters and windows travel per trial. Workers must have
rustybt (and the strategy's module or file) installed at the same paths.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rustybt.data.bars import BarPanel
from rustybt.errors import ConfigError
from rustybt.install import extra_hint
from rustybt.optimize.executors import Task
from rustybt.optimize.trial import TrialJob, TrialRecord, run_trial

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
    """Runs trials on a dask cluster: an address, or a LocalCluster when None."""

    def __init__(
        self,
        address: str | None = None,
        *,
        n_workers: int = 2,
        processes: bool = True,
    ) -> None:
        self.address = address
        self.n_workers = n_workers
        self.processes = processes
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
        self._panel = self._client.scatter(panel, broadcast=True)
        self._job = self._client.scatter(job, broadcast=True)

    def run(self, tasks: list[Task]) -> Iterator[TrialRecord]:
        if self._client is None:
            raise ConfigError("DaskExecutor.run called before start")
        distributed = _import_distributed()
        futures = [
            self._client.submit(
                run_trial,
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
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
