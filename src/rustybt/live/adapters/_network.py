"""Reading a `requests` failure: did the request leave this machine?

Both venue clients (ccxt's sync exchanges and alpaca-py) send with `requests`.
A refused connection, a failed DNS lookup or a connect timeout means the venue
never saw the request, so a command can be retried safely; anything after the
connection was made (read timeout, reset, a dropped reply) may have been
applied by the venue.
"""

from __future__ import annotations

from requests import exceptions as requests_errors
from urllib3 import exceptions as urllib3_errors

__all__ = ["network_failure", "never_sent"]


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        if isinstance(current, requests_errors.RequestException) and current.args:
            # requests wraps urllib3's MaxRetryError, whose ``reason`` is the real cause
            first = current.args[0]
            reason = getattr(first, "reason", None)
            if isinstance(first, BaseException) and first not in seen:
                seen.append(first)
            if isinstance(reason, BaseException) and reason not in seen:
                seen.append(reason)
        current = current.__cause__ or current.__context__
    return seen


def never_sent(error: BaseException) -> bool:
    """True when ``error`` proves the request did not reach the venue."""
    return any(
        isinstance(
            link,
            (
                requests_errors.ConnectTimeout,
                urllib3_errors.NewConnectionError,
                urllib3_errors.ConnectTimeoutError,
                ConnectionRefusedError,
            ),
        )
        for link in _chain(error)
    )


def network_failure(error: BaseException) -> bool:
    """True when ``error`` comes from the transport (not from the venue's answer).

    `requests.HTTPError` is an answer (a 4xx/5xx status), not a transport failure.
    """
    return any(
        isinstance(link, (requests_errors.RequestException, urllib3_errors.HTTPError, OSError))
        and not isinstance(link, requests_errors.HTTPError)
        for link in _chain(error)
    )
