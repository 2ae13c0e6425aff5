"""rustybt's logging: structlog JSON lines, audit events, secret masking, rotation.

    from rustybt.log import configure_logging

    configure_logging("logs/audit.jsonl", max_bytes=50_000_000, backup_count=30)
    run_backtest(strategy, panel)          # every order, fill and decision is logged

or per run: ``run_backtest(strategy, panel, audit_log="logs/audit.jsonl")``.
The implementation lives in `rustybt.audit`; this module is the public face.
"""

from __future__ import annotations

from rustybt.audit import (
    EVENTS,
    MASK,
    AuditLog,
    AuditTrail,
    EventSpec,
    LogSettings,
    configure_logging,
    current_audit_log,
    get_logger,
    mask_secrets,
    mask_text,
    mask_value,
    reset_logging,
    use_audit_log,
)

__all__ = [
    "EVENTS",
    "MASK",
    "AuditLog",
    "AuditTrail",
    "EventSpec",
    "LogSettings",
    "configure_logging",
    "current_audit_log",
    "get_logger",
    "mask_secrets",
    "mask_text",
    "mask_value",
    "reset_logging",
    "use_audit_log",
]
