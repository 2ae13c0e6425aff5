"""`AuditTrail`: one run's audit events, with run id, strategy and user bound.

The engine holds ``trail = None`` when auditing is off, so each event site costs
one ``if``. When on, order and fill events (thousands per run) take a fast path:
the JSON line is assembled directly, because rendering a generic dict costs more
than the backtest itself spends per order. The fast path also defers the
rendering: an event is captured as a tuple of its (immutable) values with its
wall-clock time, and lines are rendered and written in batches of
`RENDER_BATCH`, before any other event and when the run ends or fails, so the
file keeps event order. Rendering in a tight loop costs a third of rendering each
line between the engine's own work, where the code and data are cold. The fast path keeps the pipeline's
guarantees: every free-text field (asset, order id, strategy, user, reason) passes
the same `mask_text` rules and JSON escaping; the other fields are Decimals, enums,
floats and our own timestamps, which cannot hold a secret. Every other event goes
through the full processor chain (`AuditLog.emit`). The trail knows orders only
through `OrderLike`, so this core module never imports the engine.
"""

from __future__ import annotations

import getpass
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from json.encoder import encode_basestring_ascii
from pathlib import Path
from typing import Protocol, TypeVar

from rustybt.assets import Asset
from rustybt.audit.config import current_audit_log
from rustybt.audit.interrupt import Terminated, redeliver, sigterm_as_exception
from rustybt.audit.pipeline import AuditLog, utc_iso, utc_now_iso
from rustybt.audit.render import decimal_json, tail_json, text_json
from rustybt.errors import RustyBTError

__all__ = ["AuditTrail", "OrderLike", "current_user", "open_trail"]

R = TypeVar("R")

RENDER_BATCH = 256
# Captured order events: (level, event, wall time, bar time, order id, symbol, order
# type, time in force, quantity, filled, limit, stop, tail) where ``tail`` holds the
# event's own fields, rendered by `_tail`.
_Captured = tuple[
    str,
    str,
    float,
    datetime,
    str,
    str,
    str,
    str,
    Decimal,
    Decimal,
    Decimal | None,
    Decimal | None,
    tuple[object, ...],
]

_CLOSED_EVENTS = {
    "cancelled": ("info", "order.cancelled"),
    "expired": ("info", "order.expired"),
    "rejected": ("warning", "order.rejected"),
}


class OrderLike(Protocol):
    """What the trail reads from an order (the engine's `Order` satisfies it)."""

    @property
    def id(self) -> str: ...
    @property
    def asset(self) -> Asset: ...
    @property
    def quantity(self) -> Decimal: ...
    @property
    def filled(self) -> Decimal: ...
    @property
    def order_type(self) -> str: ...
    @property
    def time_in_force(self) -> str: ...
    @property
    def limit_price(self) -> Decimal | None: ...
    @property
    def stop_price(self) -> Decimal | None: ...
    @property
    def status(self) -> str: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def decision_price(self) -> float: ...
    @property
    def fill_value(self) -> Decimal: ...


