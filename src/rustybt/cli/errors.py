"""How the CLI reports failures: one line and a hint, or everything with --debug."""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from typing import TypeVar

from rustybt.errors import RustyBTError

__all__ = ["INTERNAL_ERROR_EXIT", "report_errors"]

INTERNAL_ERROR_EXIT = 70
T = TypeVar("T")


def report_errors(action: Callable[[], T], *, debug: bool) -> T:
    """Run ``action``; turn a `RustyBTError` into a clean message and its exit code."""
    try:
        return action()
    except RustyBTError as error:
        print(f"error: {error.message}", file=sys.stderr)
        if error.hint:
            print(f"hint: {error.hint}", file=sys.stderr)
        if debug:
            print(json.dumps(error.to_dict(), indent=2, default=str), file=sys.stderr)
            traceback.print_exc()
        else:
            print("(run with --debug for details)", file=sys.stderr)
        raise SystemExit(error.exit_code) from None
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    except Exception as error:  # noqa: BLE001  # a bug in rustybt itself: report it, exit non-zero
        if debug:
            traceback.print_exc()
        else:
            print(
                f"internal error: {type(error).__name__}: {error} "
                "(please report it; run with --debug for the traceback)",
                file=sys.stderr,
            )
        raise SystemExit(INTERNAL_ERROR_EXIT) from None
