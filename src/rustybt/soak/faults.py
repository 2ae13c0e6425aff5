"""The broker's seeded fault plan: which request fails how.

Each fault is a rate (per request or per clock tick), drawn from one seeded RNG
in the broker process, and counted, so the report can give the raw error rate.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field

__all__ = ["FaultPlan", "FaultRates"]


@dataclass(frozen=True)
class FaultRates:
    """Probabilities; the defaults make a few faults per second at soak load."""

    http_500: float = 0.03  # refused with 500 before applying (not applied)
    http_429: float = 0.03  # refused with 429 + Retry-After (not applied)
    timeout_after_apply: float = 0.06  # submit applied, the reply never comes
    duplicate_fills: float = 0.2  # a fills page repeats some fills
    out_of_order: float = 0.2  # a fills page is shuffled
    silence_start: float = 0.01  # per tick: the fill stream goes silent (heartbeats go on)
    silence_seconds: float = 1.0
    partial: float = 0.4  # a fill is part of the rest of the order
    reply_delay: float = 1.5  # seconds the timed-out reply is held (> the client's timeout)


@dataclass
class FaultPlan:
    rates: FaultRates
    seed: int
    counts: Counter[str] = field(default_factory=Counter)
    silent_until: float = 0.0

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    def draw(self, name: str, rate: float) -> bool:
        """True (and counted) with probability ``rate``."""
        with self._lock:
            hit = self._rng.random() < rate
            self.counts["requests" if name == "request" else name] += int(hit or name == "request")
        return hit

    def refusal(self) -> int | None:
        """500, 429 or None for one request."""
        self.draw("request", 1.0)
        if self.draw("http_500", self.rates.http_500):
            return 500
        if self.draw("http_429", self.rates.http_429):
            return 429
        return None

    def shuffle(self, items: list[dict[str, object]]) -> None:
        with self._lock:
            self._rng.shuffle(items)

    def pick(self, items: list[dict[str, object]]) -> list[dict[str, object]]:
        with self._lock:
            return [i for i in items if self._rng.random() < 0.5]

    def silent(self, now: float) -> bool:
        if now < self.silent_until:
            return True
        if self.draw("silence", self.rates.silence_start):
            self.silent_until = now + self.rates.silence_seconds
            return True
        return False
