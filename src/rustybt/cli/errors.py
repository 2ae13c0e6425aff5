"""How the CLI reports failures: one line and a hint, or everything with --debug."""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable
from typing import TypeVar

from rustybt.errors import MAX_MESSAGE_CHARS, RustyBTError, clip_text
from rustybt.interface import on_cli
from rustybt.security.masking import mask_text, mask_value

__all__ = ["BROKEN_PIPE_EXIT", "INTERNAL_ERROR_EXIT", "report_errors"]

INTERNAL_ERROR_EXIT = 70
T = TypeVar("T")


#: The exit status of a process killed by SIGPIPE (128 + 13), as ``head`` leaves it.
BROKEN_PIPE_EXIT = 141


def _quiet_broken_pipe() -> None:
    """The reader of our output went away (``rustybt logs ... | head``): stop quietly,
    as Unix tools do. stdout is pointed at /dev/null so the interpreter's final
    flush does not raise a second BrokenPipeError on the way out."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (captured in tests)
        return
    finally:
        os.close(devnull)


def report_errors(action: Callable[[], T], *, debug: bool) -> T:
    """Run ``action``; turn a `RustyBTError` into a clean message and its exit code.

    Hints inside are worded for the command line (`rustybt.interface.on_cli`).
    """
    try:
        with on_cli():
            outcome = action()
            # Flush here, so a closed pipe is seen while its handler below is active.
            sys.stdout.flush()
            return outcome
    except BrokenPipeError:
        _quiet_broken_pipe()
        raise SystemExit(BROKEN_PIPE_EXIT) from None
    except RustyBTError as error:
        # Every line is masked (a secret the strategy used may be in the message) and
        # capped (the error keeps at most MAX_MESSAGE_CHARS of any echoed value).
        print(f"error: {mask_text(error.message)}", file=sys.stderr)
        if error.hint:
            print(f"hint: {mask_text(error.hint)}", file=sys.stderr)
        if debug:
            details = json.dumps(mask_value(error.to_dict()), indent=2, default=str)
            print(details, file=sys.stderr)
            _print_traceback()
        else:
            print("(run with --debug for details)", file=sys.stderr)
        raise SystemExit(error.exit_code) from None
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    except Exception as error:  # noqa: BLE001  # a bug in rustybt itself: report it, exit non-zero
        if debug:
            _print_traceback()
        else:
            text = mask_text(clip_text(_safe_str(error), MAX_MESSAGE_CHARS))
            print(
                f"internal error: {type(error).__name__}: {text} "
                "(please report it; run with --debug for the traceback)",
                file=sys.stderr,
            )
        raise SystemExit(INTERNAL_ERROR_EXIT) from None


def _safe_str(error: BaseException) -> str:
    try:
        return str(error)
    except Exception as inner:  # noqa: BLE001  # a broken __str__: say so instead
        return f"<message could not be shown: {type(inner).__name__}>"


def _print_traceback() -> None:
    """The current traceback, masked (frames quote values, messages quote secrets)."""
    print(mask_text(traceback.format_exc()), file=sys.stderr, end="")
