"""Turning an exception raised by user strategy code into a `StrategyError` that
names the strategy, the hook, the bar time and the user's own line."""

from __future__ import annotations

import traceback

from rustybt.engine.strategy import Strategy
from rustybt.engine.user_code import find_user_frame
from rustybt.errors import RustyBTError, StrategyError

__all__ = ["strategy_failed", "user_frame"]


def user_frame(exc: BaseException) -> str:
    """'file:line in func' of the innermost frame in the user's own code (see
    `rustybt.engine.user_code`); the last frame when no user frame is found."""
    found = find_user_frame(exc)
    if found is not None:
        return f"{found.file}:{found.line} in {found.function}"
    frames = traceback.extract_tb(exc.__traceback__)
    last = frames[-1] if frames else None
    return f"{last.filename}:{last.lineno}" if last else "unknown"


def strategy_failed(strategy: Strategy, hook: str, when: object, exc: Exception) -> StrategyError:
    if isinstance(exc, RustyBTError) and not isinstance(exc, StrategyError):
        message = f"{exc.message} (in {strategy.name}.{hook} at {when})"
    else:
        message = f"strategy {strategy.name} raised {type(exc).__name__} in {hook} at {when}: {exc}"
    found = find_user_frame(exc)
    if found is not None:
        # The line to fix belongs in the one line a user reads, not only under --debug.
        message += f"; at {found.describe()}"
    return StrategyError(
        message,
        context={
            "strategy": strategy.name,
            "hook": hook,
            "bar": str(when),
            "line": user_frame(exc),
        },
        hint=getattr(exc, "hint", None)
        or ("fix the strategy code at the line shown" if found else "fix the strategy code"),
    )
