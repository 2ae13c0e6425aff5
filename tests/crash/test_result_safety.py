"""`BacktestResult.load` verifies every file: a damaged folder gives a clear error naming
the file, never a raw pyarrow/KeyError/FileNotFoundError, and never loads silently."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest

from rustybt import BacktestResult
from rustybt.errors import CatalogError, ConfigError, DataError, DataNotFound
from tests.crash.harness import context
from tests.crash.scenarios import backtest, same_result


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    return backtest("old").save(tmp_path / "run")


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0xFF
    path.write_bytes(bytes(data))


def _swap_from_other(path: Path) -> None:
    other = backtest("new").save(path.parent.parent / "other")
    shutil.copyfile(other / path.name, path)


DAMAGE: dict[str, tuple[str, Callable[[Path], None], str]] = {
    "missing table": ("orders.parquet", Path.unlink, r"orders\.parquet is missing"),
    "truncated table": ("perf.parquet", _truncate, r"perf\.parquet is cut short"),
    "corrupted byte": ("transactions.parquet", _flip, r"transactions\.parquet does not match"),
    "swapped table": ("positions.parquet", _swap_from_other, r"positions\.parquet"),
    "swapped bars": ("bars.parquet", _swap_from_other, r"bars\.parquet"),
    "grown table": (
        "decisions.parquet",
        lambda p: p.write_bytes(p.read_bytes() + b"x"),
        r"decisions\.parquet is longer than saved",
    ),
    "truncated metadata": ("metadata.json", _truncate, r"not valid JSON"),
    "swapped metadata": ("metadata.json", _swap_from_other, r"is damaged: \w+\.parquet"),
    "metadata not an object": ("metadata.json", lambda p: p.write_text("[1, 2]"), "JSON object"),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_damage_is_named(saved: Path, case: str) -> None:
    file, damage, message = DAMAGE[case]
    damage(saved / file)
    with pytest.raises(DataError, match=message) as info:
        BacktestResult.load(saved)
    assert "restore" in str(info.value.hint) or "re-run" in str(info.value.hint)


def test_missing_metadata_says_so(saved: Path) -> None:
    (saved / "metadata.json").unlink()
    with pytest.raises(DataNotFound, match=r"metadata\.json is missing"):
        BacktestResult.load(saved)


def test_manifest_without_a_table_is_refused(saved: Path) -> None:
    payload = json.loads((saved / "metadata.json").read_text())
    del payload["files"]["perf.parquet"]
    (saved / "metadata.json").write_text(json.dumps(payload))
    with pytest.raises(CatalogError, match=r"does not list perf\.parquet"):
        BacktestResult.load(saved)


def test_extra_files_beside_the_result_are_ignored(saved: Path) -> None:
    (saved / "tearsheet.png").write_bytes(b"not part of the result")
    assert same_result(BacktestResult.load(saved), backtest("old"))


def test_results_saved_before_checksums_still_load(saved: Path) -> None:
    payload = json.loads((saved / "metadata.json").read_text())
    payload["format_version"] = 1
    del payload["files"]
    (saved / "metadata.json").write_text(json.dumps(payload))
    assert same_result(BacktestResult.load(saved), backtest("old"))
    (saved / "orders.parquet").write_bytes(b"garbage")
    with pytest.raises(CatalogError, match=r"orders\.parquet cannot be read"):
        BacktestResult.load(saved)


def test_overwrite_replaces_the_whole_result_and_leaves_nothing_beside(saved: Path) -> None:
    backtest("new").save(saved)
    assert same_result(BacktestResult.load(saved), backtest("new"))
    assert [p.name for p in saved.parent.iterdir()] == ["run"]


def test_a_folder_that_is_not_a_result_is_never_replaced(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(ConfigError, match="other than a saved result"):
        backtest("old").save(tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"
    (tmp_path / "empty").mkdir()
    backtest("old").save(tmp_path / "empty")  # an empty folder is fine


def test_a_switch_cut_between_the_renames_is_finished_on_load(saved: Path) -> None:
    # What a kill between "old aside" and "new in place" leaves: both complete folders.
    new = backtest("new").save(saved.parent / "staged")
    saved.rename(saved.parent / ".run.old-abc")
    new.rename(saved.parent / ".run.new-abc")
    assert same_result(BacktestResult.load(saved), backtest("new"))
    assert [p.name for p in saved.parent.iterdir()] == ["run"]


def test_the_working_folder_is_never_replaced(saved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(saved)
    with pytest.raises(ConfigError, match="current working folder"):
        backtest("new").save(".")
    assert same_result(BacktestResult.load("."), backtest("old"))


def save_after(barrier: Barrier, path: str, result: BacktestResult) -> None:
    barrier.wait(timeout=30)
    result.save(path)


def test_two_saves_at_once_leave_one_complete_result(saved: Path) -> None:
    for _ in range(2):
        barrier = context().Barrier(2)
        children = [
            context().Process(target=save_after, args=(barrier, str(saved), backtest(tag)))
            for tag in ("old", "new")
        ]
        for child in children:
            child.start()
        for child in children:
            child.join(60)
            assert child.exitcode == 0
        loaded = BacktestResult.load(saved)
        assert same_result(loaded, backtest("old")) or same_result(loaded, backtest("new"))
        assert [p.name for p in saved.parent.iterdir()] == ["run"]
