"""`RotatingWriter`: an append-only JSON-lines file that rolls over by size and time.

A rollover renames the live file to ``<name>.<UTC stamp>`` (a rename, instant),
then gzips it to ``<name>.<UTC stamp>.gz`` on a background thread so the engine
never waits for compression, and deletes the oldest rotated files beyond the
retention count. Stamps sort in time order, so readers take rotated files by name
and the live file last.

One process writes a file: a sidecar ``<name>.lock`` holds an exclusive advisory
lock (POSIX ``flock``) for the writer's life, and a second writer fails at once
instead of interleaving lines.
"""

from __future__ import annotations

import gzip
import os
import queue
import re
import shutil
import threading
import time
from pathlib import Path
from typing import IO

from rustybt.crashpoint import crash_point
from rustybt.errors import ConfigError
from rustybt.security.files import open_private

try:  # POSIX only: on other systems the one-writer rule is documented, not enforced.
    import fcntl

    _FLOCK = True
except ImportError:  # pragma: no cover - Windows
    _FLOCK = False

__all__ = ["RotatingWriter", "rotated_files", "stamp_text"]

_STAMP = re.compile(r"^\.(\d{8}T\d{6}\d{6}Z)(?:-(\d+))?(\.gz)?$")
_UNIT_SECONDS = {"S": 1, "M": 60, "H": 3600, "D": 86400}
_BUFFER = 1 << 16


