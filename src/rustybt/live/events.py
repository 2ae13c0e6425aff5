"""The live layer's audit events and in-process metrics, in one place.

Every event goes to the run's `AuditTrail` (masked like all audit lines) when one
is open; the counters feed the status line, ``/health`` and ``/metrics``.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from rustybt.errors import RustyBTError

if TYPE_CHECKING:
    from rustybt.audit.trail import AuditTrail
    from rustybt.engine.orders import Order
    from rustybt.live.broker import CommandResult, VenueOrder

__all__ = ["LiveEvents", "LiveMetrics"]

# Decision latency buckets (seconds) for the histogram on /metrics.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


@dataclass
class LiveMetrics:
    """Counters read by the health server from another thread (under ``lock``)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    outcomes: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    reconnects: int = 0
    bars: int = 0
    bars_rejected: int = 0
    bars_stale: int = 0
    last_bar_time: str | None = None
    last_bar_wall: float | None = None
    breaker: str = "ok"
    breaker_reason: str | None = None
    equity: str | None = None
    open_orders: int = 0
    # "standby" while a warm standby waits for the leader lock (healthy: it must not be
    # restarted by Docker/systemd for waiting); "leader" once it trades.
    role: str = "leader"
    failovers: int = 0  # warm takeovers by this process (0 or 1 per process lifetime)
    warm: bool = False  # a standby whose engine follows the leader's state (WarmRestore)

    def observe_latency(self, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if len(self.latencies) > 100_000:  # bounded memory on long sessions
                del self.latencies[:50_000]


class LiveEvents:
    """Audit emitters for live events; a no-op trail is allowed (``trail=None``)."""

    def __init__(self, trail: AuditTrail | None, metrics: LiveMetrics) -> None:
        self.trail = trail
        self.metrics = metrics

    def emit(self, level: str, event: str, fields: dict[str, object]) -> None:
        if self.trail is not None:
            self.trail.emit(level, event, fields)

    def command(self, command: str, coid: str, result: CommandResult) -> None:
        with self.metrics.lock:
            self.metrics.outcomes[f"{command}:{result.outcome.value}"] += 1
        if self.trail is not None and self.trail.log.enabled_for("debug"):
            self.emit(
                "debug",
                "broker.command",
                {
                    "command": command,
                    "client_order_id": coid,
                    "outcome": result.outcome.value,
                    "error": None if result.error is None else result.error.message,
                },
            )

    def order_accepted(
        self, order: Order, coid: str, venue: VenueOrder, when: pd.Timestamp
    ) -> None:
        self.emit(
            "info",
            "order.accepted",
            {
                "bar_time": when.isoformat(),
                "order_id": order.id,
                "client_order_id": coid,
                "venue_order_id": venue.venue_order_id,
                "asset": order.asset.symbol,
                "status": venue.status.value,
            },
        )

    def order_unknown(
        self, order: Order, coid: str, when: pd.Timestamp, error: RustyBTError | None
    ) -> None:
        self.emit(
            "warning",
            "order.unknown",
            {
                "bar_time": when.isoformat(),
                "order_id": order.id,
                "client_order_id": coid,
                "asset": order.asset.symbol,
                "error": None if error is None else error.message,
            },
        )

    def order_reconciled(self, coid: str, finding: str, detail: str | None) -> None:
        self.emit(
            "info",
            "order.reconciled",
            {"client_order_id": coid, "finding": finding, "detail": detail},
        )

    def external_adopted(self, coid: str, symbol: str, quantity: str) -> None:
        self.order_reconciled(coid, "external order adopted", f"{symbol} {quantity}")

    def resolve_failed(self, coid: str, error: RustyBTError) -> None:
        self.order_reconciled(coid, "venue could not tell yet", error.message)

    def reconciliation(self, fields: dict[str, object]) -> None:
        level = "info" if fields.get("complete") else "error"
        self.emit(level, "reconciliation.finished", fields)

    def reconnected(self, outage_s: float, error: str | None) -> None:
        with self.metrics.lock:
            self.metrics.reconnects += 1
        self.emit("warning", "broker.reconnected", {"outage_s": round(outage_s, 3), "error": error})

    def breaker_tripped(self, rule: str, reason: str, limit: object, value: object) -> None:
        with self.metrics.lock:
            self.metrics.breaker, self.metrics.breaker_reason = "halted", reason
        if self.trail is not None:
            self.trail.circuit_breaker_tripped(rule, reason, limit=limit, value=value)

    def bar_rejected(self, when: pd.Timestamp, symbol: str, rules: str) -> None:
        with self.metrics.lock:
            self.metrics.bars_rejected += 1
        self.emit(
            "warning",
            "bar.rejected",
            {"bar_time": when.isoformat(), "asset": symbol, "rules": rules},
        )

    def bar_stale(self, when: pd.Timestamp, lateness: float, limit: float) -> None:
        with self.metrics.lock:
            self.metrics.bars_stale += 1
        self.emit(
            "warning",
            "bar.stale",
            {"bar_time": when.isoformat(), "lateness_s": round(lateness, 3), "limit_s": limit},
        )
