"""One way for adapters to call a venue: rate-limited, classified, retried only where safe.

Each adapter knows how its client library reports trouble; it turns every
exception into a `Failure` with a `FailureKind`:

- ``NOT_SENT``: the request never left this machine (connection refused, connect
  timeout, local validation). Nothing happened at the venue.
- ``REJECTED``: the venue answered and refused (insufficient funds, invalid
  order, 429 rate limit, bad key). Nothing happened at the venue.
- ``NOT_FOUND``: the venue answered that it does not know the order.
- ``UNKNOWN``: the request may have reached the venue and we cannot tell what it
  did (read timeout, dropped connection, 5xx, a reply we cannot parse).

`call_venue` retries through `rustybt.retry` only when that cannot duplicate a
side effect: a command (submit, cancel, modify) is retried when the venue
certainly did nothing with the attempt (NOT_SENT, or REJECTED by a rate limit);
a read is also retried on UNKNOWN, since reading twice changes nothing.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

import pandas as pd
import structlog

from rustybt import retry
from rustybt.errors import BrokerError, OrderRejected, RateLimited, RustyBTError
from rustybt.live.broker import (
    CommandResult,
    OrderRequest,
    Outcome,
    VenueOrder,
    VenueOrderStatus,
)
from rustybt.live.ratelimit import RateLimiter

__all__ = [
    "Failure",
    "FailureKind",
    "VenueCallFailed",
    "VenueCaller",
    "call_venue",
    "command",
    "rejected_order",
    "result_for_failure",
    "status_or_none",
    "unknown_order",
]

T = TypeVar("T")


class FailureKind(enum.Enum):
    """What a failed venue call tells us about the venue's state."""

    NOT_SENT = "not_sent"
    REJECTED = "rejected"
    NOT_FOUND = "not_found"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Failure:
    """A classified venue error: its kind, the rustybt error, and the venue's requested pause."""

    kind: FailureKind
    error: RustyBTError
    retry_after: float | None = None


class VenueCallFailed(BrokerError):
    """Internal carrier of a `Failure` through the retry policy; adapters unwrap it."""

    def __init__(self, failure: Failure, *, retry_safe: bool) -> None:
        super().__init__(failure.error.message, context=failure.error.context, transient=retry_safe)
        self.failure = failure


def call_venue(
    operation: str,
    call: Callable[[], T],
    *,
    classify: Callable[[Exception], Failure],
    limiter: RateLimiter,
    policy: retry.RetryPolicy | None,
    idempotent: bool,
    cost: float = 1.0,
) -> T:
    """``call()`` under the venue's rate limit and the retry policy.

    Raises `VenueCallFailed` (its ``failure`` says what happened) once retrying is
    unsafe or exhausted. ``idempotent`` marks reads (safe to repeat after UNKNOWN).
    """

    def attempt() -> T:
        limiter.acquire(cost)
        try:
            return call()
        except Exception as exc:  # every client error is classified and re-raised, none swallowed
            failure = classify(exc)
            if failure.retry_after is not None:
                limiter.pause(failure.retry_after)
            raise VenueCallFailed(failure, retry_safe=_retry_safe(failure, idempotent)) from exc

    chosen = policy if policy is not None else retry.DEFAULT_POLICY
    return chosen.call(operation, attempt)


