"""What the kill harness does to each store, and what it accepts afterwards.

Each scenario prepares a committed "old" state, lets a child replace it with a
"new" one, and after the kill checks the promise: what loads is exactly the old
or exactly the new state (the new one whenever the child finished), it verifies,
and no temporary leftovers survive the next open.
"""

from __future__ import annotations

import functools
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path

import numpy as np
import pandas as pd

from rustybt import BacktestResult, FunctionStrategy, run_backtest
from rustybt.assets import Asset
from rustybt.audit import AuditLog
from rustybt.audit.query import ReadStats, log_files, read_records
from rustybt.data.bars import BAR_COLUMNS, BarPanel
from rustybt.data.catalog import Catalog, ingest
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.data_portal import BarData
from rustybt.engine.result import TABLES
from rustybt.errors import DataNotFound, RustyBTError

__all__ = ["SCENARIOS", "Scenario"]


# -- results -----------------------------------------------------------------------------
def _panel(n_assets: int, n_days: int, seed: int) -> BarPanel:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2020-01-01", periods=n_days, freq="D", tz="UTC")
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.01, (n_days, n_assets)), axis=0))
    return BarPanel(
        index=index,
        assets=tuple(Asset(f"A{i:02d}") for i in range(n_assets)),
        open=close,
        high=close * 1.01,
        low=close * 0.99,
        close=close,
        volume=np.full_like(close, 1e6),
    )


@functools.cache
def backtest(tag: str) -> BacktestResult:
    """A small real backtest; ``tag`` changes the data, the trades and the metadata."""
    seed = sum(map(ord, tag))
    panel = _panel(12, 300, seed)

    def handle_data(context: TradingContext, data: BarData) -> None:
        if data.bar % 20 == 0:
            for asset in panel.assets[: 4 + seed % 5]:
                context.order_target_percent(asset, 0.05 if data.bar % 40 else 0.0)
            context.log_decision("rebalance", reason=tag, bar=data.bar)

    result = run_backtest(
        FunctionStrategy(handle_data=handle_data, name=f"s-{tag}"), panel, capital=1_000_000
    )
    result.metadata["tag"] = tag
    return result


def same_result(left: BacktestResult, right: BacktestResult) -> bool:
    if left.metadata != right.metadata:
        return False
    for name in TABLES:
        try:
            pd.testing.assert_frame_equal(
                getattr(left, name), getattr(right, name), check_freq=False
            )
        except AssertionError:
            return False
    if (left.bars is None) != (right.bars is None):
        return False
    return (
        left.bars is None or right.bars is None or np.array_equal(left.bars.close, right.bars.close)
    )


def _siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name != path.name)


def save_result(path: str, result: BacktestResult) -> None:
    result.save(path)


# -- catalog -----------------------------------------------------------------------------
@functools.cache
def bars_frame(tag: str, days: int = 400) -> pd.DataFrame:
    """60 symbols' daily bars; ``tag`` seeds the prices."""
    seed = sum(map(ord, tag))
    rng = np.random.default_rng(seed)
    stamps = pd.date_range("2015-01-01", periods=days, freq="D", tz="UTC")
    symbols = np.array([f"S{i:02d}" for i in range(60)], dtype=object)
    close = np.round(
        100 * np.exp(np.cumsum(rng.normal(0, 0.01, (len(stamps), len(symbols))), 0)), 2
    )
    return pd.DataFrame(
        {
            "timestamp": np.repeat(stamps, len(symbols)),
            "symbol": np.tile(symbols, len(stamps)),
            "open": close.ravel(),
            "high": close.ravel() * 1.01,
            "low": close.ravel() * 0.99,
            "close": close.ravel(),
            "volume": np.round(rng.uniform(1e5, 1e7, close.size)),
        },
        columns=list(BAR_COLUMNS),
    )


def expected_close(tag: str, days: int = 400) -> np.ndarray:
    frame = bars_frame(tag, days)
    return frame.pivot(index="timestamp", columns="symbol", values="close").to_numpy()


def ingest_frame(root: str, name: str, tag: str) -> None:
    ingest(bars_frame(tag), root, name=name, frequency="daily", overwrite=True)


# -- audit log ---------------------------------------------------------------------------
AUDIT_LINES = 4000


def write_audit(path: str, acked: Synchronized[int]) -> None:
    """Numbered lines, each flushed, through many rotations; ``acked`` = last written."""
    log = AuditLog.open(
        path, max_bytes=3000, when=None, backup_count=10_000, compress=True, flush_interval=0
    )
    for seq in range(AUDIT_LINES):
        log.write_line("info", json.dumps({"event": "test.line", "seq": seq}))
        acked.value = seq
    log.close()


def audit_sequence(path: Path) -> tuple[list[int], int]:
    stats = ReadStats()
    seqs = [int(str(record["seq"])) for _, record in read_records(log_files(path), stats)]
    return seqs, stats.skipped


# -- the scenarios -----------------------------------------------------------------------
@dataclass(frozen=True)
class Scenario:
    """``prepare(folder)`` commits the old state and returns the child's (target, args);
    ``check(folder, completed, args)`` returns a problem or None."""

    name: str
    points: tuple[str, ...]
    prepare: Callable[[Path], tuple[Callable[..., None], tuple[object, ...]]]
    check: Callable[[Path, bool, tuple[object, ...]], str | None]


def _prepare_result(folder: Path) -> tuple[Callable[..., None], tuple[object, ...]]:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    path = folder / "run"
    backtest("old").save(path)
    return save_result, (str(path), backtest("new"))


