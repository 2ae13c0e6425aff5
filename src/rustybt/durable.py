"""Durable file operations: fsync'd writes, atomic replaces, checksums and folder locks.

A rename is atomic but not durable until the folder holding it is fsync'd, and a
file's bytes are not durable until the file is; every commit protocol in rustybt
(results, catalog, audit log) builds on these few helpers so the rules live once.

Locks are POSIX ``flock`` on a folder's own descriptor: they leave no lock file
behind, vanish with the process that held them (so a killed writer never blocks
the next one), and tell a live writer's temporary folder from a dead one's.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:  # POSIX only; elsewhere locking is documented, not enforced.
    import fcntl

    _FLOCK = True
except ImportError:  # pragma: no cover - Windows
    _FLOCK = False

__all__ = [
    "FileStamp",
    "atomic_write_bytes",
    "file_stamp",
    "fsync_dir",
    "fsync_file",
    "fsync_tree",
    "hold_folder",
    "is_abandoned",
    "locked",
    "remove_tree",
]

FileStamp = tuple[int, str]  # (size in bytes, sha256 hex)


def fsync_file(path: Path) -> None:
    """Flush ``path``'s bytes to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Flush ``path``'s entries (created, renamed, removed names) to the disk."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(folder: Path) -> None:
    """fsync every file directly in ``folder``, then the folder itself."""
    for entry in folder.iterdir():
        if entry.is_file():
            fsync_file(entry)
    fsync_dir(folder)


def file_stamp(path: Path) -> FileStamp:
    """Size and sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def atomic_write_bytes(path: Path, payload: bytes, *, mode: int = 0o644) -> None:
    """Write to a temporary file in the same folder, fsync, rename over ``path`` and
    fsync the folder: readers see the old or the new content, never half of one,
    and after return the new content survives a crash."""
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        # mkstemp creates the file 0600.
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def remove_tree(path: Path) -> None:
    """Remove a folder and its content; a symlink is unlinked, never followed."""
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.exists():
        shutil.rmtree(path)


@contextmanager
def locked(folder: Path, *, shared: bool = False) -> Iterator[None]:
    """Hold an exclusive (or ``shared``) flock on ``folder`` for the block; waits for it."""
    if not _FLOCK:  # pragma: no cover - Windows
        yield
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def hold_folder(folder: Path) -> int:
    """Lock a temporary folder this process is filling; returns the descriptor to close
    when done. `is_abandoned` tells such a live folder from one left by a dead process."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    if _FLOCK:
        fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def is_abandoned(folder: Path) -> bool:
    """True when no live process holds ``folder`` (see `hold_folder`)."""
    if not _FLOCK:  # pragma: no cover - Windows
        return True
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return False  # gone already, or not a folder: nothing to clean
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True
