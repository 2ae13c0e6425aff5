"""Turning an exception raised by user strategy code into a `StrategyError` that
names the strategy, the hook, the bar time and the user's own line."""

from __future__ import annotations

import traceback

from rustybt.engine.strategy import Strategy
from rustybt.engine.user_code import find_user_frame
from rustybt.errors import RustyBTError, StrategyError, clip_text
from rustybt.security.masking import mask_text

__all__ = ["USER_EXIT", "safe_str", "strategy_failed", "user_frame"]

#: What user code may raise that ends the run as a strategy failure.
USER_EXIT = (Exception, SystemExit, KeyboardInterrupt)


def user_frame(exc: BaseException) -> str:
    """'file:line in func' of the innermost frame in the user's own code (see
    `rustybt.engine.user_code`); the last frame when no user frame is found."""
    found = find_user_frame(exc)
    if found is not None:
        return f"{found.file}:{found.line} in {found.function}"
    frames = traceback.extract_tb(exc.__traceback__)
    last = frames[-1] if frames else None
    return f"{last.filename}:{last.lineno}" if last else "unknown"


def safe_str(exc: BaseException) -> str:
    """``str(exc)``, capped, and never raising: a user exception's ``__str__`` may itself
    raise, and a 5 MB message must not be echoed whole."""
    try:
        text = str(exc)
    except Exception as inner:  # noqa: BLE001  # user code: any error, reported as such
        text = f"<the exception's message could not be shown: {type(inner).__name__}>"
    return clip_text(text)


def strategy_failed(
    strategy: Strategy, hook: str, when: object, exc: BaseException
) -> StrategyError:
    """The StrategyError for ``exc`` raised by user code (an Exception, or SystemExit /
    KeyboardInterrupt: a strategy that calls ``sys.exit()`` has failed, not finished)."""
    if isinstance(exc, RustyBTError) and not isinstance(exc, StrategyError):
        message = f"{exc.message} (in {strategy.name}.{hook} at {when})"
    elif isinstance(exc, SystemExit):
        message = (
            f"strategy {strategy.name} called sys.exit({safe_str(exc)}) in {hook} at {when}; "
            "a strategy must return, not exit"
        )
    elif isinstance(exc, KeyboardInterrupt):
        message = (
            f"strategy {strategy.name} was interrupted (KeyboardInterrupt) in {hook} at {when}"
        )
    else:
        message = (
            f"strategy {strategy.name} raised {type(exc).__name__} in {hook} at {when}: "
            f"{safe_str(exc)}"
        )
    found = find_user_frame(exc)
    if found is not None:
        # The line to fix belongs in the one line a user reads, not only under --debug.
        message += f"; at {found.describe()}"
    hint = getattr(exc, "hint", None)
    return StrategyError(
        # The exception text may quote a secret the strategy used: masked like the logs.
        mask_text(message),
        context={
            "strategy": strategy.name,
            "hook": hook,
            "bar": str(when),
            "line": user_frame(exc),
        },
        hint=mask_text(str(hint))
        if hint
        else ("fix the strategy code at the line shown" if found else "fix the strategy code"),
    )
