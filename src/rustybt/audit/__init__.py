"""The structured audit log: structlog JSON lines, secret masking, rotation, queries.

Public entry points are re-exported by `rustybt.log`; see docs/logging.md.
"""

from __future__ import annotations

from rustybt.audit.catalogue import EVENTS, EventSpec
from rustybt.audit.config import (
    configure_logging,
    current_audit_log,
    get_logger,
    reset_logging,
    use_audit_log,
)
from rustybt.audit.masking import MASK, mask_secrets, mask_text, mask_value
from rustybt.audit.pipeline import AuditLog
from rustybt.audit.settings import LogSettings
from rustybt.audit.trail import AuditTrail, open_trail

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
    "open_trail",
    "reset_logging",
    "use_audit_log",
]
