"""Where a run's result is saved: never over an earlier result unless asked.

``rustybt run strategy.py`` twice gives ``rustybt_output/strategy`` and then
``rustybt_output/strategy-2``; ``--overwrite`` replaces the first instead.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from rustybt.errors import ConfigError

__all__ = ["result_folder"]

#: A bound on numbered folders, so a full directory fails clearly instead of looping.
MAX_NUMBERED = 10_000


def _is_result(folder: Path) -> bool:
    return (folder / "metadata.json").is_file()


def result_folder(output: Path, name: str, *, overwrite: bool) -> Path:
    """The folder to save into: ``output/name``, or the first free ``name-N``.

    With ``overwrite`` an earlier result in ``output/name`` is removed first (so no
    file of it is left beside the new one); a folder that is not a saved result is
    never removed.
    """
    target = output / name
    if not target.exists():
        return target
    if overwrite:
        if not _is_result(target):
            raise ConfigError(
                f"{target} exists and is not a saved rustybt result; refusing to replace it",
                context={"path": str(target)},
                hint="choose another --output folder",
            )
        shutil.rmtree(target)
        return target
    for number in range(2, MAX_NUMBERED):
        candidate = output / f"{name}-{number}"
        if not candidate.exists():
            return candidate
    raise ConfigError(
        f"{output} already holds {MAX_NUMBERED} results named {name!r}",
        context={"output": str(output)},
        hint="pass --overwrite, or clean up the --output folder",
    )
