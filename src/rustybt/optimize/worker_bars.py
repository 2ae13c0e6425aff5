"""Bars that dask workers read themselves from a path, once per worker process.

On a cluster the bars need not travel from the client: with
``DaskExecutor(address, data_path="/shared/catalog", dataset="sp500")`` every
worker opens the catalog at that path (shared storage, or its own copy at the
same path), selects the client's symbols and sessions, and keeps the panel for
every later task of the search in its process (it is dropped when the search
closes). What is scattered is a small `WorkerBars` plan; a task carries only
its parameters and window.

A content hash of the client's bars (`panel_fingerprint`) travels in the plan
and is checked on each worker after reading, so a worker never runs on other
bars than the client's: a stale copy or a different dataset raises `DataError`
naming the path and the worker's host.
"""

from __future__ import annotations

import hashlib
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rustybt.data.bars import BAR_FIELDS, BarPanel
from rustybt.errors import ConfigError, DataError, DataNotFound
from rustybt.optimize.space import Params
from rustybt.optimize.trial import TrialJob, TrialRecord, Window, run_trial

__all__ = [
    "CatalogBars",
    "WorkerBars",
    "cached_panels",
    "forget_bars",
    "loads_in_this_process",
    "panel_fingerprint",
    "run_trial_on_worker_bars",
]


def panel_fingerprint(panel: BarPanel) -> str:
    """sha256 of everything a trial reads from the panel.

    The frequency, each asset (symbol, class, fractional, sector, exchange), the
    timestamps and the five fields. NaN is hashed as one canonical value, so
    two copies holding the same missing bars agree whatever NaN payload a
    reader produced.
    """
    digest = hashlib.sha256()
    digest.update(str(panel.frequency).encode())
    for asset in panel.assets:
        identity = (asset.symbol, str(asset.asset_class), asset.fractional, asset.sector)
        digest.update(repr((*identity, asset.exchange)).encode())
    digest.update(np.ascontiguousarray(panel.index.asi8).tobytes())
    for name in BAR_FIELDS:
        values = panel.field(name)
        canonical = np.where(np.isnan(values), np.nan, values)
        digest.update(np.ascontiguousarray(canonical, dtype=np.float64).tobytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class CatalogBars:
    """A dataset of a catalog directory, as a worker sees it at ``path``."""

    path: str
    dataset: str | None = None

    def describe(self) -> str:
        return f"{self.path} (dataset {self.dataset})" if self.dataset else self.path

    def load(self, symbols: tuple[str, ...], start: pd.Timestamp, end: pd.Timestamp) -> BarPanel:
        from rustybt.data.catalog import Catalog

        root = Path(self.path).expanduser()
        if not (root / "catalog.json").is_file():
            raise DataNotFound(
                f"no catalog at {self.path} on worker host {socket.gethostname()}",
                context={"path": self.path, "host": socket.gethostname()},
                hint="mount the shared catalog at the same path on every worker, "
                "or copy it there (rustybt ingest)",
            )
        catalog = Catalog(root)
        name = self.dataset
        if name is None:
            names = catalog.datasets()
            if len(names) != 1:
                raise ConfigError(
                    f"the catalog at {self.path} holds {len(names)} datasets; say which one",
                    context={"path": self.path, "datasets": names},
                    hint="pass dataset=NAME to DaskExecutor",
                )
            name = names[0]
        return catalog.load(name, start=start, end=end, symbols=list(symbols))


@dataclass(frozen=True)
class WorkerBars:
    """What a worker needs to read and check its bars (small: scattered once)."""

    source: CatalogBars
    symbols: tuple[str, ...]
    start: pd.Timestamp
    end: pd.Timestamp
    fingerprint: str

    @classmethod
    def for_panel(cls, source: CatalogBars, panel: BarPanel) -> WorkerBars:
        """The plan to rebuild ``panel`` (the client's bars) from ``source``."""
        if len(panel.index) == 0:
            raise DataError("no bars to optimise on", context={"path": source.path})
        return cls(
            source=source,
            symbols=panel.symbols,
            start=panel.index[0],
            end=panel.index[-1],
            fingerprint=panel_fingerprint(panel),
        )

    def read(self) -> BarPanel:
        """Read the bars from the source and prove they are the client's."""
        loaded = self.source.load(self.symbols, self.start, self.end)
        if panel_fingerprint(loaded) == self.fingerprint:
            return loaded
        # The client may have validated its bars (check_panel masks broken bars):
        # the same deterministic check here gives the same panel.
        from rustybt.data.validation import check_panel

        checked = check_panel(loaded).panel
        if panel_fingerprint(checked) == self.fingerprint:
            return checked
        host = socket.gethostname()
        raise DataError(
            f"the bars read from {self.source.describe()} on worker host {host} "
            "differ from the client's",
            context={
                "path": self.source.path,
                "dataset": self.source.dataset,
                "host": host,
                "client_sha256": self.fingerprint,
                "worker_sha256": panel_fingerprint(loaded),
            },
            hint="give every worker the same data at that path (re-sync the copy or "
            "re-ingest the dataset), or leave data_path out so the client scatters its bars",
        )


# Per worker process: the panels read so far, and how many reads it took.
_panels: dict[WorkerBars, BarPanel] = {}
_reads: list[WorkerBars] = []
_lock = threading.Lock()


def panel_for(plan: WorkerBars) -> BarPanel:
    """The plan's bars, read once per process (a lock: a worker may run threads)."""
    with _lock:
        panel = _panels.get(plan)
        if panel is None:
            panel = plan.read()
            _reads.append(plan)
            _panels.clear()  # one panel per process: a new search replaces the last one
            _panels[plan] = panel
        return panel


def forget_bars() -> None:
    """Drop this process's panel (run on every worker when a search closes)."""
    with _lock:
        _panels.clear()


def cached_panels() -> int:
    """How many panels this process holds (0 between searches, 1 during one)."""
    return len(_panels)


def loads_in_this_process() -> int:
    """How many times this process read bars from a path (1 per search)."""
    return len(_reads)


def run_trial_on_worker_bars(
    job: TrialJob, plan: WorkerBars, number: int, params: Params, window: Window, window_id: int
) -> TrialRecord:
    """A dask task: `run_trial` on the worker's own copy of the bars."""
    return run_trial(job, panel_for(plan), number, params, window, window_id)
