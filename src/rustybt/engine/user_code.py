"""Where in the user's own code an exception happened: file, line and source line.

Frames of rustybt, the standard library and installed packages are skipped, so a
pandas error raised deep inside pandas still points at the strategy's line, and the
one-line error a trader sees names the line to fix without ``--debug``.
"""

from __future__ import annotations

import linecache
import sysconfig
import traceback
from dataclasses import dataclass
from pathlib import Path

__all__ = ["UserFrame", "find_user_frame"]


@dataclass(frozen=True)
class UserFrame:
    file: str
    line: int
    function: str | None
    source: str

    def describe(self) -> str:
        """``strategy.py:12 in handle_data: x = 1 / 0`` (the source line when known)."""
        where = f"{self.file}:{self.line}"
        if self.function and self.function != "<module>":
            where += f" in {self.function}"
        return f"{where}: {self.source}" if self.source else where


def _library_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    roots.add(str(Path(__file__).resolve().parents[1]))  # rustybt itself
    return tuple(sorted(roots))


def _is_user_file(filename: str, roots: tuple[str, ...]) -> bool:
    path = Path(filename)
    # Compiled extensions (Cython) report bare relative names such as "tslib.pyx".
    return path.is_absolute() and not str(path.resolve()).startswith(roots)


def find_user_frame(exc: BaseException) -> UserFrame | None:
    """The innermost frame of ``exc`` in the user's code (None when there is none).

    A `SyntaxError` in the user's file carries its own file and line.
    """
    roots = _library_roots()
    if (
        isinstance(exc, SyntaxError)
        and exc.filename
        and exc.lineno
        and _is_user_file(exc.filename, roots)
    ):
        source = (exc.text or linecache.getline(exc.filename, exc.lineno)).strip()
        return UserFrame(exc.filename, exc.lineno, None, source)
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.lineno is not None and _is_user_file(frame.filename, roots):
            source = (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()
            return UserFrame(frame.filename, frame.lineno, frame.name, source)
    return None
