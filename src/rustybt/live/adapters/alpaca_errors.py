"""alpaca-py's failures mapped to the three-outcome rule.

| alpaca-py raises                                | kind       | rustybt error               |
|-------------------------------------------------|------------|-----------------------------|
| anything before a request was sent (building    | NOT_SENT   | OrderError                  |
|   the order request), refused connection, DNS,  |            | BrokerError (transient)     |
|   connect timeout                               |            |                             |
| APIError 429                                    | REJECTED   | RateLimited (+ Retry-After  |
|                                                 |            |   or X-RateLimit-Reset)     |
| APIError 403 "insufficient buying power/qty"    | REJECTED   | InsufficientFunds           |
| APIError 401, other 403                         | REJECTED   | BrokerError (check the keys)|
| APIError 400/422 (invalid order, duplicate id,  | REJECTED   | OrderRejected               |
|   not cancelable)                               |            |                             |
| APIError 404                                    | NOT_FOUND  | OrderRejected               |
| APIError 5xx                                    | UNKNOWN    | BrokerError (transient)     |
| read timeout                                    | UNKNOWN    | BrokerTimeout               |
| dropped connection, unparsable reply            | UNKNOWN    | BrokerError (transient)     |
"""

from __future__ import annotations

import json

from requests import exceptions as requests_errors

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

__all__ = ["api_error_message", "classify_alpaca_error"]


def api_error_message(error: Exception) -> tuple[int | None, str]:
    """Alpaca's (code, message) from an APIError body, tolerating a non-JSON body."""
    text = str(error)
    try:
        body = json.loads(text)
    except ValueError:
        return None, text[:300]
    if not isinstance(body, dict):
        return None, text[:300]
    code = body.get("code")
    return (code if isinstance(code, int) else None), str(body.get("message", text))[:300]


def classify_alpaca_error(
    error: Exception, *, api_error: type[Exception], venue: str, sent: bool
) -> Failure:
    """The `Failure` that ``error`` (raised by an alpaca-py call) means."""
    context: dict[str, object] = {"venue": venue, "error": f"{type(error).__name__}: {error}"[:500]}
    if not sent:
        return Failure(
            FailureKind.NOT_SENT,
            OrderError(f"{venue} order request is invalid: {error}"[:300], context=context),
        )
    if never_sent(error):
        return unreachable(venue, context)
    if isinstance(error, api_error):
        return _classify_status(error, venue, context)
    if isinstance(error, requests_errors.Timeout):
        return timed_out(venue, context)
    if network_failure(error):
        return Failure(
            FailureKind.UNKNOWN,
            BrokerError(
                f"{venue} connection dropped after the request was sent",
                context=context,
                transient=True,
            ),
        )
    return unreadable_reply(venue, context)


def _classify_status(error: Exception, venue: str, context: dict[str, object]) -> Failure:
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    code, message = api_error_message(error)
    context = {**context, "status": status, "code": code, "message": message}
    if status == 429:
        headers = getattr(response, "headers", None)
        wait = parse_retry_after(dict(headers) if headers is not None else None)
        return rate_limited(venue, context, wait)
    if status is None or status >= 500:
        return failed_after_send(venue, context, f": {message}")
    if status == 404:
        return Failure(FailureKind.NOT_FOUND, OrderRejected(f"{venue}: {message}", context=context))
    if status == 403 and "insufficient" in message.lower():
        return Failure(
            FailureKind.REJECTED, InsufficientFunds(f"{venue}: {message}", context=context)
        )
    if status in (401, 403):
        return Failure(
            FailureKind.REJECTED,
            BrokerError(
                f"{venue} refused the credentials: {message}",
                context=context,
                hint="check the API key and secret in the secrets store, and paper vs live",
            ),
        )
    return Failure(
        FailureKind.REJECTED,
        OrderRejected(f"{venue} rejected the request: {message}", context=context),
    )
