"""The circuit breaker: a risk violation in live trading halts new orders until an
operator resets it (``rustybt reset-breaker``). Its state lives in the state store,
so it survives restarts, and the runner re-reads it while idle and on every bar
so a reset takes effect without a restart."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from rustybt.engine.controls import RiskLimits, Violation
from rustybt.errors import ConfigError
from rustybt.live.broker_blotter import BrokerBlotter
from rustybt.live.events import LiveEvents
from rustybt.live.state import StateStore

__all__ = ["Breaker", "reset_breaker"]

KEY = "breaker"
_LOG = logging.getLogger("rustybt.live.breaker")


class Breaker:
    """Handles `Controls` violations for the live runner (see the module docstring)."""

    def __init__(
        self, store: StateStore, blotter: BrokerBlotter, events: LiveEvents, limits: RiskLimits
    ) -> None:
        self.store, self.blotter, self.events, self.limits = store, blotter, events, limits

    def violation(self, violation: Violation) -> bool:
        """Refuse the order and trip (a `Controls.on_violation` handler)."""
        if violation.on_error == "log" and violation.rule not in _ALWAYS_TRIP:
            self.events.emit(
                "warning",
                "risk.violation_logged",
                {"rule": violation.rule, "reason": violation.reason},
            )
            return True
        self.trip(violation)
        return False

    def trip(self, violation: Violation) -> None:
        state = {
            "state": "halted",
            "rule": violation.rule,
            "reason": violation.reason,
            "limit": violation.limit,
            "value": violation.value,
            "at": pd.Timestamp.now(tz="UTC").isoformat(),
        }
        already = self.blotter.halt_reasons.get("breaker")
        self.store.set_json(KEY, state)
        self.blotter.halt_reasons["breaker"] = f"circuit breaker: {violation.reason}"
        if already is None:
            self.events.breaker_tripped(
                violation.rule, violation.reason, violation.limit, violation.value
            )

    def load(self) -> None:
        """Apply the stored state (a reset by the operator clears the halt)."""
        state = self.store.get_json(KEY)
        if isinstance(state, dict) and state.get("state") == "halted":
            self.blotter.halt_reasons["breaker"] = f"circuit breaker: {state.get('reason')}"
            with self.events.metrics.lock:
                self.events.metrics.breaker = "halted"
                self.events.metrics.breaker_reason = str(state.get("reason"))
            return
        if "breaker" in self.blotter.halt_reasons:
            self.blotter.halt_reasons.pop("breaker")
            with self.events.metrics.lock:
                self.events.metrics.breaker, self.events.metrics.breaker_reason = "ok", None
        if isinstance(state, dict) and state.get("audited") is False:
            self.events.emit(
                "warning",
                "circuit_breaker.reset",
                {
                    "breaker": state.get("rule"),
                    "reason": state.get("note"),
                    "user": state.get("reset_by"),
                },
            )
            self.store.set_json(KEY, {**state, "audited": True})

    def save_equity(self, controls_state: dict[str, object]) -> None:
        self.store.set_json("risk", controls_state)


# Account-level losses always halt, whatever on_error says: they are not per order.
_ALWAYS_TRIP = frozenset({"max_daily_loss", "max_drawdown", "max_leverage"})


def reset_breaker(
    store: StateStore,
    *,
    operator: str | None,
    note: str,
    audit_log: str | Path | None = None,
) -> dict[str, object]:
    """Clear a tripped breaker (a running session picks it up on its next bar) and
    write ``circuit_breaker.reset`` to ``audit_log``; returns the state it had."""
    previous = store.get_json(KEY)
    before = previous if isinstance(previous, dict) else {"state": "ok"}
    state = {
        "state": "ok",
        "rule": before.get("rule"),
        "reset_by": operator,
        "note": note,
        "at": pd.Timestamp.now(tz="UTC").isoformat(),
        "audited": False,
    }
    if audit_log is not None:
        try:
            _audit_reset(store, audit_log, operator, before.get("rule"), note)
            state["audited"] = True
        except ConfigError as error:
            # A running session holds the log: it writes the event when it sees the reset.
            _LOG.info("audit log busy (%s): the running session will audit the reset", error)
    store.set_json(KEY, state)
    return before


def _audit_reset(
    store: StateStore, audit_log: str | Path, operator: str | None, rule: object, note: str
) -> None:
    from rustybt.audit import AuditLog, AuditTrail

    log = AuditLog.open(audit_log)
    try:
        trail = AuditTrail(
            log, run_id=store.get("session_id") or "none", strategy_id="operator", user=operator
        )
        trail.emit("warning", "circuit_breaker.reset", {"breaker": rule, "reason": note})
    finally:
        log.close()