class VenueCaller:
    """One venue connection's calls through `call_venue`, one at a time.

    The client libraries are not thread-safe, so calls hold ``lock``. The
    adapter's transport calls `mark_sent` when a request leaves this machine;
    ``classify(error, sent)`` then knows whether the venue may have seen it.
    """

    def __init__(
        self,
        venue: str,
        classify: Callable[[Exception, bool], Failure],
        *,
        limiter: RateLimiter,
        policy: retry.RetryPolicy | None,
    ) -> None:
        self.venue = venue
        self.lock = threading.RLock()
        self._classify = classify
        self._limiter = limiter
        self._policy = policy
        self._sent = False

    def mark_sent(self) -> None:
        self._sent = True

    def call(self, operation: str, fn: Callable[[], T], *, idempotent: bool) -> T:
        """``fn()`` as `call_venue` runs it; raises `VenueCallFailed`."""

        def attempt() -> T:
            self._sent = False
            return fn()

        with self.lock:
            return call_venue(
                f"{self.venue} {operation}",
                attempt,
                classify=lambda error: self._classify(error, self._sent),
                limiter=self._limiter,
                policy=self._policy,
                idempotent=idempotent,
            )

    def read(self, operation: str, fn: Callable[[], T]) -> T:
        """A read: retried on any transient failure; raises the mapped rustybt error."""
        try:
            return self.call(operation, fn, idempotent=True)
        except VenueCallFailed as failed:
            raise failed.failure.error from failed


def _retry_safe(failure: Failure, idempotent: bool) -> bool:
    if not failure.error.transient:
        return False
    if failure.kind is FailureKind.NOT_SENT:
        return True
    if failure.kind is FailureKind.REJECTED:
        return isinstance(failure.error, RateLimited)
    return idempotent and failure.kind is FailureKind.UNKNOWN


def rejected_order(request: OrderRequest, reason: str) -> VenueOrder:
    """The venue's refusal of ``request`` as an order record (it never got a venue id)."""
    return VenueOrder(
        client_order_id=request.client_order_id,
        venue_order_id=None,
        symbol=request.symbol,
        side=request.side,
        quantity=request.quantity,
        filled_quantity=Decimal(0),
        average_price=None,
        status=VenueOrderStatus.REJECTED,
        order_type=request.order_type,
        limit_price=request.limit_price,
        stop_price=request.stop_price,
        created_at=pd.Timestamp.now(tz="UTC"),
        reason=reason,
    )


def result_for_failure(failure: Failure, request: OrderRequest | None = None) -> CommandResult:
    """The three-outcome result of a failed command (submit/cancel/modify).

    NOT_SENT → FAILED; REJECTED → DONE with the venue's reason (and a rejected
    order record for a submit); UNKNOWN → UNKNOWN. NOT_FOUND must be interpreted
    by the command itself (it means different things for status and cancel).
    """
    if failure.kind is FailureKind.NOT_SENT:
        return CommandResult(Outcome.FAILED, error=failure.error)
    if failure.kind is FailureKind.UNKNOWN:
        return CommandResult(Outcome.UNKNOWN, error=failure.error)
    order = rejected_order(request, failure.error.message) if request is not None else None
    return CommandResult(Outcome.DONE, order=order, error=failure.error)


def command(send: Callable[[], VenueOrder], request: OrderRequest | None = None) -> CommandResult:
    """A command sent once (``send`` goes through `call_venue`): DONE with the venue's
    order, or the three-outcome result of its failure (see `result_for_failure`)."""
    try:
        return CommandResult(Outcome.DONE, order=send())
    except VenueCallFailed as failed:
        return result_for_failure(failed.failure, request)


def status_or_none(
    order_status: Callable[[str], VenueOrder | None], venue: str, client_order_id: str
) -> VenueOrder | None:
    """``order_status`` for a command's follow-up: a failed read means "not known now".

    The command's own result stands; reconciliation reads the order later."""
    try:
        return order_status(client_order_id)
    except BrokerError as unreadable:
        structlog.get_logger("rustybt.live").warning(
            "broker.status_unavailable",
            venue=venue,
            client_order_id=client_order_id,
            error=str(unreadable),
        )
        return None


def unknown_order(venue: str, client_order_id: str, consequence: str = "") -> CommandResult:
    """DONE, with the reason: the venue does not know the order, so nothing was done."""
    return CommandResult(
        Outcome.DONE,
        error=OrderRejected(
            f"{venue} does not know order {client_order_id}{consequence}",
            context={"client_order_id": client_order_id},
        ),
    )