def rotated_files(path: Path) -> list[Path]:
    """Rotated siblings of ``path`` (compressed or not yet), oldest first."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        return []
    found: list[tuple[str, int, Path]] = []
    prefix = path.name
    for entry in directory.iterdir():
        name = entry.name
        if not name.startswith(prefix) or name == prefix:
            continue
        match = _STAMP.match(name[len(prefix) :])
        if match is None:
            continue
        # While a rotated file is being compressed both forms exist: keep the plain one.
        if match.group(3) and (directory / name[: -len(".gz")]).exists():
            continue
        found.append((match.group(1), int(match.group(2) or 0), entry))
    return [entry for _, _, entry in sorted(found, key=lambda item: (item[0], item[1]))]


def stamp_text(now: float) -> str:
    """The UTC stamp of a rollover at ``now`` (seconds since the epoch), as in file names."""
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f"{int(now % 1 * 1e6):06d}Z"


def _next_rollover(start: float, when: str, interval: int) -> float:
    if when == "MIDNIGHT":
        day = 86400
        return (int(start) // day + interval) * day
    return start + _UNIT_SECONDS[when] * interval


class RotatingWriter:
    """Buffered line writer with size and time rollover, gzip and retention."""

    def __init__(
        self,
        path: Path,
        *,
        max_bytes: int = 0,
        when: str | None = None,
        interval: int = 1,
        backup_count: int = 30,
        compress: bool = True,
        flush_interval: float = 1.0,
    ) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.when = when.upper() if when else None
        self.interval = interval
        self.backup_count = backup_count
        self.compress = compress
        self.flush_interval = flush_interval
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_file = self._acquire_lock()
        self._lock = threading.Lock()
        # Guards the rotated-file count, which the writer raises and the gzip worker's
        # prune lowers: a rollover between the prune's listing and its update must not be
        # forgotten (that file would then never be pruned).
        self._count_lock = threading.Lock()
        # One worker compresses rotated files in order, then prunes: never a file
        # it is still compressing.
        self._pending: queue.Queue[Path | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._file: IO[bytes] = open_private(path, "ab", buffering=_BUFFER)
        self._size = self._file.tell()
        self.errors: list[str] = []
        self._rotated = 0  # rotated files on disk, as far as this writer knows
        self._recover()
        created = path.stat().st_mtime if self._size else time.time()
        self._rollover_at = (
            _next_rollover(created, self.when, interval) if self.when is not None else None
        )
        self._last_flush = time.monotonic()
        self._since_clock = 0

    def _acquire_lock(self) -> IO[bytes] | None:
        if not _FLOCK:  # pragma: no cover - Windows
            return None
        lock_path = self.path.with_name(self.path.name + ".lock")
        handle = open(lock_path, "wb")  # noqa: SIM115  # held for the writer's life
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.close()
            raise ConfigError(
                f"audit log {self.path} is already being written by another writer",
                context={"path": str(self.path), "lock": str(lock_path)},
                hint="give each process its own log file, or close the other AuditLog first",
            ) from exc
        return handle

    def write(self, line: str) -> None:
        """Append one line (no newline); rolls over first when due."""
        data = line.encode() + b"\n"  # UTF-8; our renderers emit ASCII
        size = len(data)
        with self._lock:
            self._since_clock += 1
            # The clock is read every 32 lines (and on every line when flushing each
            # line): a time rollover or flush lands at most 31 lines late.
            if self._since_clock >= 32 or self.flush_interval <= 0:
                self._since_clock = 0
                self._check_clock()
            if self.max_bytes and self._size and self._size + size > self.max_bytes:
                self._rollover(time.time())
            self._file.write(data)
            self._size += size
            if self.flush_interval <= 0:
                self._file.flush()

    def _check_clock(self) -> None:
        now = time.time()
        if self._rollover_at is not None and now >= self._rollover_at:
            self._rollover(now)
        if self.flush_interval > 0 and time.monotonic() - self._last_flush >= self.flush_interval:
            self._file.flush()
            self._last_flush = time.monotonic()

    def flush(self) -> None:
        with self._lock:
            if not self._file.closed:
                self._file.flush()
                self._last_flush = time.monotonic()

    def close(self) -> None:
        """Flush, close, wait for pending compressions and release the lock."""
        with self._lock:
            if not self._file.closed:
                self._file.close()
        if self._worker is not None:
            self._pending.put(None)
            self._worker.join()
            self._worker = None
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    def _rotated_name(self, now: float) -> Path:
        stamp = stamp_text(now)
        target = self.path.with_name(f"{self.path.name}.{stamp}")
        counter = 0
        # Two rollovers in one microsecond (tiny max_bytes) must not overwrite each other.
        while target.exists() or target.with_name(target.name + ".gz").exists():
            counter += 1
            target = self.path.with_name(f"{self.path.name}.{stamp}-{counter}")
        return target

    def _rollover(self, now: float) -> None:
        self._file.close()
        target = self._rotated_name(now)
        os.replace(self.path, target)
        with self._count_lock:
            self._rotated += 1
        crash_point("audit.rotate.renamed")
        self._file = open_private(self.path, "ab", buffering=_BUFFER)
        self._size = 0
        if self.when is not None:
            self._rollover_at = _next_rollover(now, self.when, self.interval)
        if self.compress:
            self._queue(target)
        else:
            self._prune()

    def _recover(self) -> None:
        """Finish what a killed writer left (we hold the writer lock, so none is live):
        delete half-written ``.gz.partial`` files, drop a plain rotated file whose
        ``.gz`` was completed, and queue the rotated files never compressed."""
        prefix = self.path.name + "."
        for entry in self.path.parent.iterdir():
            if entry.name.startswith(prefix) and entry.name.endswith(".gz.partial"):
                entry.unlink(missing_ok=True)
        existing = rotated_files(self.path)
        self._rotated = len(existing)
        for rotated in existing:
            if rotated.suffix == ".gz":
                continue
            if rotated.with_name(rotated.name + ".gz").exists():
                rotated.unlink()  # the .gz replaced its .partial whole: it is complete
            elif self.compress:
                self._queue(rotated)

    def _queue(self, rotated: Path) -> None:
        if self._worker is None:
            self._worker = threading.Thread(
                target=self._compress_queued, name="rustybt-log-gzip", daemon=True
            )
            self._worker.start()
        self._pending.put(rotated)

    def _compress_queued(self) -> None:
        """Take every queued file at once, prune once, then compress what is kept: a
        backlog (tiny ``max_bytes``) costs one directory listing per batch, and files
        retention would delete are never compressed."""
        running = True
        while running:
            batch = [self._pending.get()]
            while True:
                try:
                    batch.append(self._pending.get_nowait())
                except queue.Empty:
                    break
            running = None not in batch
            self._prune()
            for source in batch:
                if source is not None:
                    self._compress(source)

    def _compress(self, source: Path) -> None:
        partial = source.with_name(source.name + ".gz.partial")
        if not source.exists():  # already pruned: retention is smaller than the backlog
            return
        try:
            with (
                open(source, "rb") as raw,
                open_private(partial, "wb") as out,
                gzip.open(out, "wb") as packed,
            ):
                shutil.copyfileobj(raw, packed, _BUFFER)
            crash_point("audit.compress.partial_written")
            os.replace(partial, source.with_name(source.name + ".gz"))
            crash_point("audit.compress.replaced")
            source.unlink()
        except OSError as exc:
            # The uncompressed file stays in place: nothing is lost, the error is kept.
            partial.unlink(missing_ok=True)
            self.errors.append(f"could not compress {source}: {exc}")

    def _prune(self) -> None:
        # Counted, not listed, until retention is passed: a folder of thousands of
        # rotated files is listed once per prune, not once per rollover.
        with self._count_lock:
            if self._rotated <= self.backup_count:
                return
        rotated = rotated_files(self.path)
        excess = max(len(rotated) - self.backup_count, 0)
        for old in rotated[:excess]:
            old.unlink(missing_ok=True)
        with self._count_lock:
            # What is on disk now: what was listed, less what was deleted, plus any
            # rollover that happened meanwhile (counted since the listing).
            self._rotated = max(self._rotated, len(rotated)) - excess
