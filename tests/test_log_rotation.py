"""Rotation by size and time, gzip of rotated files, retention, one writer per file."""

from __future__ import annotations

import gzip
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rustybt.audit.rotation import RotatingWriter, _next_rollover, rotated_files
from rustybt.errors import ConfigError
from rustybt.log import AuditLog, LogSettings


def _line(i: int) -> str:
    return json.dumps({"event": "test.line", "i": i, "pad": "x" * (40 - len(str(i)))})


def _all_lines(path: Path) -> list[int]:
    numbers: list[int] = []
    for file in [*rotated_files(path), path]:
        opener = gzip.open if file.suffix == ".gz" else open
        with opener(file, "rt") as handle:
            numbers.extend(json.loads(line)["i"] for line in handle)
    return numbers


def test_size_rollover_gzips_and_keeps_only_backup_count(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    size = len(_line(0)) + 1  # 66 bytes, every line
    writer = RotatingWriter(path, max_bytes=3 * size, backup_count=2, flush_interval=0)
    for i in range(20):
        writer.write(_line(i))
    writer.close()
    rotated = rotated_files(path)
    assert len(rotated) == 2
    assert all(file.name.endswith(".gz") for file in rotated)
    # 20 lines, 3 a file: 6 full files rotated, 2 kept (12-14, 15-17), live 18-19.
    assert _all_lines(path) == list(range(12, 20))
    assert path.stat().st_size == 2 * size
    assert not list(tmp_path.glob("*.partial"))


def test_uncompressed_rotation_and_zero_retention(tmp_path: Path) -> None:
    path = tmp_path / "plain.jsonl"
    writer = RotatingWriter(path, max_bytes=100, backup_count=1, compress=False)
    for i in range(5):
        writer.write(_line(i))
    writer.close()
    rotated = rotated_files(path)
    assert len(rotated) == 1
    assert not rotated[0].name.endswith(".gz")
    assert _all_lines(path) == [3, 4]

    gone = tmp_path / "none.jsonl"
    writer = RotatingWriter(gone, max_bytes=100, backup_count=0)
    for i in range(5):
        writer.write(_line(i))
    writer.close()
    assert rotated_files(gone) == []
    assert _all_lines(gone) == [4]


def test_time_rollover(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_700_000_000.25]
    monkeypatch.setattr(time, "time", lambda: now[0])
    path = tmp_path / "timed.jsonl"
    # flush_interval=0 reads the clock on every line (otherwise every 32 lines).
    writer = RotatingWriter(path, when="H", interval=2, backup_count=5, flush_interval=0)
    writer.write(_line(0))
    now[0] += 7199  # still within two hours
    writer.write(_line(1))
    now[0] += 2
    writer.write(_line(2))  # rolls over first; the stamp is the rollover time
    writer.close()
    rotated = rotated_files(path)
    assert [file.name for file in rotated] == ["timed.jsonl.20231115T001321250000Z.gz"]
    with gzip.open(rotated[0], "rt") as handle:
        assert [json.loads(line)["i"] for line in handle] == [0, 1]
    assert _all_lines(path) == [0, 1, 2]


def test_next_rollover_known_answers() -> None:
    start = datetime(2024, 3, 5, 17, 45, 10, tzinfo=UTC).timestamp()
    midnight = datetime(2024, 3, 6, tzinfo=UTC).timestamp()
    assert _next_rollover(start, "MIDNIGHT", 1) == midnight
    assert _next_rollover(start, "MIDNIGHT", 2) == midnight + 86_400
    assert _next_rollover(start, "M", 15) == start + 900
    assert _next_rollover(start, "D", 1) == start + 86_400


def test_a_second_writer_on_the_same_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    with AuditLog.open(path), pytest.raises(ConfigError, match="already being written"):
        AuditLog.open(path)
    with AuditLog.open(path) as again:  # free once the first one closed
        assert again.path == path


def test_appends_to_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    for i in range(2):
        writer = RotatingWriter(path, max_bytes=10_000)
        writer.write(_line(i))
        writer.close()
    assert _all_lines(path) == [0, 1]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"level": "LOUD"}, "log level"),
        ({"when": "weekly"}, "rotation 'when'"),
        ({"max_bytes": -1}, "max_bytes"),
        ({"backup_count": -2}, "backup_count"),
        ({"interval": 0}, "interval"),
    ],
)
def test_bad_settings_raise_config_errors(options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        LogSettings(**options)  # type: ignore[arg-type]  # deliberately loose for bad values


def test_settings_normalise() -> None:
    settings = LogSettings(path="~/x.jsonl", level="debug", when="midnight")  # type: ignore[arg-type]  # str path accepted at run time
    assert settings.path == Path("~/x.jsonl").expanduser()
    assert (settings.level, settings.when, settings.levelno) == ("DEBUG", "MIDNIGHT", 10)


def test_retention_holds_when_rollovers_race_the_gzip_workers_prune(tmp_path: Path) -> None:
    """A rollover between the worker's listing and its count update used to be
    forgotten, so that file was never pruned (67 of 300 runs kept a file with
    backup_count=0); the count is now shared under a lock."""
    for run in range(60):
        path = tmp_path / f"race{run}.jsonl"
        writer = RotatingWriter(path, max_bytes=100, backup_count=0)
        for i in range(5):
            writer.write(json.dumps({"event": "x", "i": i, "pad": "y" * 60}))
        writer.close()
        assert rotated_files(path) == [], run
