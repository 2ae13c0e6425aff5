"""Reading audit logs back: every file of a log (rotated .gz ones too), filters, a table.

Used by ``rustybt logs``; the same queries in ``jq``/``grep`` are in docs/logging.md.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import IO, Literal

from rustybt.audit.rotation import rotated_files
from rustybt.errors import ConfigError, DataError, DataNotFound, clip_text

__all__ = ["LogQuery", "ReadStats", "format_table", "log_files", "parse_time", "read_records"]

TimeField = Literal["timestamp", "bar_time"]
# A rotated file's name ends in .<UTC stamp>[-n][.gz] (see rotation.py).
_ATTEMPTS = 20
_STAMP = re.compile(r"\.\d{8}T\d{12}Z(?:-\d+)?(?:\.gz)?$")


def parse_time(text: str, option: str = "time") -> datetime:
    """An ISO date or datetime as aware UTC (a naive one is taken as UTC)."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ConfigError(
            f"--{option} {text!r} is not an ISO date or time",
            context={option: text},
            hint="use e.g. 2024-01-02 or 2024-01-02T14:30:00Z",
        ) from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@dataclass(frozen=True)
class LogQuery:
    """Which records to keep; every given criterion must match.

    ``events`` are globs (``order.*``); ``since`` is inclusive and ``until``
    exclusive, compared with ``time_field`` (wall clock, or the bar's time).
    """

    events: tuple[str, ...] = ()
    order_id: str | None = None
    asset: str | None = None
    run_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    time_field: TimeField = "timestamp"

    def matches(self, record: dict[str, object]) -> bool:
        if self.events:
            name = str(record.get("event", ""))
            if not any(fnmatchcase(name, pattern) for pattern in self.events):
                return False
        if self.order_id is not None and str(record.get("order_id")) != self.order_id:
            return False
        if self.asset is not None and record.get("asset") != self.asset:
            return False
        if self.run_id is not None and record.get("run_id") != self.run_id:
            return False
        if self.since is not None or self.until is not None:
            raw = record.get(self.time_field)
            if not isinstance(raw, str):
                return False
            try:
                when = parse_time(raw, self.time_field)
            except ConfigError:
                return False  # a line without a readable time cannot be in a time range
            if self.since is not None and when < self.since:
                return False
            if self.until is not None and when >= self.until:
                return False
        return True


def log_files(path: Path) -> list[Path]:
    """The files of the log at ``path``, oldest first.

    A live log file comes after its rotated siblings (``<name>.<stamp>[.gz]``); a
    single rotated file is read alone; a directory gives every ``*.jsonl`` log in it
    with its rotated files.
    """
    if path.is_dir():
        files: list[Path] = []
        for live in sorted(path.glob("*.jsonl")):
            files.extend(rotated_files(live))
            files.append(live)
        return files
    if path.exists():
        return [path] if path.suffix == ".gz" else [*rotated_files(path), path]
    rotated = rotated_files(path)
    if rotated:  # the live file may not exist yet right after a rollover
        return rotated
    raise DataNotFound(
        f"no audit log at {path}",
        context={"path": str(path)},
        hint="pass the log file given to --audit-log or configure_logging",
    )


@dataclass
class ReadStats:
    """What reading skipped: lines that were not JSON objects."""

    lines: int = 0
    skipped: int = 0


def _open(file: Path) -> IO[str] | None:
    """``file`` opened for reading; a rotated file compressed meanwhile is read from its
    ``.gz``; None when it is gone (pruned by retention, or the live file mid-rollover)."""
    candidates = [file]
    if file.suffix != ".gz" and _STAMP.search(file.name):
        candidates.append(file.with_name(file.name + ".gz"))
    for candidate in candidates:
        try:
            if candidate.suffix == ".gz":
                return gzip.open(candidate, "rt", encoding="utf-8", errors="replace")
            return open(candidate, encoding="utf-8", errors="replace")  # closed by the caller
        except FileNotFoundError:
            continue
    return None


def _stem(file: Path) -> str:
    return file.name.removesuffix(".gz")


def _open_rotated(listed: list[Path], live_path: Path | None) -> list[tuple[Path, IO[str]]]:
    """The rotated files, opened oldest first; one deleted by retention before we got to
    it drops the older ones too, so they stay one unbroken stretch of the log."""
    handles: dict[str, tuple[Path, IO[str]]] = {}
    gone = ""
    # The listing is read twice: a directory scan racing a rename can miss a file.
    for candidates in (listed, [] if live_path is None else rotated_files(live_path)):
        for rotated in candidates:
            stem = _stem(rotated)
            if stem in handles:
                continue
            handle = _open(rotated)
            if handle is None:
                gone = max(gone, stem)
            else:
                handles[stem] = (rotated, handle)
    ordered: list[tuple[Path, IO[str]]] = []
    for stem in sorted(handles):
        if stem < gone:
            handles[stem][1].close()
        else:
            ordered.append(handles[stem])
    return ordered


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