def current_user() -> str | None:
    """The OS user running the process, or None where it cannot be told (containers)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER variables
        return None


class AuditTrail:
    """Typed emitters for one run's events (see `rustybt.audit.catalogue.EVENTS`)."""

    # False sends order events through the generic chain too (tests compare both).
    FAST_PATH = True

    def __init__(
        self,
        log: AuditLog,
        *,
        run_id: str,
        strategy_id: str,
        user: str | None = None,
        owns_log: bool = False,
    ) -> None:
        self.log = log
        self.run_id = run_id
        self.strategy_id = strategy_id
        self.user = current_user() if user is None else user
        self.owns_log = owns_log
        self._info = log.enabled_for("info")
        self._warning = log.enabled_for("warning")
        # Text (key=value) logs take the generic path; JSON logs the fast one.
        self.fast = log.settings.json and self.FAST_PATH
        self._context = f'"run_id":{text_json(run_id)},"strategy_id":{text_json(strategy_id)},"user":{text_json(self.user)}'
        self._symbols: dict[str, str] = {}
        self._bar: datetime | None = None
        self._bar_iso = ""
        self._captured: list[_Captured] = []

    def _bar_time(self, when: datetime) -> str:
        # Many events share a bar: format its time once.
        if when is not self._bar:
            self._bar = when
            self._bar_iso = when.isoformat()
        return self._bar_iso

    def emit(self, level: str, event: str, fields: Mapping[str, object]) -> None:
        """Write ``event`` with the bound context and ``fields`` through the full
        processor chain (masking at any depth, then rendering)."""
        if self._captured:
            self.drain()  # earlier order events first: the file keeps event order
        event_dict: dict[str, object] = {
            "timestamp": utc_now_iso(),
            "level": level,
            "event": event,
            "run_id": self.run_id,
            "strategy_id": self.strategy_id,
            "user": self.user,
        }
        event_dict.update(fields)
        self.log.emit(level, event_dict)

    # -- orders ----------------------------------------------------------------------
    def _order_fields(self, order: OrderLike, when: datetime) -> dict[str, object]:
        quantity, filled = order.quantity, order.filled
        buy = quantity > 0
        return {
            "bar_time": self._bar_time(when),
            "order_id": order.id,
            "asset": order.asset.symbol,
            "side": "buy" if buy else "sell",
            "order_type": str(order.order_type),
            "time_in_force": str(order.time_in_force),
            "quantity": str(quantity if buy else -quantity),
            "limit_price": None if order.limit_price is None else str(order.limit_price),
            "stop_price": None if order.stop_price is None else str(order.stop_price),
            "filled": str(filled if buy else -filled),
            "remaining": str(abs(quantity - filled)),
        }

    def _literal(self, value: str) -> str:
        # Enum values and symbols repeat: mask and escape each once per run.
        literal = self._symbols.get(value)
        if literal is None:
            literal = self._symbols[value] = text_json(str(value))
        return literal

    def _capture(
        self, level: str, event: str, order: OrderLike, when: datetime, tail: tuple[object, ...]
    ) -> None:
        captured = self._captured
        captured.append(
            (
                level,
                event,
                time.time(),
                when,
                order.id,
                order.asset.symbol,
                order.order_type,  # str enums: rendered (and cached) at drain time
                order.time_in_force,
                order.quantity,
                order.filled,
                order.limit_price,
                order.stop_price,
                tail,
            )
        )
        if len(captured) >= RENDER_BATCH:
            self.drain()

    def drain(self) -> None:
        """Render and write the captured order events (in the order they happened)."""
        captured, self._captured = self._captured, []
        write = self.log.write_line
        for item in captured:
            write(item[0], self._render(item))

    def _render(self, item: _Captured) -> str:
        """The same keys and values as `_order_fields` plus the event's own, as JSON text."""
        (
            level,
            event,
            now,
            when,
            order_id,
            symbol,
            kind,
            tif,
            quantity,
            filled,
            limit,
            stop,
            tail,
        ) = item
        buy = quantity > 0
        literals = self._symbols
        asset = literals.get(symbol) or self._literal(symbol)
        kind_text = literals.get(kind) or self._literal(kind)
        tif_text = literals.get(tif) or self._literal(tif)
        # Short ids cannot match a secret pattern: only escaping is needed.
        oid = encode_basestring_ascii(order_id) if len(order_id) < 15 else text_json(order_id)
        return (
            f'{{"timestamp":"{utc_iso(now)}","level":"{level}","event":"{event}",'
            f'{self._context},"bar_time":"{self._bar_time(when)}",'
            f'"order_id":{oid},"asset":{asset},'
            f'"side":"{"buy" if buy else "sell"}","order_type":{kind_text},'
            f'"time_in_force":{tif_text},'
            f'"quantity":"{quantity if buy else -quantity!s}",'
            f'"limit_price":{decimal_json(limit)},'
            f'"stop_price":{decimal_json(stop)},'
            f'"filled":"{filled if buy else -filled!s}","remaining":"{abs(quantity - filled)!s}"'
            f"{tail_json(event, tail, filled)}}}"
        )

    def order_submitted(self, order: OrderLike, when: datetime) -> None:
        if not self._info:
            return
        if self.fast:
            self._capture("info", "order.submitted", order, when, (order.decision_price,))
            return
        fields = self._order_fields(order, when)
        fields["decision_price"] = order.decision_price
        self.emit("info", "order.submitted", fields)

    def order_filled(
        self,
        order: OrderLike,
        when: datetime,
        quantity: Decimal,
        price: Decimal,
        commission: Decimal,
        slippage: Decimal,
    ) -> None:
        """A fill of ``quantity`` units (signed) at ``price``; full or partial by what remains."""
        if not self._info:
            return
        event = "order.filled" if order.filled == order.quantity else "order.partially_filled"
        size = quantity if quantity > 0 else -quantity
        if self.fast:
            tail = (size, price, commission, slippage, order.fill_value)
            self._capture("info", event, order, when, tail)
            return
        average = order.fill_value / order.filled if order.filled else None
        fields = self._order_fields(order, when)
        fields.update(
            fill_quantity=str(size),
            fill_price=str(price),
            commission=str(commission),
            slippage=str(slippage),
            average_price=None if average is None else str(average),
        )
        self.emit("info", event, fields)

    def order_closed(self, order: OrderLike, when: datetime) -> None:
        """Cancelled, expired or rejected: the event follows ``order.status``."""
        level, event = _CLOSED_EVENTS.get(str(order.status), ("info", "order.cancelled"))
        if self.fast:
            self._capture(level, event, order, when, (order.reason,))
            return
        fields = self._order_fields(order, when)
        fields["reason"] = order.reason
        self.emit(level, event, fields)

    def order_modified(self, order: OrderLike, when: datetime, **changes: object) -> None:
        """An open order's fields changed (live brokers): ``changes`` maps field to new value."""
        fields = self._order_fields(order, when)
        fields["changes"] = changes
        self.emit("info", "order.modified", fields)

    # -- strategy and system -------------------------------------------------------
    def decision(
        self, when: datetime, signal: str, reason: str, params: Mapping[str, object]
    ) -> None:
        """``context.log_decision``: the signal, why, and the values it was made from."""
        if self._info:
            self.emit(
                "info",
                "strategy.decision",
                {
                    "bar_time": self._bar_time(when),
                    "signal": signal,
                    "reason": reason,
                    "params": dict(params),
                },
            )

    def circuit_breaker_tripped(
        self, breaker: str, reason: str, *, limit: object = None, value: object = None
    ) -> None:
        self.emit(
            "critical",
            "circuit_breaker.tripped",
            {"breaker": breaker, "reason": reason, "limit": limit, "value": value},
        )

    def run(
        self,
        action: Callable[[], R],
        *,
        started: Mapping[str, object],
        summary: Callable[[R], Mapping[str, object]],
    ) -> R:
        """Emit ``run.started``, call ``action``, then ``run.finished`` with
        ``summary(result)`` or ``run.failed`` with the error (which still propagates).
        The log is flushed at the end, and closed when the trail opened it."""
        began = time.perf_counter()
        terminated: Terminated | None = None
        try:
            with sigterm_as_exception():
                self.emit("info", "run.started", {"strategy": self.strategy_id, **started})
                self.log.flush()  # a kill later must not take the run's start with it
                try:
                    result = action()
                except RustyBTError as error:
                    self._failed(error.to_dict(), began)
                    raise
                except Exception as error:
                    # Not ours (a bug): logged with what we know, then re-raised unchanged.
                    self._failed({"error": type(error).__name__, "message": _text(error)}, began)
                    raise
                except Terminated as error:
                    terminated = error
                    self._failed({"error": "Terminated", "message": str(error)}, began)
                    raise
                except BaseException as error:
                    # KeyboardInterrupt (Ctrl-C, or raised by the strategy), SystemExit, ...
                    self._failed(
                        {"error": type(error).__name__, "message": _interruption(error)}, began
                    )
                    raise
                fields = dict(summary(result))
                fields["duration_s"] = round(time.perf_counter() - began, 6)
                self.emit("info", "run.finished", fields)
                return result
        finally:
            self.drain()
            if self.owns_log:
                self.log.close()
            else:
                self.log.flush()
            if terminated is not None:
                redeliver(terminated)

    def _failed(self, error: Mapping[str, object], began: float) -> None:
        self.emit(
            "error",
            "run.failed",
            {"error": dict(error), "duration_s": round(time.perf_counter() - began, 6)},
        )


