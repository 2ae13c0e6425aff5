"""The event catalogue: every audit event's stable name, level and fields.

Names are ``<area>.<what happened>`` in the past tense and never change once
published; new fields may be added. Every line also carries the bound context:
``timestamp`` (wall clock, UTC ISO), ``level``, ``event``, ``run_id``,
``strategy_id`` and ``user``; engine events add ``bar_time`` (the bar's time).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CONTEXT_FIELDS", "EVENTS", "ORDER_FIELDS", "EventSpec"]

CONTEXT_FIELDS = ("timestamp", "level", "event", "run_id", "strategy_id", "user")
ORDER_FIELDS = (
    "bar_time",
    "order_id",
    "asset",
    "side",
    "order_type",
    "time_in_force",
    "quantity",
    "limit_price",
    "stop_price",
    "filled",
    "remaining",
)
_FILL_FIELDS = (
    *ORDER_FIELDS,
    "fill_quantity",
    "fill_price",
    "commission",
    "slippage",
    "average_price",
)


@dataclass(frozen=True)
class EventSpec:
    """One catalogue entry."""

    name: str
    level: str
    description: str
    fields: tuple[str, ...]


_SPECS = (
    EventSpec(
        "run.started",
        "info",
        "A backtest (or live session) starts: its configuration, versions, strategy, params.",
        ("strategy", "params", "config", "versions", "start", "end", "frequency", "assets"),
    ),
    EventSpec(
        "run.finished",
        "info",
        "A run ended normally: final equity, order and fill counts, duration.",
        (
            "final_equity",
            "orders",
            "fills",
            "order_statuses",
            "decisions",
            "duration_s",
        ),
    ),
    EventSpec(
        "run.failed",
        "error",
        "A run stopped on an error: the error's to_dict() and the time it ran.",
        ("error", "duration_s"),
    ),
    EventSpec(
        "order.submitted",
        "info",
        "An order was accepted by the simulated exchange (or broker).",
        (*ORDER_FIELDS, "decision_price"),
    ),
    EventSpec(
        "order.partially_filled",
        "info",
        "Part of an order filled (volume cap); the rest stays open.",
        _FILL_FIELDS,
    ),
    EventSpec("order.filled", "info", "The last part of an order filled.", _FILL_FIELDS),
    EventSpec(
        "order.modified",
        "info",
        "An open order's price or quantity changed (live brokers; backtests do not modify).",
        (*ORDER_FIELDS, "changes"),
    ),
    EventSpec(
        "order.cancelled",
        "info",
        "An open order was cancelled (by the strategy or the engine).",
        (*ORDER_FIELDS, "reason"),
    ),
    EventSpec(
        "order.expired",
        "info",
        "A day order was not filled within its session.",
        (*ORDER_FIELDS, "reason"),
    ),
    EventSpec(
        "order.rejected",
        "warning",
        "An order was refused (no price yet, insufficient cash, broker refusal).",
        (*ORDER_FIELDS, "reason"),
    ),
    EventSpec(
        "strategy.decision",
        "info",
        "context.log_decision(signal, reason=..., **params) at decision time.",
        ("bar_time", "signal", "reason", "params"),
    ),
    EventSpec(
        "circuit_breaker.tripped",
        "critical",
        "A risk limit stopped trading (live layer): which breaker, the limit, the value.",
        ("breaker", "reason", "limit", "value"),
    ),
    EventSpec(
        "circuit_breaker.reset",
        "warning",
        "A tripped circuit breaker was reset and trading may resume (live layer).",
        ("breaker", "reason"),
    ),
    # -- live layer (rustybt.live) --------------------------------------------------
    EventSpec(
        "order.accepted",
        "info",
        "The venue acknowledged an order (live): its client and venue order ids.",
        ("bar_time", "order_id", "client_order_id", "venue_order_id", "asset", "status"),
    ),
    EventSpec(
        "order.unknown",
        "warning",
        "A command's outcome is unknown (timeout, disconnect, 5xx after send): resolved "
        "by query, stream or reconciliation, never by a resend.",
        ("bar_time", "order_id", "client_order_id", "asset", "error"),
    ),
    EventSpec(
        "order.reconciled",
        "info",
        "An order's state was settled against the venue (unknown resolved, adopted, closed).",
        ("client_order_id", "finding", "detail"),
    ),
    EventSpec(
        "broker.command",
        "debug",
        "One broker command and its outcome (done, failed, unknown).",
        ("command", "client_order_id", "outcome", "error"),
    ),
    EventSpec(
        "reconciliation.finished",
        "info",
        "Local state compared with the venue per order, then positions and balances.",
        ("complete", "orders_checked", "adopted", "resolved", "mismatches"),
    ),
    EventSpec(
        "broker.unreachable",
        "error",
        "A broker call failed with the venue unreachable: new orders are refused until "
        "it answers again and reconciliation passes.",
        ("error",),
    ),
    EventSpec(
        "risk.violation_logged",
        "warning",
        "A control registered with on_error='log' was violated; the order went ahead (live).",
        ("rule", "reason"),
    ),
    EventSpec(
        "broker.reconnected",
        "warning",
        "The broker came back after an outage; a reconciliation follows.",
        ("outage_s", "error"),
    ),
    EventSpec(
        "bar.rejected",
        "warning",
        "A feed bar failed validation and was not shown to the strategy.",
        ("bar_time", "asset", "rules"),
    ),
    EventSpec(
        "bar.stale",
        "warning",
        "A bar arrived too late to trade on: the strategy ran, new orders were refused.",
        ("bar_time", "lateness_s", "limit_s"),
    ),
    EventSpec(
        "live.started",
        "info",
        "A paper or live session started (or restarted) with its broker and state.",
        ("broker", "session_id", "restart", "resume_bar_time"),
    ),
    EventSpec(
        "live.takeover",
        "info",
        "A warm standby took the leader lock (fencing epoch) and trades from this bar.",
        ("epoch", "resume_bar_time"),
    ),
    EventSpec(
        "live.stopped",
        "info",
        "A paper or live session stopped: why, and whether open orders were cancelled.",
        ("reason", "cancelled_orders", "last_bar_time"),
    ),
)

EVENTS: dict[str, EventSpec] = {spec.name: spec for spec in _SPECS}
