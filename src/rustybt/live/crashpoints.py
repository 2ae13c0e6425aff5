"""Named crash points for recovery tests (kill -9 at an exact place in the order protocol).

``RUSTYBT_CRASH_AT=name`` (or ``name:N`` for the N-th time the point is reached)
makes the process SIGKILL itself there, as an operator's ``kill -9`` or a power
cut would. Unset (always, outside tests), `crash_point` is one dict lookup.
"""

from __future__ import annotations

import os
import signal

__all__ = ["CRASH_POINTS", "crash_point"]

CRASH_POINTS = (
    "after_persist_before_send",  # intent in SQLite, request not sent
    "after_send_before_ack",  # the venue has the order, we have not recorded its answer
    "after_fill_before_persist",  # the venue filled, the fill is not in our store yet
    "modify_after_persist_before_send",  # a modification's intent stored, not sent
    "modify_after_send_before_ack",  # the venue has the replacement, its answer unrecorded
    "after_bar",  # a bar fully processed (used for random kills)
)

_counts: dict[str, int] = {}


def crash_point(name: str) -> None:
    """SIGKILL this process if ``RUSTYBT_CRASH_AT`` names this point (and hit count)."""
    target = os.environ.get("RUSTYBT_CRASH_AT")
    if not target:
        return
    point, _, nth = target.partition(":")
    if point != name:
        return
    _counts[name] = _counts.get(name, 0) + 1
    if _counts[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
