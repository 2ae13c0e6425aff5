"""The engine's side of the audit log: which trail a run writes to, and the fields
of its ``run.started`` and ``run.finished`` events."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from rustybt.engine.result import BacktestResult
from rustybt.engine.versions import versions

if TYPE_CHECKING:
    from rustybt.audit import AuditLog, AuditTrail
    from rustybt.engine.runner import _Run

__all__ = ["audit_started", "audit_summary", "open_trail"]


def open_trail(
    audit_log: str | Path | AuditLog | None, *, run_id: str, strategy_id: str
) -> AuditTrail | None:
    # structlog and the audit pipeline cost ~0.1 s to import: only load them when a
    # log was passed or one was configured (which imported rustybt.audit.config).
    if audit_log is None and "rustybt.audit.config" not in sys.modules:
        return None
    from rustybt.audit import open_trail

    return open_trail(audit_log, run_id=run_id, strategy_id=strategy_id)


def audit_started(run: _Run) -> dict[str, object]:
    """``run.started`` fields: what runs, on which data, with which settings."""
    panel = run.panel
    return {
        "params": dict(run.strategy.params),
        "config": asdict(run.config),
        "versions": versions(),
        "start": panel.index[0].isoformat(),
        "end": panel.index[-1].isoformat(),
        "frequency": str(panel.frequency),
        "assets": len(panel.assets),
    }


def audit_summary(result: BacktestResult) -> dict[str, object]:
    """``run.finished`` fields: final equity and counts."""
    statuses = result.orders["status"].value_counts()
    return {
        "final_equity": str(result.final_equity),
        "orders": len(result.orders),
        "fills": len(result.transactions),
        "order_statuses": {str(status): int(count) for status, count in statuses.items()},
        "decisions": len(result.decisions),
    }
