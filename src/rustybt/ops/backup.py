"""Online backup and restore of a live session's state directory.

What is copied, and how:

- ``state.db`` (the session) and ``paper.db`` (a paper account's books, when the
  session trades on the paper broker) with SQLite's online backup API
  (`sqlite3.Connection.backup`): a consistent copy while the trader writes;
- the audit log ``audit.jsonl`` and its rotated files: rotated files are never
  written again, and the live file is only appended to, so its copy is its bytes
  up to the last complete line.

The two databases are copied as ONE consistent pair: the state database's write
lock is held (``BEGIN IMMEDIATE``) while both are copied. The trader writes an
order's intent to the state BEFORE it sends it, so the paper account's copy may be
ahead of the state's copy by at most what a crash between two state writes leaves
(an order sent whose answer is not stored, fills not yet booked): exactly what a
restart's reconciliation resolves. Under the lock both are copied into memory only
(tens of milliseconds for megabytes); they are written to disk after it is released.
The trader waits on the lock through SQLite's busy timeout (5 s).

A backup is a directory with ``manifest.json`` (sha256 and size of every file);
`restore_backup` refuses a backup whose files do not match it, and never writes
into a directory that already holds a state.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from rustybt.audit.rotation import rotated_files
from rustybt.errors import ConfigError, DataError

__all__ = ["BackupManifest", "backup_state", "restore_backup", "verify_backup"]

MANIFEST = "manifest.json"
STATE_DB = "state.db"
PAPER_DB = "paper.db"
AUDIT_LOG = "audit.jsonl"
PID_FILE = "runner.pid"
FORMAT = 1
LAST_BACKUP_KEY = "last_backup"  # state meta: when and where the last backup went
_DIR_MODE, _FILE_MODE = 0o700, 0o600  # orders and audit lines are private
_BUSY_TIMEOUT_S = 30.0  # how long the backup waits for the trader's own write to end


@dataclass(frozen=True)
class BackupManifest:
    """What a backup holds: ``files`` maps a relative name to (sha256, bytes)."""

    created: str
    source: str
    session_id: str | None
    last_bar_time: str | None
    files: dict[str, tuple[str, int]]

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "created": self.created,
                "source": self.source,
                "session_id": self.session_id,
                "last_bar_time": self.last_bar_time,
                "files": {k: {"sha256": s, "bytes": n} for k, (s, n) in self.files.items()},
            },
            indent=2,
            sort_keys=True,
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fresh_target(target: Path, what: str) -> Path:
    """A sibling work directory for ``target``, which must not exist or be empty."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ConfigError(
            f"{what} target {target} already exists and is not empty",
            context={"path": str(target)},
            hint="pass a new directory (backups are never overwritten)",
        )
    work = target.with_name(f".{target.name}.partial-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)  # a leftover of this pid's earlier crash
    work.mkdir(mode=_DIR_MODE, parents=True)
    return work


def _publish(work: Path, target: Path) -> None:
    """Move the finished work directory into place (one rename: all or nothing)."""
    for path in work.iterdir():
        path.chmod(_FILE_MODE)
    if target.exists():
        target.rmdir()  # empty, checked by _fresh_target
    work.rename(target)
    target.chmod(_DIR_MODE)


def _snapshot(source: sqlite3.Connection) -> sqlite3.Connection:
    """A copy of ``source`` in memory: the fast part, done while the lock is held."""
    memory = sqlite3.connect(":memory:")
    source.backup(memory)
    return memory


def _write_database(snapshot: sqlite3.Connection, destination: Path) -> None:
    """Write a snapshot to disk (after the lock is released): one self-contained file."""
    copy = sqlite3.connect(str(destination))
    try:
        snapshot.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # no -wal file beside the copy
    finally:
        copy.close()
        snapshot.close()


def _copy_audit(state: Path, work: Path) -> None:
    """The rotated files whole, then the live file up to its last complete line."""
    live = state / AUDIT_LOG
    for attempt in range(3):  # the gzip worker may compress a rotated file meanwhile
        try:
            for rotated in rotated_files(live):
                shutil.copyfile(rotated, work / rotated.name)
            break
        except FileNotFoundError:
            if attempt == 2:
                raise
            for partial in work.glob(f"{AUDIT_LOG}.*"):
                partial.unlink()
    if live.is_file():
        data = live.read_bytes()
        (work / AUDIT_LOG).write_bytes(data[: data.rfind(b"\n") + 1])


def backup_state(state: str | Path, to: str | Path) -> BackupManifest:
    """Copy the session in ``state`` to the new directory ``to``, safe while it trades."""
    state, target = Path(state), Path(to)
    if not (state / STATE_DB).is_file():
        raise ConfigError(
            f"no live state in {state} (no {STATE_DB})",
            context={"path": str(state)},
            hint="pass the --state DIR of a session",
        )
    if target.resolve().is_relative_to(state.resolve()):
        raise ConfigError(
            f"backup target {target} is inside the state directory {state}",
            hint="back up to another directory, ideally on another disk",
        )
    work = _fresh_target(target, "backup")
    try:
        source = sqlite3.connect(str(state / STATE_DB), timeout=_BUSY_TIMEOUT_S)
        try:
            # The write lock is held on a connection of its own: SQLite refuses to back
            # up through the connection that holds it, and in WAL mode the copying
            # connection reads while the lock keeps the trader's writes out.
            lock = sqlite3.connect(
                str(state / STATE_DB), timeout=_BUSY_TIMEOUT_S, isolation_level=None
            )
            snapshots: dict[str, sqlite3.Connection] = {}
            try:
                lock.execute("BEGIN IMMEDIATE")  # the trader's next state write waits
                snapshots[STATE_DB] = _snapshot(source)
                if (state / PAPER_DB).is_file():
                    paper = sqlite3.connect(str(state / PAPER_DB), timeout=_BUSY_TIMEOUT_S)
                    try:
                        snapshots[PAPER_DB] = _snapshot(paper)
                    finally:
                        paper.close()
            finally:
                lock.close()  # rolls the (empty) transaction back: the lock is released
            for name, snapshot in snapshots.items():
                _write_database(snapshot, work / name)
            _copy_audit(state, work)
            meta = dict(source.execute("SELECT key, value FROM meta").fetchall())
            manifest = BackupManifest(
                created=pd.Timestamp.now(tz="UTC").isoformat(),
                source=str(state.resolve()),
                session_id=meta.get("session_id"),
                last_bar_time=meta.get("last_bar_time"),
                files={p.name: (_sha256(p), p.stat().st_size) for p in sorted(work.iterdir())},
            )
            (work / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
            _publish(work, target)
            record = json.dumps({"at": manifest.created, "path": str(target.resolve())})
            with source:  # its own short transaction
                source.execute(
                    "INSERT INTO meta(key, value) VALUES(?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (LAST_BACKUP_KEY, record),
                )
        finally:
            source.close()
    except sqlite3.Error as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise DataError(
            f"cannot back up {state}: {exc}",
            context={"path": str(state)},
            hint="check the disk and that the state directory is readable",
        ) from exc
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


def verify_backup(backup: str | Path) -> BackupManifest:
    """The manifest of ``backup`` after checking every file's size and sha256 and the
    databases' integrity; `DataError` naming the damaged file otherwise."""
    backup = Path(backup)
    manifest_path = backup / MANIFEST
    try:
        raw = json.loads(manifest_path.read_text(encoding="utf-8"))
        files = {str(k): (str(v["sha256"]), int(v["bytes"])) for k, v in raw["files"].items()}
        manifest = BackupManifest(
            created=str(raw["created"]),
            source=str(raw["source"]),
            session_id=raw.get("session_id"),
            last_bar_time=raw.get("last_bar_time"),
            files=files,
        )
    except FileNotFoundError as exc:
        raise DataError(
            f"{backup} is not a rustybt backup (no {MANIFEST})",
            context={"path": str(backup)},
            hint="pass a directory written by `rustybt backup`",
        ) from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DataError(
            f"the manifest of backup {backup} is damaged: {exc}",
            context={"path": str(manifest_path)},
            hint="restore an older backup",
        ) from exc
    if STATE_DB not in files or raw.get("format") != FORMAT:
        raise DataError(
            f"backup {backup} has no {STATE_DB} or an unknown format {raw.get('format')!r}",
            hint="restore a backup written by this version's `rustybt backup`",
        )
    for name, (sha, size) in files.items():
        path = backup / name
        if Path(name).name != name or not path.is_file():
            raise DataError(
                f"backup {backup} is damaged: {name} is missing",
                context={"file": name},
                hint="restore an older backup",
            )
        actual_size, actual_sha = path.stat().st_size, _sha256(path)
        if actual_size != size or actual_sha != sha:
            raise DataError(
                f"backup {backup} is damaged: {name} does not match its manifest "
                f"(sha256 {actual_sha[:12]}…, {actual_size} bytes; "
                f"expected {sha[:12]}…, {size} bytes)",
                context={"file": str(path)},
                hint="restore an older backup",
            )
    for name in (STATE_DB, PAPER_DB):
        if name in files:
            _check_integrity(backup / name)
    return manifest


def _check_integrity(path: Path) -> None:
    # Opened read-only (URI mode): checking a backup never changes it.
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        verdict = db.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as exc:
        verdict = (str(exc),)
    finally:
        db.close()
    if verdict is None or verdict[0] != "ok":
        raise DataError(
            f"{path} fails SQLite's integrity check: {verdict}",
            context={"file": str(path)},
            hint="restore an older backup",
        )


def _running_pid(directory: Path) -> int | None:
    pid_file = directory / PID_FILE
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)  # signal 0: is it alive (sends nothing)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid  # alive, owned by another user
    return pid


def restore_backup(backup: str | Path, to: str | Path) -> BackupManifest:
    """Restore a verified backup into ``to`` (a new or empty directory)."""
    backup, target = Path(backup), Path(to)
    manifest = verify_backup(backup)
    pid = _running_pid(target)
    if pid is not None or (target / STATE_DB).exists():
        running = f" and a session (pid {pid}) is running on it" if pid is not None else ""
        raise ConfigError(
            f"{target} already holds a live state{running}; restore never overwrites one",
            context={"path": str(target)},
            hint="restore into a fresh directory, then point [session] state (or --state) at it",
        )
    work = _fresh_target(target, "restore")
    try:
        for name, (sha, _) in manifest.files.items():
            shutil.copyfile(backup / name, work / name)
            if _sha256(work / name) != sha:  # the copy itself went wrong (disk)
                raise DataError(f"copying {name} into {target} changed it", hint="check the disk")
        (work / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
        _publish(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


def backup_age_s(last_backup: object, now: float | None = None) -> float | None:
    """Seconds since the backup recorded under `LAST_BACKUP_KEY` (None: never)."""
    if not isinstance(last_backup, dict) or "at" not in last_backup:
        return None
    at = pd.Timestamp(str(last_backup["at"])).timestamp()
    return (time.time() if now is None else now) - at