def _text(error: BaseException) -> str:
    """``str(error)``, or its type and repr when its ``__str__`` itself fails."""
    try:
        return str(error)
    except Exception:  # noqa: BLE001  # any failure of a user's __str__ is reported, not raised
        return f"<{type(error).__name__} whose message cannot be shown>"


def _interruption(error: BaseException) -> str:
    if isinstance(error, KeyboardInterrupt):
        return "interrupted (Ctrl-C / SIGINT, or KeyboardInterrupt raised by the strategy)"
    if isinstance(error, SystemExit):
        return f"SystemExit({error.code!r}) raised during the run"
    return _text(error) or type(error).__name__


def open_trail(
    audit_log: AuditLog | str | Path | None, *, run_id: str, strategy_id: str
) -> AuditTrail | None:
    """The trail for one run: to ``audit_log`` (a path is opened for the run and
    closed after it), else to `current_audit_log()`, else None (auditing off)."""
    if audit_log is None:
        log = current_audit_log()
        if log is None:
            return None
        return AuditTrail(log, run_id=run_id, strategy_id=strategy_id)
    if isinstance(audit_log, AuditLog):
        return AuditTrail(audit_log, run_id=run_id, strategy_id=strategy_id)
    return AuditTrail(
        AuditLog.open(audit_log), run_id=run_id, strategy_id=strategy_id, owns_log=True
    )
