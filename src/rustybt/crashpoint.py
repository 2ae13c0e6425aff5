"""Named crash points for the kill tests: ``RUSTYBT_CRASH_AT=<name>`` kills the process there.

Every commit protocol (saving a result, ingesting into the catalog, rotating the
audit log) calls `crash_point` at each of its steps. When the environment variable
``RUSTYBT_CRASH_AT`` names that step, the process sends itself SIGKILL: no
``finally`` blocks, no buffers flushed, exactly like a power cut of the process.
The test harness (tests/crash/) uses it to prove every step leaves either the
old or the new state. Unset (always, outside tests) a call costs one dict lookup.
"""

from __future__ import annotations

import os
import signal

__all__ = ["CRASH_ENV", "crash_point"]

CRASH_ENV = "RUSTYBT_CRASH_AT"


def crash_point(name: str) -> None:
    """SIGKILL this process when ``RUSTYBT_CRASH_AT`` equals ``name``."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