def _open_group(listed: list[Path], live_path: Path | None) -> list[tuple[Path, IO[str]]]:
    """One log's rotated files and its live file, opened (see `_snapshot`)."""
    if live_path is None:
        return _open_rotated(listed, None)
    for _ in range(_ATTEMPTS):
        live = _open(live_path)
        rotated = _open_rotated(listed, live_path)
        if live is None:
            return rotated
        # No rollover since the live file was opened: every rotated file we hold is
        # older than it, and none is the live file renamed.
        if _inode(live_path) == os.fstat(live.fileno()).st_ino:
            return [*rotated, (live_path, live)]
        live.close()
        for _, handle in rotated:
            handle.close()
        listed = []
    # Rolling over faster than we can open files (tiny max_bytes): the rotated files
    # alone are still one consistent stretch, just without the newest lines.
    return _open_rotated([], live_path)


def _snapshot(files: Sequence[Path]) -> list[tuple[Path, IO[str]]]:
    """Every file opened before any is read, so the set is consistent while the writer
    rotates: an open file keeps its content when renamed, compressed or deleted.

    The live file is opened first, then its rotated files; when a rollover happened
    meanwhile, again. A rotated file compressed meanwhile is read from its ``.gz``;
    one deleted by retention drops the older ones too, so what is read is always one
    unbroken stretch of the log.
    """
    opened: list[tuple[Path, IO[str]]] = []
    group: list[Path] = []
    try:
        for file in files:
            if _STAMP.search(file.name) or file.suffix == ".gz":
                group.append(file)
                continue
            opened.extend(_open_group(group, file))
            group = []
        if group:
            opened.extend(_open_group(group, None))
    except BaseException:
        for _, handle in opened:
            handle.close()
        raise
    return opened


def _parsed(handle: IO[str], stats: ReadStats | None) -> Iterator[tuple[str, dict[str, object]]]:
    for line in handle:
        text = line.rstrip("\n")
        if not text:
            continue
        if stats is not None:
            stats.lines += 1
        try:
            record = json.loads(text)
        except json.JSONDecodeError:
            record = None
        if not isinstance(record, dict):
            if stats is not None:
                stats.skipped += 1
            continue
        yield text, record


def read_records(
    files: Sequence[Path],
    stats: ReadStats | None = None,
    damaged: list[str] | None = None,
) -> Iterator[tuple[str, dict[str, object]]]:
    """Each line of ``files`` (gzip or plain) with its parsed JSON object, in order.

    ``damaged``: when given, a damaged compressed file is named there (with why) and
    reading goes on with the next file, so the readable part of the log is shown.

    Raises:
        DataError: a compressed file is damaged (cut short or not gzip) and no
            ``damaged`` list was given.
    """
    opened = _snapshot(files)
    try:
        for file, handle in opened:
            try:
                yield from _parsed(handle, stats)
            except (EOFError, OSError, zlib.error) as exc:
                if damaged is not None:
                    damaged.append(f"{file} ({clip_text(str(exc))})")
                    continue
                raise DataError(
                    f"audit log file {file} is damaged ({exc})",
                    context={"path": str(file)},
                    hint="move the damaged file aside (or gunzip what it still holds) and retry",
                ) from exc
    finally:
        for _, handle in opened:
            handle.close()


_TABLE = (
    ("timestamp", 27),
    ("bar_time", 25),
    ("event", 22),
    ("order_id", 8),
    ("asset", 8),
    ("side", 4),
    ("quantity", 10),
    ("price", 12),
    ("detail", 0),
)


def _row(record: dict[str, object]) -> list[str]:
    price = record.get("fill_price") or record.get("limit_price") or record.get("stop_price")
    quantity = record.get("fill_quantity") or record.get("quantity")
    detail = record.get("reason") or record.get("signal") or ""
    error = record.get("error")
    if record.get("event") == "run.failed" and isinstance(error, dict):
        detail = str(error.get("message", ""))
    elif record.get("event") == "run.finished":
        detail = f"final_equity={record.get('final_equity')} fills={record.get('fills')}"
    values = {
        "timestamp": record.get("timestamp"),
        "bar_time": record.get("bar_time"),
        "event": record.get("event"),
        "order_id": record.get("order_id"),
        "asset": record.get("asset"),
        "side": record.get("side"),
        "quantity": quantity,
        "price": price,
        "detail": detail,
    }
    return ["" if values[name] is None else str(values[name]) for name, _ in _TABLE]


def format_table(records: Iterable[dict[str, object]]) -> Iterator[str]:
    """A header and one compact line per record."""
    yield "  ".join(name.ljust(width) for name, width in _TABLE).rstrip()
    for record in records:
        cells = _row(record)
        yield "  ".join(
            cell.ljust(width) for cell, (_, width) in zip(cells, _TABLE, strict=True)
        ).rstrip()
