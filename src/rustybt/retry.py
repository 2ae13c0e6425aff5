"""The one retry policy for external calls (file and network I/O, broker calls).

Only transient failures are retried: a `RustyBTError` whose ``transient`` flag is
set, and the `OSError` subclasses that describe a passing condition (timeouts,
dropped connections, "try again" errno values). Everything else, including
`FileNotFoundError` and `PermissionError`, is raised at once.

Waits grow exponentially with random jitter (so many clients do not retry in
lock-step), are capped per wait, and the number of attempts and the total time
are bounded. Every retry is logged as the structlog event ``retry.attempt``.

Two forms, same policy::

    frame = retry_call("read prices.csv", pl.read_csv, path)

    @retrying("fetch quotes")
    def fetch() -> bytes: ...
"""

from __future__ import annotations

import errno
import functools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

import structlog
import tenacity

from rustybt.errors import ConfigError, RustyBTError

__all__ = [
    "DEFAULT_POLICY",
    "RetryPolicy",
    "is_transient",
    "retry_call",
    "retrying",
]

P = ParamSpec("P")
T = TypeVar("T")

# OSError subclasses that say "the other side is slow or went away", not "you asked wrongly".
_TRANSIENT_OS_ERRORS: tuple[type[OSError], ...] = (
    TimeoutError,
    ConnectionError,
    BlockingIOError,
    InterruptedError,
)
# errno values of a plain OSError that are worth another try (network file systems,
# busy devices, interrupted calls).
_TRANSIENT_ERRNOS = frozenset(
    {
        errno.EAGAIN,
        errno.EWOULDBLOCK,
        errno.EINTR,
        errno.EBUSY,
        errno.ETIMEDOUT,
        errno.ECONNRESET,
        errno.ECONNREFUSED,
        errno.ECONNABORTED,
        errno.ENETDOWN,
        errno.ENETUNREACH,
        errno.EHOSTUNREACH,
        errno.ESTALE,
    }
)


def is_transient(error: BaseException) -> bool:
    """True when retrying the call that raised ``error`` may succeed.

    - `RustyBTError`: its ``transient`` attribute (`BrokerTimeout`, `RateLimited`
      are transient by default; any error may be raised with ``transient=True``).
    - `TimeoutError`, `ConnectionError` (reset, refused, aborted, broken pipe),
      `BlockingIOError`, `InterruptedError`: transient.
    - Another `OSError`: transient only for "try again" errno values (EAGAIN,
      EBUSY, ETIMEDOUT, ECONNRESET, ESTALE, ...). `FileNotFoundError`,
      `PermissionError`, `IsADirectoryError` and the like are not.
    - Anything else (bugs such as `ValueError` or `KeyError`): not transient.
    """
    if isinstance(error, RustyBTError):
        return error.transient
    if isinstance(error, _TRANSIENT_OS_ERRORS):
        return True
    if isinstance(error, OSError):
        return type(error) is OSError and error.errno in _TRANSIENT_ERRNOS
    return False


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a transient failure.

    The wait before retry ``n`` (1-based) is
    ``min(initial_wait * multiplier ** (n - 1) + U(0, jitter), max_wait)`` seconds.
    No new attempt starts once ``max_total`` seconds have passed since the first
    one, and there are at most ``max_attempts`` attempts in all; the last error is
    then raised unchanged, so callers see the real cause.

    Attributes:
        max_attempts: attempts in all, the first included (1 disables retrying).
        initial_wait: seconds before the first retry.
        multiplier: growth factor of the wait from one retry to the next.
        max_wait: cap on a single wait, in seconds.
        jitter: upper bound of the uniform random seconds added to each wait.
        max_total: seconds after the first attempt when no further attempt starts.
        sleep: how to wait; tests pass a recorder instead of `time.sleep`.
        clock: monotonic seconds for the ``max_total`` bound; tests pass a fake clock.
    """

    max_attempts: int = 4
    initial_wait: float = 0.2
    multiplier: float = 2.0
    max_wait: float = 5.0
    jitter: float = 0.2
    max_total: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, compare=False, repr=False)

    def __post_init__(self) -> None:
        numbers = {
            "initial_wait": self.initial_wait,
            "max_wait": self.max_wait,
            "jitter": self.jitter,
            "max_total": self.max_total,
        }
        problems = [f"{name}={value}" for name, value in numbers.items() if value < 0]
        if self.max_attempts < 1:
            problems.append(f"max_attempts={self.max_attempts}")
        if self.multiplier < 1:
            problems.append(f"multiplier={self.multiplier}")
        if problems:
            raise ConfigError(
                f"invalid retry policy: {', '.join(problems)}",
                context={"policy": repr(self)},
                hint="max_attempts >= 1, multiplier >= 1, waits and times >= 0",
            )

    def call(self, operation: str, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)``, retried under this policy; ``operation`` names it in logs."""
        started = self.clock()

        def stop(state: tenacity.RetryCallState) -> bool:
            out_of_attempts = state.attempt_number >= self.max_attempts
            return out_of_attempts or self.clock() - started >= self.max_total

        retryer = tenacity.Retrying(
            stop=stop,
            wait=self._wait,
            retry=tenacity.retry_if_exception(is_transient),
            before_sleep=functools.partial(_log_retry, operation, self.max_attempts),
            sleep=self.sleep,
            reraise=True,
        )
        return retryer(fn, *args, **kwargs)

    def wait_before(self, retry: int, *, draw: float) -> float:
        """Seconds to wait before retry number ``retry`` (1-based), for a jitter draw in [0, 1)."""
        try:
            base = self.initial_wait * self.multiplier ** (retry - 1)
        except OverflowError:
            base = self.max_wait
        return max(0.0, min(base + draw * self.jitter, self.max_wait))

    def _wait(self, state: tenacity.RetryCallState) -> float:
        # Jitter only spreads clients apart; it is not a secret, so `random` is right here.
        draw = random.random()  # nosec B311
        return self.wait_before(state.attempt_number, draw=draw)


DEFAULT_POLICY = RetryPolicy()


def retry_call(operation: str, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)`` under the default policy (`DEFAULT_POLICY`).

    Example:
        >>> retry_call("read config", len, "abc")
        3
    """
    # Looked up at call time so tests (and applications) can replace the default.
    return DEFAULT_POLICY.call(operation, fn, *args, **kwargs)


def retrying(
    operation: str | None = None, *, policy: RetryPolicy | None = None
) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Decorator: every call of the function is retried under ``policy``.

    Without ``policy`` the default policy in force at call time is used.
    """

    def decorate(fn: Callable[P, T]) -> Callable[P, T]:
        name: str = operation or str(getattr(fn, "__qualname__", repr(fn)))

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            chosen = policy if policy is not None else DEFAULT_POLICY
            return chosen.call(name, fn, *args, **kwargs)

        return wrapper

    return decorate


def _log_retry(operation: str, max_attempts: int, state: tenacity.RetryCallState) -> None:
    """tenacity's ``before_sleep`` hook: one ``retry.attempt`` event per retry."""
    error = state.outcome.exception() if state.outcome is not None else None
    wait = state.next_action.sleep if state.next_action is not None else 0.0
    # A fresh logger each time, so test capture and late log configuration both apply.
    structlog.get_logger("rustybt.retry").warning(
        "retry.attempt",
        operation=operation,
        attempt=state.attempt_number,
        max_attempts=max_attempts,
        wait=round(wait, 6),
        error=f"{type(error).__name__}: {error}" if error is not None else None,
        error_type=type(error).__name__ if error is not None else None,
    )