def _check_result(folder: Path, completed: bool, args: tuple[object, ...]) -> str | None:
    path = folder / "run"
    try:
        loaded = BacktestResult.load(path)
    except RustyBTError as error:
        return f"load failed: {type(error).__name__}: {error}"
    except Exception as error:  # noqa: BLE001  # the defect counted: an internal error instead of ours
        return f"load crashed: {type(error).__name__}: {error}"
    if same_result(loaded, backtest("new")):
        state = "new"
    elif same_result(loaded, backtest("old")):
        state = "old"
    else:
        return "loaded a mix of the old and the new result"
    if completed and state != "new":
        return "save returned but the old result loads"
    leftovers = _siblings(path)
    if leftovers:
        return f"leftovers after load: {leftovers}"
    return None


def _prepare_first_save(folder: Path) -> tuple[Callable[..., None], tuple[object, ...]]:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return save_result, (str(folder / "run"), backtest("new"))


def _check_first_save(folder: Path, completed: bool, args: tuple[object, ...]) -> str | None:
    path = folder / "run"
    try:
        loaded = BacktestResult.load(path)
    except DataNotFound:
        if completed:
            return "save returned but nothing loads"
        leftovers = _siblings(path)
        return f"leftovers after load: {leftovers}" if leftovers else None
    except Exception as error:  # noqa: BLE001  # the defect counted
        return f"load failed: {type(error).__name__}: {error}"
    if not same_result(loaded, backtest("new")):
        return "loaded something else than the saved result"
    leftovers = _siblings(path)
    return f"leftovers after load: {leftovers}" if leftovers else None


_CATALOG_TEMPLATE: dict[str, Path] = {}


def _prepare_catalog(folder: Path) -> tuple[Callable[..., None], tuple[object, ...]]:
    shutil.rmtree(folder, ignore_errors=True)
    template = _CATALOG_TEMPLATE.get("path")
    if template is None or not template.exists():
        template = folder.parent / "catalog-template"
        shutil.rmtree(template, ignore_errors=True)
        ingest(bars_frame("other"), template, name="y", frequency="daily")
        ingest(bars_frame("old"), template, name="x", frequency="daily")
        _CATALOG_TEMPLATE["path"] = template
    shutil.copytree(template, folder, symlinks=True)
    return ingest_frame, (str(folder), "x", "new")


def _check_catalog(folder: Path, completed: bool, args: tuple[object, ...]) -> str | None:
    catalog = Catalog(folder)
    try:
        close = catalog.load("x").close
        catalog.verify("x")
        other = catalog.load("y").close
        catalog.verify("y")
    except RustyBTError as error:
        return f"load/verify failed: {type(error).__name__}: {error}"
    except Exception as error:  # noqa: BLE001  # the defect counted: an internal error instead of ours
        return f"load crashed: {type(error).__name__}: {error}"
    if not np.array_equal(other, expected_close("other")):
        return "the untouched dataset changed"
    if np.array_equal(close, expected_close("new")):
        state = "new"
    elif np.array_equal(close, expected_close("old")):
        state = "old"
    else:
        return "dataset x holds neither the old nor the new bars"
    if completed and state != "new":
        return "ingest returned but the old bars load"
    referenced = {"catalog.json"}
    for name in ("x", "y"):
        referenced.add(catalog.folder(name).name if hasattr(catalog, "folder") else name)
    leftovers = sorted(p.name for p in folder.iterdir() if p.name not in referenced)
    if leftovers:
        return f"leftovers after load: {leftovers}"
    return None


def _prepare_audit(folder: Path) -> tuple[Callable[..., None], tuple[object, ...]]:
    from tests.crash.harness import context

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    acked = context().Value("q", -1, lock=False)
    return write_audit, (str(folder / "audit.jsonl"), acked)


def _check_audit(folder: Path, completed: bool, args: tuple[object, ...]) -> str | None:
    path = folder / "audit.jsonl"
    acked = args[1].value  # type: ignore[attr-defined]  # the shared counter
    for stage in ("after the kill", "after reopening"):
        if stage == "after reopening":
            AuditLog.open(path, max_bytes=3000, when=None, backup_count=10_000).close()
            partial = sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))
            if partial:
                return f"leftovers {stage}: {partial}"
        try:
            seqs, skipped = audit_sequence(path)
        except DataNotFound:
            if acked < 0:  # killed before the first line: there is no log yet, rightly
                continue
            return f"no log {stage} although {acked + 1} lines were written"
        except Exception as error:  # noqa: BLE001  # the defect counted: a reader failing
            return f"reading {stage} failed: {type(error).__name__}: {error}"
        if skipped:
            return f"{skipped} torn lines {stage}"
        if seqs != list(range(len(seqs))):
            return f"lines missing or repeated {stage}"
        if len(seqs) <= acked:
            return f"written lines lost {stage}: read {len(seqs)}, acknowledged {acked + 1}"
    return None


SCENARIOS = {
    "result": Scenario(
        "result",
        (
            "result.save.staged",
            "result.save.old_aside",
            "result.save.switched",
            "result.save.cleaned",
        ),
        _prepare_result,
        _check_result,
    ),
    "result-first": Scenario(
        "result-first",
        ("result.save.staged", "result.save.switched"),
        _prepare_first_save,
        _check_first_save,
    ),
    "catalog": Scenario(
        "catalog",
        (
            "catalog.ingest.staged",
            "catalog.ingest.folder_in_place",
            "catalog.ingest.committed",
            "catalog.ingest.cleaned",
        ),
        _prepare_catalog,
        _check_catalog,
    ),
    "audit": Scenario(
        "audit",
        ("audit.rotate.renamed", "audit.compress.partial_written", "audit.compress.replaced"),
        _prepare_audit,
        _check_audit,
    ),
}
