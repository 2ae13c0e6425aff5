"""Crash-safe result folders: write beside, switch by renames, verify every file on load.

`BacktestResult.save` never writes into the folder it replaces. It fills a hidden
sibling ``.<name>.new-<token>`` (held with a folder lock so nobody mistakes it
for a dead one), records every file's size and sha256 in ``metadata.json``,
fsyncs the files and the folder, then under an exclusive lock on the parent:

1. renames the old folder aside to ``.<name>.old-<token>`` (crash point
   ``result.save.old_aside``),
2. renames the new folder into place (``result.save.switched``), the commit,
3. deletes the old folder (``result.save.cleaned``).

A kill at any point leaves either the old folder in place (plus a ``.new-``
leftover), or the new one (plus an ``.old-`` leftover), or, between 1 and 2,
both complete folders beside an empty place: `recover` finishes that switch
(the new folder was complete before step 1 began) and deletes what is left over.
`recover` runs at the start of every save and load.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from rustybt.crashpoint import crash_point
from rustybt.durable import (
    file_stamp,
    fsync_dir,
    fsync_tree,
    hold_folder,
    is_abandoned,
    locked,
    remove_tree,
)
from rustybt.errors import CatalogError, ConfigError
from rustybt.security.files import restrict_tree

__all__ = ["METADATA_FILE", "read_manifest", "recover", "verify_files", "write_folder"]

METADATA_FILE = "metadata.json"
_NEW, _OLD = ".new-", ".old-"
_DAMAGED_HINT = (
    "the folder changed after it was saved (a copy cut short, a disk error, a file "
    "replaced by hand): restore it from a backup or re-run the backtest and save again"
)


def _leftovers(path: Path) -> list[Path]:
    prefix = f".{path.name}."
    try:
        entries = list(path.parent.iterdir())
    except FileNotFoundError:
        return []
    return [
        entry
        for entry in entries
        if entry.name.startswith(prefix) and entry.name[len(prefix) - 1 :].startswith((_NEW, _OLD))
    ]


def recover(path: Path) -> None:
    """Finish or undo a switch a killed save left half done, and delete its leftovers."""
    if not _leftovers(path):
        return
    with locked(path.parent):
        found = _leftovers(path)
        stem = f".{path.name}"
        new = {p.name[len(stem + _NEW) :]: p for p in found if p.name.startswith(stem + _NEW)}
        old = {p.name[len(stem + _OLD) :]: p for p in found if p.name.startswith(stem + _OLD)}
        if not path.exists() and not path.is_symlink():
            for token in sorted(old):
                # The new folder was complete before the old one moved aside: finish the
                # switch (the old one is deleted below); without it, put the old one back.
                os.rename(new.pop(token) if token in new else old.pop(token), path)
                fsync_dir(path.parent)
                break
        for aside in old.values():
            remove_tree(aside)
        for staged in new.values():
            if is_abandoned(staged):  # a live save's folder is not a leftover
                remove_tree(staged)
        fsync_dir(path.parent)


def _check_target(path: Path) -> None:
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise ConfigError(
            f"cannot save a result to {path}: it is a file or a link, not a folder",
            context={"path": str(path)},
            hint="choose a new folder name for the result",
        )
    if path.is_dir() and Path.cwd().is_relative_to(path.resolve()):
        raise ConfigError(
            f"cannot save a result over {path}: it holds the current working folder",
            context={"path": str(path)},
            hint="saving replaces the whole folder: save to a sub-folder such as ./result",
        )
    if path.is_dir() and not (path / METADATA_FILE).is_file() and any(path.iterdir()):
        raise ConfigError(
            f"{path} is a folder that holds something other than a saved result",
            context={"path": str(path)},
            hint="saving replaces the whole folder: choose a new or empty folder",
        )


def write_folder(path: Path, write: Callable[[Path], dict[str, object]]) -> None:
    """Replace folder ``path`` with what ``write(folder)`` puts in a fresh folder;
    ``write`` returns the metadata payload, saved with every file's size and sha256."""
    path = path.absolute()  # "." or "run" have a parent folder to switch in
    path.parent.mkdir(parents=True, exist_ok=True)
    recover(path)
    _check_target(path)
    # Created and locked under the parent's lock: `recover` (which deletes unlocked
    # staging folders under that lock) never sees it in between.
    with locked(path.parent):
        staging = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}{_NEW}"))
        handle = hold_folder(staging)
    token = staging.name[len(f".{path.name}{_NEW}") :]
    try:
        payload = write(staging)
        payload["files"] = {
            entry.name: dict(zip(("size", "sha256"), file_stamp(entry), strict=True))
            for entry in sorted(staging.iterdir())
        }
        (staging / METADATA_FILE).write_text(json.dumps(payload, indent=2, default=str))
        restrict_tree(staging)  # 0750 / 0640: a result may reveal a strategy's secrets
        fsync_tree(staging)
        crash_point("result.save.staged")
        with locked(path.parent):
            aside = path.with_name(f".{path.name}{_OLD}{token}")
            if path.exists():
                os.rename(path, aside)
                fsync_dir(path.parent)
                crash_point("result.save.old_aside")
            os.rename(staging, path)
            fsync_dir(path.parent)
            crash_point("result.save.switched")
            remove_tree(aside)
            crash_point("result.save.cleaned")
    except BaseException:
        remove_tree(staging)
        raise
    finally:
        os.close(handle)


def _damaged(path: Path, name: str, problem: str) -> CatalogError:
    return CatalogError(
        f"saved result {path} is damaged: {name} {problem}",
        context={"path": str(path), "file": name},
        hint=_DAMAGED_HINT,
    )


def read_manifest(path: Path) -> dict[str, object]:
    """The parsed ``metadata.json`` of result folder ``path``."""
    meta_file = path / METADATA_FILE
    try:
        payload = json.loads(meta_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CatalogError(
            f"result metadata is not valid JSON: {meta_file} (cut short or overwritten)",
            context={"path": str(meta_file)},
            hint=_DAMAGED_HINT,
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise _damaged(path, METADATA_FILE, f"cannot be read ({exc})") from exc
    if not isinstance(payload, dict):
        raise _damaged(path, METADATA_FILE, "is not a JSON object")
    return payload


def verify_files(path: Path, files: object, required: tuple[str, ...]) -> None:
    """Every file listed in the manifest is there with its recorded size and sha256,
    and every ``required`` one is listed; CatalogError naming the first that is not."""
    if not isinstance(files, dict):
        raise _damaged(path, METADATA_FILE, "has no valid 'files' list of checksums")
    for name in required:
        if name not in files:
            raise _damaged(path, METADATA_FILE, f"does not list {name}")
    for name, expected in sorted(files.items()):
        if not isinstance(expected, dict) or "/" in str(name) or str(name).startswith("."):
            raise _damaged(path, METADATA_FILE, f"has a malformed entry for {name!r}")
        file = path / str(name)
        if not file.is_file():
            raise _damaged(path, str(name), "is missing")
        size = file.stat().st_size
        if size != expected.get("size"):
            change = "cut short" if size < int(expected.get("size") or 0) else "longer than saved"
            raise _damaged(
                path, str(name), f"is {change} ({size} bytes, saved {expected.get('size')})"
            )
        if file_stamp(file)[1] != expected.get("sha256"):
            raise _damaged(path, str(name), "does not match its checksum (its content changed)")
