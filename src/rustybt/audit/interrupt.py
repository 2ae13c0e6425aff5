"""SIGTERM during a run: end the audit trail properly, then terminate as asked.

By default SIGTERM kills Python at once: the audit log's buffer (``run.started``
included) is lost and no end event is written. While a run executes in the main
thread, `sigterm_as_exception` turns SIGTERM into a `Terminated` exception, so
`AuditTrail.run` can write ``run.failed`` and flush; `redeliver` then restores the
default action and sends the signal again, so the process still ends with the
SIGTERM status a supervisor expects. SIGINT needs nothing: Python already raises
KeyboardInterrupt, which the trail records the same way. A handler that someone
else installed (a live runner, a notebook) is left alone.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["Terminated", "redeliver", "sigterm_as_exception"]


class Terminated(BaseException):  # a signal, like KeyboardInterrupt
    """The process received SIGTERM during a run (not an error of the run itself)."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__(f"the run was stopped by {signal.Signals(signum).name}")
        self.signum = signum


@contextmanager
def sigterm_as_exception() -> Iterator[None]:
    """Within the block (main thread only), SIGTERM raises `Terminated` once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous is not signal.SIG_DFL:
        yield
        return
    raised = False

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal raised
        if not raised:  # a second SIGTERM must not break the flush the first one started
            raised = True
            raise Terminated(signum)

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def redeliver(error: Terminated) -> None:
    """End the process by ``error``'s signal with its default action."""
    signal.signal(error.signum, signal.SIG_DFL)
    os.kill(os.getpid(), error.signum)
