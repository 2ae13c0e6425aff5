"""How a dataset enters the catalog in one atomic step, and how a crash is undone.

An ingest writes its files into a hidden ``.staging-<name>-*`` folder (locked by
the writing process, so a live staging folder is never mistaken for a dead
one), fsyncs them, and records each file's size and sha256. Then, holding the
catalog's exclusive lock (``flock`` on the catalog folder):

1. the staging folder is renamed to a folder no entry uses: ``<name>`` or
   ``<name>@<n>`` (crash point ``catalog.ingest.folder_in_place``);
2. ``catalog.json`` is replaced atomically with the entry pointing at the new
   folder (``catalog.ingest.committed``): this rename is the commit;
3. the previous folder of the dataset is deleted (``catalog.ingest.cleaned``).

Readers hold the shared lock while they read ``catalog.json`` and the files, so
they never see a folder deleted under them. Every read-modify-write of
``catalog.json`` happens under the exclusive lock: two ingests at once both land.

`recover` (run when a `Catalog` is opened and before every ingest) deletes what
a killed ingest left: abandoned staging folders, folders no entry references,
temporary ``catalog.json`` copies, and the ``.trash-*`` folders of older
versions of rustybt (putting one back when its dataset's folder is missing).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from rustybt.crashpoint import crash_point
from rustybt.data.catalog.metadata import (
    BARS_FILE,
    METADATA_FILE,
    DatasetInfo,
    read_metadata,
    write_metadata,
)
from rustybt.durable import fsync_dir, is_abandoned, locked, remove_tree
from rustybt.errors import CatalogError

__all__ = ["FOOTER_BYTES", "check_files", "commit", "footer_sha256", "recover"]

#: The tail of bars.parquet hashed at ingest and checked on every load: it holds the
#: Parquet footer (schema, row groups, their statistics), which any rewrite changes.
FOOTER_BYTES = 1 << 16
_VERSIONED = re.compile(r"^(?P<name>.+)@\d+$")
_TEMPORARY = (".staging-", ".trash-", f".{METADATA_FILE}.")


def footer_sha256(path: Path) -> str:
    """sha256 of the last `FOOTER_BYTES` of a file."""
    with path.open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(max(size - FOOTER_BYTES, 0))
        return hashlib.sha256(handle.read()).hexdigest()


def _free_folder(root: Path, name: str, taken: set[str]) -> str:
    candidate, number = name, 0
    while candidate in taken or os.path.lexists(root / candidate):
        number += 1
        candidate = f"{name}@{number}"
    return candidate


def commit(root: Path, staging: Path, info: DatasetInfo, *, overwrite: bool) -> DatasetInfo:
    """Install ``staging`` as dataset ``info.name`` (see the module docstring); returns
    the entry as written (with its folder)."""
    with locked(root):
        datasets = read_metadata(root)
        previous = datasets.get(info.name)
        if previous is not None and not overwrite:
            raise CatalogError(
                f"dataset {info.name!r} already exists in {root}",
                context={"name": info.name, "catalog": str(root)},
                hint="pass overwrite=True to replace it, or choose another name",
            )
        taken = {entry.folder for entry in datasets.values()}
        folder = _free_folder(root, info.name, taken)
        os.rename(staging, root / folder)
        fsync_dir(root)
        crash_point("catalog.ingest.folder_in_place")
        installed = info.with_folder(folder)
        datasets[info.name] = installed
        write_metadata(root, datasets)
        crash_point("catalog.ingest.committed")
        if previous is not None and previous.folder not in {e.folder for e in datasets.values()}:
            remove_tree(root / previous.folder)
            fsync_dir(root)
        crash_point("catalog.ingest.cleaned")
    return installed


def _leftovers(root: Path, datasets: dict[str, DatasetInfo]) -> list[Path]:
    used = {entry.folder for entry in datasets.values()}
    found = []
    for entry in root.iterdir():
        name = entry.name
        if name in used or name == METADATA_FILE:
            continue
        versioned = _VERSIONED.match(name)
        if (
            name.startswith(_TEMPORARY)
            or (versioned is not None and versioned.group("name") in datasets)
            or (name in datasets and datasets[name].folder != name)
        ):
            found.append(entry)
    return found


def recover(root: Path) -> None:
    """Delete (or put back) what a killed ingest left in the catalog at ``root``."""
    try:
        names = [entry.name for entry in root.iterdir()]
    except OSError:  # no catalog there (yet), or unreadable: the next read says so
        return
    # Every leftover has a temporary prefix or an '@' folder beside it: without one,
    # opening a catalog does not even read catalog.json.
    if not any(n.startswith(_TEMPORARY) or "@" in n for n in names):
        return
    if not _leftovers(root, read_metadata(root)):
        return
    with locked(root):
        datasets = read_metadata(root)
        for entry in _leftovers(root, datasets):
            if entry.name.startswith(".staging-") and not is_abandoned(entry):
                continue  # a live ingest is still writing it
            if entry.name.startswith(".trash-"):
                # Older rustybt renamed the old folder to .trash-<name>-... before moving
                # the new one in: a kill between the two left the dataset without a folder.
                owner = next(
                    (n for n in datasets if entry.name.startswith(f".trash-{n}-.staging-")), None
                )
                if owner is not None and not (root / datasets[owner].folder).exists():
                    os.rename(entry, root / datasets[owner].folder)
                    continue
            remove_tree(entry)
        fsync_dir(root)


def check_files(root: Path, info: DatasetInfo) -> None:
    """The cheap check done on every load: each file's size, and the bars' footer hash,
    against what ingest recorded (``Catalog.verify`` recomputes every byte's sha256)."""
    folder = root / info.folder
    for name in info.files:
        path = folder / name
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise CatalogError(
                f"dataset {info.name!r}: file {name} is missing",
                context={"dataset": info.name, "path": str(path)},
                hint="re-ingest the dataset",
            ) from None
        expected = info.sizes.get(name)
        if expected is not None and size != expected:
            raise _changed(info, path, f"is {size} bytes, catalog.json records {expected}")
    footer = info.extra.get("footer_sha256")
    if isinstance(footer, str) and footer_sha256(folder / BARS_FILE) != footer:
        raise _changed(info, folder / BARS_FILE, "does not match catalog.json (its footer differs)")


def _changed(info: DatasetInfo, path: Path, problem: str) -> CatalogError:
    return CatalogError(
        f"dataset {info.name!r}: {path.name} {problem}",
        context={"dataset": info.name, "path": str(path)},
        hint=f"the file changed after ingestion: run `rustybt catalog verify {info.name}` "
        "and re-ingest the dataset",
    )
