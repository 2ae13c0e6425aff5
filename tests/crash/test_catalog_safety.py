"""Catalog: concurrent ingests (synchronised pairs), the cheap check on every load,
and recovery of what killed ingests leave."""

from __future__ import annotations

import json
import shutil
from multiprocessing.synchronize import Barrier
from pathlib import Path

import numpy as np
import pytest

from rustybt.data.catalog import Catalog, ingest
from rustybt.errors import CatalogError
from tests.crash.harness import context
from tests.crash.scenarios import bars_frame, expected_close

PAIRS = 3
DAYS = 20  # small datasets: the collision is in the commit, not in the work


def ingest_after(barrier: Barrier, root: str, name: str, tag: str) -> None:
    frame = bars_frame(tag, DAYS)  # the slow part done before the barrier: the writes collide
    barrier.wait(timeout=30)
    ingest(frame, root, name=name, frequency="daily", overwrite=True)


def _pair(root: Path, first: tuple[str, str], second: tuple[str, str]) -> None:
    barrier = context().Barrier(2)
    children = [
        context().Process(target=ingest_after, args=(barrier, str(root), *job))
        for job in (first, second)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
        assert child.exitcode == 0


def test_two_ingests_at_once_both_land(tmp_path: Path) -> None:
    for number in range(PAIRS):
        root = tmp_path / f"pair{number}"
        _pair(root, ("a", "old"), ("b", "new"))
        catalog = Catalog(root)
        assert catalog.datasets() == ["a", "b"]
        for name, tag in (("a", "old"), ("b", "new")):
            catalog.verify(name)
            np.testing.assert_array_equal(catalog.load(name).close, expected_close(tag, DAYS))
        assert sorted(p.name for p in root.iterdir()) == ["a", "b", "catalog.json"]


def test_two_overwrites_of_one_name_leave_one_consistent_version(tmp_path: Path) -> None:
    for number in range(PAIRS):
        root = tmp_path / f"pair{number}"
        _pair(root, ("x", "old"), ("x", "new"))
        catalog = Catalog(root)
        catalog.verify("x")
        close = catalog.load("x").close
        assert np.array_equal(close, expected_close("old", DAYS)) or np.array_equal(
            close, expected_close("new", DAYS)
        )
        assert len([p for p in root.iterdir() if p.name != "catalog.json"]) == 1


@pytest.fixture
def root(tmp_path: Path) -> Path:
    ingest(bars_frame("old"), tmp_path, name="x", frequency="daily")
    ingest(bars_frame("other"), tmp_path, name="y", frequency="daily")
    return tmp_path


def test_load_refuses_a_file_swapped_under_the_metadata(root: Path) -> None:
    shutil.copyfile(root / "y" / "bars.parquet", root / "x" / "bars.parquet")
    with pytest.raises(CatalogError, match=r"dataset 'x': bars\.parquet is \d+ bytes") as info:
        Catalog(root).load("x")
    assert "rustybt catalog verify x" in str(info.value.hint)


def test_overwrite_goes_beside_and_the_old_folder_goes(root: Path) -> None:
    report = ingest(bars_frame("new"), root, name="x", frequency="daily", overwrite=True)
    assert report.path == root / "x@1"
    assert sorted(p.name for p in root.iterdir()) == ["catalog.json", "x@1", "y"]
    np.testing.assert_array_equal(Catalog(root).load("x").close, expected_close("new"))
    ingest(bars_frame("old"), root, name="x", frequency="daily", overwrite=True)
    assert Catalog(root).folder("x") == root / "x"


def test_opening_cleans_what_killed_ingests_left(root: Path) -> None:
    (root / ".staging-x-dead").mkdir()
    (root / ".staging-x-dead" / "bars.parquet").write_bytes(b"half")
    shutil.copytree(root / "x", root / "x@7")  # renamed in, never committed
    (root / ".catalog.json.abc.tmp").write_text("{")
    Catalog(root)
    assert sorted(p.name for p in root.iterdir()) == ["catalog.json", "x", "y"]


def test_an_old_versions_half_swap_is_rolled_back(root: Path) -> None:
    # rustybt before issue 16 renamed <name> to .trash-<name>-<staging> first.
    (root / "x").rename(root / ".trash-x-.staging-x-123")
    catalog = Catalog(root)
    catalog.verify("x")
    np.testing.assert_array_equal(catalog.load("x").close, expected_close("old"))


def test_catalogs_written_before_sizes_still_load(root: Path) -> None:
    path = root / "catalog.json"
    payload = json.loads(path.read_text())
    for entry in payload["datasets"].values():
        del entry["sizes"], entry["folder"], entry["extra"]["footer_sha256"]
    path.write_text(json.dumps(payload))
    np.testing.assert_array_equal(Catalog(root).load("x").close, expected_close("old"))
    Catalog(root).verify("x")


def test_an_entry_cannot_point_outside_its_dataset(root: Path) -> None:
    path = root / "catalog.json"
    payload = json.loads(path.read_text())
    payload["datasets"]["x"]["folder"] = "../elsewhere"
    path.write_text(json.dumps(payload))
    with pytest.raises(CatalogError, match="malformed"):
        Catalog(root).load("x")
