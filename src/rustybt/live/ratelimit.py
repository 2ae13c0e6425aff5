"""A client-side token bucket per venue that also honours the venue's ``Retry-After``.

Venues publish request budgets (Binance: request weight per minute; Alpaca: 200
requests per minute) and answer 429/418 with a ``Retry-After`` when a client
goes over. Staying under the budget on our side keeps us from being banned;
honouring ``Retry-After`` stops every request, not only the one that was told
to wait, until the venue's pause has passed.

    limiter = RateLimiter(rate=10, capacity=20)   # 10 requests/s, bursts of 20
    limiter.acquire()                             # blocks until a token is free
    limiter.pause(retry_after_seconds)            # after a 429: nobody sends until then
"""

from __future__ import annotations

import email.utils
import math
import threading
import time
from collections.abc import Callable, Mapping

import structlog

from rustybt.errors import ConfigError

__all__ = ["RateLimiter", "limiter_for", "parse_retry_after"]

# A Retry-After longer than this is treated as this: a venue that asks for an hour
# is better served by the runner's own reconnect logic than by one blocked thread.
MAX_PAUSE_SECONDS = 300.0
_EPSILON = 1e-9


class RateLimiter:
    """Token bucket: ``rate`` tokens per second, at most ``capacity`` banked.

    Thread-safe: several threads (the runner, the async wrapper's workers) may
    share one limiter per venue. ``clock`` and ``sleep`` are injectable so tests
    run on a fake clock.
    """

    def __init__(
        self,
        *,
        rate: float,
        capacity: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        name: str = "venue",
    ) -> None:
        if not (math.isfinite(rate) and rate > 0):
            raise ConfigError(f"rate limit must be a positive number of requests/s, not {rate!r}")
        if not (math.isfinite(capacity) and capacity >= 1):
            raise ConfigError(f"rate limit burst capacity must be >= 1, not {capacity!r}")
        self.rate = float(rate)
        self.capacity = float(capacity)
        self.name = name
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(capacity)
        self._updated = clock()
        self._paused_until = 0.0
        self.waited = 0.0  # total seconds spent waiting, for metrics and tests

    @property
    def paused_until(self) -> float:
        """Clock time before which no request may be sent (0 when not paused)."""
        with self._lock:
            return self._paused_until

    def acquire(self, cost: float = 1.0) -> float:
        """Take ``cost`` tokens, sleeping until they are there; returns the seconds waited."""
        if cost > self.capacity:
            raise ConfigError(
                f"a request costing {cost} tokens can never pass a bucket of {self.capacity}",
                context={"venue": self.name},
            )
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                self._refill(now)
                wait = max(self._paused_until - now, 0.0)
                if wait == 0.0:
                    # a hair of tolerance: float refills may land a rounding error short
                    if self._tokens >= cost - _EPSILON:
                        self._tokens = max(self._tokens - cost, 0.0)
                        self.waited += waited
                        return waited
                    wait = (cost - self._tokens) / self.rate
            self._sleep(wait)
            waited += wait

    def pause(self, seconds: float) -> None:
        """Stop every request for ``seconds`` (a venue's Retry-After) and empty the bucket."""
        seconds = min(max(seconds, 0.0), MAX_PAUSE_SECONDS)
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._paused_until = max(self._paused_until, now + seconds)
            # After the pause the bucket starts empty so the first burst does not
            # hit the venue at full speed the moment it lets us back in.
            self._tokens = 0.0
            self._updated = self._paused_until
        structlog.get_logger("rustybt.live").warning(
            "ratelimit.paused", venue=self.name, seconds=round(seconds, 3)
        )

    def _refill(self, now: float) -> None:
        if now > self._updated:
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now


def parse_retry_after(
    headers: Mapping[str, str] | None, *, now: float | None = None
) -> float | None:
    """Seconds to wait from a response's ``Retry-After`` (seconds or HTTP date).

    Falls back to ``X-RateLimit-Reset`` (a Unix time, Alpaca's header). ``None``
    when the response says nothing usable.
    """
    if not headers:
        return None
    lowered = {key.lower(): value for key, value in headers.items()}
    wall = time.time() if now is None else now
    value = lowered.get("retry-after")
    if value is not None:
        value = value.strip()
        try:
            return max(float(value), 0.0)
        except ValueError:
            parsed = _http_date(value)
            if parsed is not None:
                return max(parsed - wall, 0.0)
    reset = lowered.get("x-ratelimit-reset")
    if reset is not None:
        try:
            return max(float(reset) - wall, 0.0)
        except ValueError:
            return None
    return None


def _http_date(value: str) -> float | None:
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


# Published budgets, kept a little under the venue's limit (requests per second, burst).
_DEFAULT_BUDGETS: dict[str, tuple[float, float]] = {
    "binance": (15.0, 30.0),  # 6000 weight/min; most calls weigh 1-20
    "alpaca": (3.0, 10.0),  # 200 requests/min
}
_LIMITERS: dict[str, RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def limiter_for(venue: str) -> RateLimiter:
    """The process-wide limiter of ``venue``: every broker of one venue shares one budget."""
    with _LIMITERS_LOCK:
        limiter = _LIMITERS.get(venue)
        if limiter is None:
            rate, capacity = _DEFAULT_BUDGETS.get(venue, (5.0, 10.0))
            limiter = RateLimiter(rate=rate, capacity=capacity, name=venue)
            _LIMITERS[venue] = limiter
        return limiter
