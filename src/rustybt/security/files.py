"""Private files: written atomically with mode 0600, checked for loose permissions."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import IO, cast

from rustybt.durable import atomic_write_bytes
from rustybt.errors import SecretsError

__all__ = ["check_private", "open_private", "restrict_tree", "write_private"]

PRIVATE_MODE = 0o600
#: Saved results: readable by the owner's group (a team share), never by others.
SHARED_FILE_MODE = 0o640
SHARED_DIR_MODE = 0o750
# Group and other permission bits: any of them set means someone else may read the file.
_SHARED_BITS = stat.S_IRWXG | stat.S_IRWXO


def write_private(path: Path, payload: bytes) -> None:
    """Replace ``path`` with ``payload`` atomically; the file is created 0600.

    The parent folder is created 0700 when missing. The bytes go to a temporary
    file in the same folder (mkstemp creates it 0600, so the secret is never
    world-readable, not even for a moment), are fsynced, then renamed over
    ``path`` (`rustybt.durable.atomic_write_bytes`): readers see the old content or
    the new, never half of one.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    atomic_write_bytes(path, payload, mode=PRIVATE_MODE)


def check_private(path: Path, *, what: str) -> None:
    """SecretsError unless ``path`` is readable by its owner only (mode 0600 or 0400).

    POSIX permission bits mean little on Windows, so the check is skipped there.
    """
    if sys.platform == "win32":
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & _SHARED_BITS:
        raise SecretsError(
            f"{what} {path} is readable by other users (mode {mode:04o}); refusing to use it",
            context={"path": str(path), "mode": f"{mode:04o}"},
            hint=f"run: chmod 600 {path}",
        )


def open_private(path: Path, mode: str = "ab", buffering: int = -1) -> IO[bytes]:
    """``path`` opened in binary ``mode`` ("ab" or "wb"); created 0600 when it does not
    exist (an audit log or a compressed copy of one may hold what a strategy logged).
    An existing file keeps its mode."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode.startswith("a") else os.O_TRUNC)
    handle = os.open(path, flags, PRIVATE_MODE)
    return cast(IO[bytes], os.fdopen(handle, mode, buffering=buffering))


def restrict_tree(folder: Path) -> None:
    """Make a saved result folder 0750 and its files 0640 (no access for others)."""
    if sys.platform == "win32":
        return
    folder.chmod(SHARED_DIR_MODE)
    for path in folder.rglob("*"):
        if path.is_symlink():
            continue
        path.chmod(SHARED_DIR_MODE if path.is_dir() else SHARED_FILE_MODE)
