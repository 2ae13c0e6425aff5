"""The failures every adapter names alike, whichever client library reported them.

Each adapter's classifier (``alpaca_errors``, ``ccxt_errors``) decides which
case an exception is; these build the `Failure` for the cases that mean the
same at any venue, so the words and the three-outcome kind never drift apart.
"""

from __future__ import annotations

from rustybt.errors import BrokerError, BrokerTimeout, RateLimited
from rustybt.live.adapters._calls import Failure, FailureKind

__all__ = ["failed_after_send", "rate_limited", "timed_out", "unreachable", "unreadable_reply"]


def unreachable(venue: str, context: dict[str, object]) -> Failure:
    """Refused connection, DNS, connect timeout: nothing reached the venue."""
    return Failure(
        FailureKind.NOT_SENT,
        BrokerError(
            f"{venue} is unreachable (connection refused or timed out while connecting)",
            context=context,
            transient=True,
            hint="check the network and the venue's status page",
        ),
    )


def rate_limited(venue: str, context: dict[str, object], wait: float | None) -> Failure:
    """The venue refused for the rate limit; ``wait`` is its requested pause (seconds)."""
    waiting = f"{wait}s" if wait is not None else "a moment"
    return Failure(
        FailureKind.REJECTED,
        RateLimited(
            f"{venue} rate limit hit; waiting {waiting}",
            context={**context, "retry_after": wait},
        ),
        retry_after=wait,
    )


def timed_out(venue: str, context: dict[str, object]) -> Failure:
    """A read timeout: the request may have been applied."""
    return Failure(
        FailureKind.UNKNOWN, BrokerTimeout(f"{venue} did not answer in time", context=context)
    )


def failed_after_send(venue: str, context: dict[str, object], detail: str = "") -> Failure:
    """A 5xx or a broken connection after sending: the request may have been applied."""
    return Failure(
        FailureKind.UNKNOWN,
        BrokerError(
            f"{venue} failed after the request was sent{detail}", context=context, transient=True
        ),
    )


def unreadable_reply(venue: str, context: dict[str, object]) -> Failure:
    """A reply that could not be parsed: the request may have been applied."""
    return Failure(
        FailureKind.UNKNOWN,
        BrokerError(
            f"{venue} reply could not be read after the request was sent",
            context=context,
            transient=True,
        ),
    )
