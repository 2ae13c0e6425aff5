"""Dask workers read the bars from a catalog path, once per worker, checked by hash."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from rustybt.data.bars import BarPanel
from rustybt.data.catalog import Catalog
from rustybt.data.synthetic import demo_panel
from rustybt.errors import ConfigError, DataError
from rustybt.optimize import Integer, SerialExecutor, Space, optimize
from rustybt.optimize.worker_bars import (
    CatalogBars,
    WorkerBars,
    cached_panels,
    loads_in_this_process,
    panel_fingerprint,
)

distributed = pytest.importorskip("distributed", reason="dask.distributed is the extra")

STRATEGY = Path(__file__).parents[2] / "examples" / "dual_moving_average.py"
SPACE = Space({"fast": Integer(5, 10, 5), "slow": Integer(20, 30, 10)})


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    panel = demo_panel().select(end="2016-03-31")
    panel = panel.select(assets=panel.symbols[:6])
    root = tmp_path_factory.mktemp("catalog")
    Catalog(root).ingest(panel.to_frame(), name="syn", frequency="daily")
    return root


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:  # Any: distributed.LocalCluster
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as local:
        yield local


def per_worker_loads(cluster: Any) -> dict[str, int]:  # Any: distributed.LocalCluster
    with distributed.Client(cluster) as client:
        counts: dict[str, int] = client.run(loads_in_this_process)
        return counts


def test_workers_read_the_path_and_match_serial(catalog: Path, cluster: Any) -> None:
    panel = Catalog(catalog).load("syn")
    serial = optimize(STRATEGY, panel, SPACE, executor=SerialExecutor(), progress=False)
    for _ in range(2):  # each search: 4 trials, at most one read per worker process
        before = per_worker_loads(cluster)
        executor = _executor(cluster, catalog)
        found = optimize(STRATEGY, panel, SPACE, executor=executor, progress=False)
        assert list(found.trials["final_equity"]) == list(serial.trials["final_equity"])
        pd.testing.assert_frame_equal(
            found.trials.drop(columns="seconds"), serial.trials.drop(columns="seconds")
        )
        after = per_worker_loads(cluster)
        assert len(after) == 2
        reads = {worker: after[worker] - before.get(worker, 0) for worker in after}
        assert all(count <= 1 for count in reads.values()), reads
        assert sum(reads.values()) >= 1  # the bars were read on the workers, not shipped
    with distributed.Client(cluster) as client:  # closing the search freed the copies
        assert set(client.run(cached_panels).values()) == {0}


def _executor(cluster: Any, catalog: Path, dataset: str | None = "syn") -> Any:
    from rustybt.optimize import DaskExecutor

    return DaskExecutor(cluster.scheduler_address, data_path=catalog, dataset=dataset)


def test_the_plan_is_small_and_the_bars_never_travel(catalog: Path) -> None:
    panel = Catalog(catalog).load("syn")
    plan = WorkerBars.for_panel(CatalogBars(str(catalog), "syn"), panel)
    assert len(pickle.dumps(plan)) < 1_500 < panel.close.nbytes
    assert plan.read().close.tobytes() == panel.close.tobytes()


def test_different_bars_on_a_worker_are_an_error_naming_the_path(
    catalog: Path, cluster: Any
) -> None:
    panel = Catalog(catalog).load("syn")
    close = panel.close.copy()
    close[10, 2] += 0.01  # one price a cent off: not the data the workers hold
    changed = BarPanel(
        index=panel.index,
        assets=panel.assets,
        open=panel.open,
        high=np.maximum(panel.high, close),
        low=panel.low,
        close=close,
        volume=panel.volume,
    )
    with pytest.raises(DataError, match="differ from the client's") as caught:
        optimize(STRATEGY, changed, SPACE, executor=_executor(cluster, catalog), progress=False)
    assert str(catalog) in caught.value.message
    assert caught.value.context["client_sha256"] == panel_fingerprint(changed)


def test_fingerprint_sees_values_assets_and_times_but_not_nan_payloads() -> None:
    panel = demo_panel().select(end="2016-02-29")
    base = panel_fingerprint(panel)
    assert panel_fingerprint(panel.select(assets=panel.symbols)) == base
    assert panel_fingerprint(panel.select(assets=panel.symbols[1:])) != base
    assert panel_fingerprint(panel.select(end="2016-02-26")) != base
    volume = panel.volume.copy()
    volume[0, 0] = np.nan
    quiet = np.frombuffer(np.float64(np.nan).tobytes(), dtype=np.uint64)[0]
    other_nan = volume.copy()
    other_nan.view(np.uint64)[0, 0] = quiet | np.uint64(1)  # another NaN payload
    assert np.isnan(other_nan[0, 0])
    one = panel_fingerprint(_with_volume(panel, volume))
    assert one != base
    assert panel_fingerprint(_with_volume(panel, other_nan)) == one


def _with_volume(panel: BarPanel, volume: np.ndarray) -> BarPanel:
    return BarPanel(
        index=panel.index,
        assets=panel.assets,
        open=panel.open,
        high=panel.high,
        low=panel.low,
        close=panel.close,
        volume=volume,
        frequency=panel.frequency,
    )


def test_a_missing_catalog_or_an_unnamed_dataset_is_a_clear_error(
    catalog: Path, tmp_path: Path
) -> None:
    panel = Catalog(catalog).load("syn")
    with pytest.raises(DataError, match=f"no catalog at {tmp_path}"):
        WorkerBars.for_panel(CatalogBars(str(tmp_path)), panel).read()
    # One dataset: the name may be left out; two: it must be given.
    assert WorkerBars.for_panel(CatalogBars(str(catalog)), panel).read().symbols == panel.symbols
    two = tmp_path / "two"
    for name in ("a", "b"):
        Catalog(two).ingest(panel.to_frame(), name=name, frequency="daily")
    with pytest.raises(ConfigError, match="holds 2 datasets; say which one"):
        WorkerBars.for_panel(CatalogBars(str(two)), panel).read()
    from rustybt.optimize import DaskExecutor

    with pytest.raises(ConfigError, match="dataset= without data_path="):
        DaskExecutor(dataset="demo")


def test_the_command_line_has_its_workers_read_the_catalog(
    catalog: Path, cluster: Any, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from rustybt.cli import app

    before = per_worker_loads(cluster)
    args = ["optimize", str(STRATEGY), "--param", "fast=5:10:5", "--param", "slow=20:30:10"]
    args += ["--data", "syn", "--catalog", str(catalog), "--no-progress"]
    args += ["--scheduler", cluster.scheduler_address, "--worker-catalog", str(catalog)]
    result = CliRunner().invoke(app, [*args, "--output", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert len(pd.read_csv(tmp_path / "trials.csv")) == 4
    after = per_worker_loads(cluster)
    assert sum(after.values()) - sum(before.values()) >= 1


class _Bars:
    """A source whose bars hold one the default validation masks (a negative close)."""

    path = "/nowhere"
    dataset = None

    def __init__(self, panel: BarPanel) -> None:
        self.panel = panel

    def describe(self) -> str:
        return self.path

    def load(self, symbols: tuple[str, ...], start: pd.Timestamp, end: pd.Timestamp) -> BarPanel:
        return self.panel


def test_a_client_that_validated_its_bars_matches_a_worker_reading_them_raw() -> None:
    from rustybt.data.validation import check_panel

    panel = demo_panel().select(end="2016-02-29")
    close = panel.close.copy()
    close[5, 1] = -1.0  # an ERROR rule: the client's check_panel masks this bar
    raw = BarPanel(
        index=panel.index,
        assets=panel.assets,
        open=panel.open,
        high=panel.high,
        low=panel.low,
        close=close,
        volume=panel.volume,
    )
    checked = check_panel(raw).panel
    assert np.isnan(checked.close[5, 1])
    source: Any = _Bars(raw)  # Any: a stand-in for CatalogBars
    plan = WorkerBars(source, raw.symbols, raw.index[0], raw.index[-1], panel_fingerprint(checked))
    assert panel_fingerprint(plan.read()) == panel_fingerprint(checked)
    unchecked = WorkerBars(source, raw.symbols, raw.index[0], raw.index[-1], panel_fingerprint(raw))
    assert plan.read() is not raw
    assert unchecked.read() is raw  # bars that match as read are used as read


@pytest.mark.realdata
def test_workers_read_the_real_sp500_catalog(sp500_catalog: Path, cluster: Any) -> None:
    # Real bars with the source's anomalies: NaN opens (DHR), a halved close (LNT),
    # high below low (AOS). The client validates; the workers read the same bars.
    symbols = ["AAPL", "AOS", "DHR", "LNT", "MSFT", "XOM"]
    panel = Catalog(sp500_catalog).load("sp500", symbols=symbols, end="2015-12-31")
    serial = optimize(STRATEGY, panel, SPACE, executor=SerialExecutor(), progress=False)
    before = per_worker_loads(cluster)
    executor = _executor(cluster, sp500_catalog, "sp500")
    found = optimize(STRATEGY, panel, SPACE, executor=executor, progress=False)
    assert list(found.trials["final_equity"]) == list(serial.trials["final_equity"])
    assert found.trials["error"].isna().all()
    after = per_worker_loads(cluster)
    assert 1 <= sum(after.values()) - sum(before.values()) <= 2
