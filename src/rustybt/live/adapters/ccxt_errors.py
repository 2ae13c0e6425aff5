"""ccxt's exception classes mapped to the three-outcome rule.

| ccxt raises                                   | kind       | rustybt error                 |
|-----------------------------------------------|------------|-------------------------------|
| anything, request never sent (refused, DNS,   | NOT_SENT   | BrokerError (transient)       |
|   connect timeout) or raised before sending   |            |   / OrderError (local)        |
| RateLimitExceeded, DDoSProtection (429, 418)  | REJECTED   | RateLimited (+ Retry-After)   |
| InsufficientFunds                             | REJECTED   | InsufficientFunds             |
| InvalidOrder, BadRequest, BadSymbol,          | REJECTED   | OrderRejected                 |
|   OperationRejected, other venue error codes  |            |                               |
| AuthenticationError, PermissionDenied         | REJECTED   | BrokerError (check the keys)  |
| InvalidNonce (clock skew, -1021)              | REJECTED   | BrokerError (transient)       |
| OrderNotFound                                 | NOT_FOUND  | OrderRejected                 |
| RequestTimeout (read timeout, -1007)          | UNKNOWN    | BrokerTimeout                 |
| ExchangeNotAvailable (5xx), NetworkError,     | UNKNOWN    | BrokerError (transient)       |
|   BadResponse, any other failure after send   |            |                               |
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import ModuleType

from rustybt.errors import BrokerError, InsufficientFunds, OrderError, OrderRejected
from rustybt.live.adapters._calls import Failure, FailureKind
from rustybt.live.adapters._network import network_failure, never_sent
from rustybt.live.adapters.failures import (
    failed_after_send,
    rate_limited,
    timed_out,
    unreachable,
    unreadable_reply,
)
from rustybt.live.ratelimit import parse_retry_after

__all__ = ["classify_ccxt_error"]

# ccxt puts the signed URL in its messages; the HMAC is no secret, but logs need not keep it.
_SIGNATURE = re.compile(r"((?:signature|apiKey|api_key)=)[^&\s]+", re.IGNORECASE)


def classify_ccxt_error(
    error: Exception,
    *,
    ccxt: ModuleType,
    venue: str,
    sent: bool,
    response_headers: Callable[[], Mapping[str, str] | None],
) -> Failure:
    """The `Failure` that ``error`` (raised by a ccxt call) means for ``venue``.

    ``sent`` says whether the call started an HTTP request at all; a ccxt error
    raised before any request (an unknown symbol, a missing argument) is local.
    """
    context: dict[str, object] = {
        "venue": venue,
        "error": _SIGNATURE.sub(r"\1***", f"{type(error).__name__}: {error}")[:500],
    }
    if not sent:
        if isinstance(error, ccxt.BaseError):
            return Failure(
                FailureKind.NOT_SENT,
                OrderError(f"{venue} refused the request before sending it", context=context),
            )
        return Failure(
            FailureKind.NOT_SENT,
            BrokerError(f"{venue} call failed before sending", context=context),
        )
    if never_sent(error):
        return unreachable(venue, context)
    if isinstance(error, (ccxt.RateLimitExceeded, ccxt.DDoSProtection)):
        return rate_limited(venue, context, parse_retry_after(response_headers()))
    if isinstance(error, ccxt.InsufficientFunds):
        return Failure(
            FailureKind.REJECTED,
            InsufficientFunds(f"{venue}: insufficient balance for the order", context=context),
        )
    if isinstance(error, ccxt.OrderNotFound):
        return Failure(
            FailureKind.NOT_FOUND,
            OrderRejected(f"{venue} does not know the order", context=context),
        )
    if isinstance(error, ccxt.AuthenticationError):
        return Failure(
            FailureKind.REJECTED,
            BrokerError(
                f"{venue} refused the API key or signature",
                context=context,
                hint="check the key, secret and permissions in the secrets store",
            ),
        )
    if isinstance(error, ccxt.InvalidNonce):
        return Failure(
            FailureKind.REJECTED,
            BrokerError(
                f"{venue} refused the request timestamp",
                context=context,
                transient=True,
                hint="sync the system clock (NTP)",
            ),
        )
    if isinstance(error, ccxt.RequestTimeout):
        return timed_out(venue, context)
    if isinstance(error, ccxt.OperationFailed):  # NetworkError (5xx, resets), BadResponse
        return failed_after_send(venue, context)
    if isinstance(error, ccxt.ExchangeError) and not network_failure(error):
        # A venue error code in a 4xx reply: the venue answered and did nothing.
        return Failure(
            FailureKind.REJECTED, OrderRejected(f"{venue} rejected the request", context=context)
        )
    # A transport failure ccxt reports as a plain ExchangeError, or a reply that
    # could not be parsed (TypeError, KeyError, ValueError, ...): it may have been applied.
    return unreadable_reply(venue, context)
