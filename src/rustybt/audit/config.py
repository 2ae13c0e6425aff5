"""Process-wide logging setup: `configure_logging`, the current audit log, `get_logger`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import IO

import structlog

from rustybt.audit.masking import mask_secrets
from rustybt.audit.pipeline import AuditLog, EventDict, add_level, add_timestamp, render_text
from rustybt.audit.settings import LogSettings

__all__ = [
    "configure_logging",
    "current_audit_log",
    "get_logger",
    "reset_logging",
    "use_audit_log",
]

_process_log: AuditLog | None = None
# A scoped override (e.g. one CLI command) wins over the process-wide log.
_scoped_log: ContextVar[AuditLog | None] = ContextVar("rustybt_audit_log", default=None)


def configure_logging(
    path: str | Path | None = None,
    *,
    level: str = "INFO",
    audit: bool = True,
    max_bytes: int = 50 * 1024 * 1024,
    when: str | None = "midnight",
    interval: int = 1,
    backup_count: int = 30,
    compress: bool = True,
    json: bool = True,
    flush_interval: float = 1.0,
    stream: IO[str] | None = None,
) -> AuditLog:
    """Send rustybt's structured logs (and, with ``audit``, every run's audit events)
    to ``path`` as JSON lines, or to ``stream``/stderr when ``path`` is None.

    The file rolls over before passing ``max_bytes`` and every ``interval`` x
    ``when`` (S, M, H, D, midnight; UTC); rotated files are gzipped (``compress``)
    and only the newest ``backup_count`` are kept. structlog itself is configured
    too, so `get_logger()` writes through the same masking pipeline. Calling it
    again replaces (and closes) the previous configuration.
    """
    global _process_log
    settings = LogSettings(
        path=None if path is None else Path(path),
        level=level,
        audit=audit,
        max_bytes=max_bytes,
        when=when,
        interval=interval,
        backup_count=backup_count,
        compress=compress,
        json=json,
        flush_interval=flush_interval,
    )
    previous = _process_log
    if previous is not None:
        previous.close()  # before opening: the new log may be the same file
        _process_log = None
    log = AuditLog(settings, stream=stream)
    structlog.configure(
        processors=list(log.processors),
        wrapper_class=structlog.make_filtering_bound_logger(settings.levelno),
        context_class=dict,
        logger_factory=lambda *args: log.sink(),
        cache_logger_on_first_use=False,
    )
    _process_log = log
    return log


def reset_logging() -> None:
    """Close the process-wide log and restore structlog's defaults."""
    global _process_log
    if _process_log is not None:
        _process_log.close()
        _process_log = None
    structlog.reset_defaults()


def current_audit_log() -> AuditLog | None:
    """The audit log runs write to when they are not given one: the scoped one from
    `use_audit_log`, else the one from `configure_logging` if ``audit`` is on."""
    scoped = _scoped_log.get()
    if scoped is not None:
        return scoped
    if _process_log is not None and _process_log.settings.audit and not _process_log.closed:
        return _process_log
    return None


@contextmanager
def use_audit_log(
    target: AuditLog | str | Path | None, **options: object
) -> Iterator[AuditLog | None]:
    """Within the block, runs write their audit events to ``target`` (a path is
    opened with `LogSettings` ``options`` and closed on exit; None changes nothing)."""
    if target is None:
        yield None
        return
    owned = not isinstance(target, AuditLog)
    log = (
        target
        if isinstance(target, AuditLog)
        else AuditLog(LogSettings(path=Path(target), **options))  # type: ignore[arg-type]  # options are LogSettings fields, checked there
    )
    token = _scoped_log.set(log)
    try:
        yield log
    finally:
        _scoped_log.reset(token)
        if owned:
            log.close()


class _RoutingSink:
    """Where `get_logger` lines go, decided per line: the scoped log (``--audit-log``,
    `use_audit_log`), else the process-wide one (`configure_logging`), else stderr as
    masked text. Never structlog's default console renderer, which masks nothing."""

    def msg(self, **event: object) -> None:
        level = str(event.get("level", "info"))
        log = _scoped_log.get() or (
            _process_log if _process_log is not None and not _process_log.closed else None
        )
        if log is not None:
            log.emit(level, event)  # its own chain: masking (again, idempotent) and rendering
            return
        if _LEVELS.get(level, 50) >= _LEVELS["info"]:
            print(render_text(None, level, event), file=sys.stderr)

    debug = info = warning = warn = error = critical = exception = fatal = log = msg


def _as_kwargs(logger: object, method_name: str, event_dict: EventDict) -> EventDict:
    # The last processor's dict becomes the sink call's keyword arguments.
    return event_dict


_LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40, "critical": 50}


def get_logger(**context: object) -> structlog.typing.FilteringBoundLogger:
    """A structlog logger with ``context`` bound. Its lines are masked like every
    audit event and go to the current audit log (see `_RoutingSink`)."""
    logger: structlog.typing.FilteringBoundLogger = structlog.wrap_logger(
        _RoutingSink(),
        processors=[add_timestamp, add_level, mask_secrets, _as_kwargs],
        wrapper_class=structlog.make_filtering_bound_logger(0),
        context_class=dict,
        cache_logger_on_first_use=True,
    )
    return logger.bind(**context) if context else logger
