"""Turning an exception raised by user strategy code into a `StrategyError` that
names the strategy, the hook, the bar time and the user's own line."""

from __future__ import annotations

import sysconfig
import traceback
from pathlib import Path

from rustybt.engine.strategy import Strategy
from rustybt.errors import RustyBTError, StrategyError

__all__ = ["strategy_failed", "user_frame"]


def _library_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    roots.add(str(Path(__file__).resolve().parents[1]))  # rustybt itself
    return tuple(sorted(roots))


def user_frame(exc: BaseException) -> str:
    """'file:line in func' of the innermost frame in the user's own code.

    Frames of rustybt, the standard library and installed packages are skipped, so a
    pandas error raised deep inside pandas still points at the strategy's line.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    roots = _library_roots()
    for frame in reversed(frames):
        path = Path(frame.filename)
        # Compiled extensions (Cython) report bare relative names such as "tslib.pyx".
        if path.is_absolute() and not str(path.resolve()).startswith(roots):
            return f"{frame.filename}:{frame.lineno} in {frame.name}"
    last = frames[-1] if frames else None
    return f"{last.filename}:{last.lineno}" if last else "unknown"


def strategy_failed(strategy: Strategy, hook: str, when: object, exc: Exception) -> StrategyError:
    if isinstance(exc, RustyBTError) and not isinstance(exc, StrategyError):
        message = f"{exc.message} (in {strategy.name}.{hook} at {when})"
    else:
        message = f"strategy {strategy.name} raised {type(exc).__name__} in {hook} at {when}: {exc}"
    return StrategyError(
        message,
        context={
            "strategy": strategy.name,
            "hook": hook,
            "bar": str(when),
            "line": user_frame(exc),
        },
        hint=getattr(exc, "hint", None) or "fix the strategy code at the line shown",
    )
