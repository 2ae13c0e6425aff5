"""The structlog pipeline and `AuditLog`, the object that owns one log's writer.

Every line passes the same processors: a UTC ISO timestamp, the level, secret
masking (`mask_secrets`) and a renderer (compact JSON, or ``key=value`` text).
structlog's bound loggers use the chain as configured processors; the engine's
hot path (`AuditLog.emit`) runs the very same chain on a dict it built itself,
which skips structlog's per-call context copying and keeps audit cost low.
"""

from __future__ import annotations

import sys
import threading
import time
import warnings
from collections.abc import MutableMapping
from json.encoder import JSONEncoder
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import structlog

from rustybt.audit.masking import mask_secrets
from rustybt.audit.rotation import RotatingWriter
from rustybt.audit.settings import LogSettings

__all__ = ["AuditLog", "Processor", "build_processors", "render_json", "utc_now_iso"]

EventDict = MutableMapping[str, object]
Processor = structlog.typing.Processor

_LEVELNO = {"debug": 10, "info": 20, "warning": 30, "error": 40, "critical": 50}
_ENCODER = JSONEncoder(separators=(",", ":"), default=str)
_FRONT = ("timestamp", "level", "event")
_second_cache: tuple[int, str] = (-1, "")


def utc_now_iso() -> str:
    """Wall-clock UTC time, ISO 8601 with microseconds and a ``Z``."""
    return utc_iso(time.time())


def utc_iso(now: float) -> str:
    """``now`` (seconds since the epoch) as UTC ISO 8601 with microseconds and a ``Z``."""
    global _second_cache
    second = int(now)
    cached_second, prefix = _second_cache
    if second != cached_second:
        prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        # One tuple assignment: a thread never sees a second paired with another's prefix.
        _second_cache = (second, prefix)
    return f"{prefix}.{int((now - second) * 1e6):06d}Z"


def add_timestamp(logger: object, method_name: str, event_dict: EventDict) -> EventDict:
    """structlog processor: ``timestamp`` (UTC ISO) unless the caller set one."""
    if "timestamp" not in event_dict:
        event_dict["timestamp"] = utc_now_iso()
    return event_dict


def add_level(logger: object, method_name: str, event_dict: EventDict) -> EventDict:
    """structlog processor: ``level`` from the method called (``warn`` is ``warning``)."""
    if "level" not in event_dict:
        event_dict["level"] = "warning" if method_name == "warn" else method_name
    return event_dict


def _ordered(event_dict: EventDict) -> EventDict:
    # timestamp, level and event first: lines read well and grep stays simple.
    if next(iter(event_dict), None) == "timestamp":
        return event_dict
    ordered: dict[str, object] = {key: event_dict[key] for key in _FRONT if key in event_dict}
    ordered.update(event_dict)
    return ordered


def render_json(logger: object, method_name: str, event_dict: EventDict) -> str:
    """structlog processor: one compact, ASCII-only JSON line."""
    return _ENCODER.encode(_ordered(event_dict))


def render_text(logger: object, method_name: str, event_dict: EventDict) -> str:
    """structlog processor: ``timestamp level event key=value ...`` for people."""
    ordered = _ordered(event_dict)
    head = " ".join(str(ordered.pop(key, "")) for key in _FRONT)
    rest = " ".join(f"{key}={_ENCODER.encode(value)}" for key, value in ordered.items())
    return f"{head} {rest}".rstrip().encode("ascii", "backslashreplace").decode("ascii")


def build_processors(settings: LogSettings) -> list[Processor]:
    """The processor chain every line passes, in order."""
    return [add_timestamp, add_level, mask_secrets, render_json if settings.json else render_text]


class _StreamWriter:
    """Writes lines to a text stream (stderr when no path is configured)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self._lock = threading.Lock()
        self.errors: list[str] = []

    def write(self, line: str) -> None:
        with self._lock:
            self.stream.write(line + "\n")

    def flush(self) -> None:
        self.stream.flush()

    def close(self) -> None:
        self.stream.flush()


class _LineSink:
    """The structlog "logger": every level method writes the rendered line."""

    def __init__(self, writer: RotatingWriter | _StreamWriter) -> None:
        self._writer = writer

    def msg(self, line: str) -> None:
        self._writer.write(line)

    debug = info = warning = warn = error = critical = exception = fatal = log = msg


class AuditLog:
    """One log destination: a rotating JSON-lines file (or stderr) and its pipeline.

    Use it as a context manager, or call `close` (which flushes and waits for
    pending compressions). `logger` gives a structlog bound logger writing here;
    `emit` is the engine's fast path for audit events.
    """

    def __init__(self, settings: LogSettings | None = None, *, stream: IO[str] | None = None):
        self.settings = settings or LogSettings()
        path = self.settings.path
        self._writer: RotatingWriter | _StreamWriter
        if path is None:
            self._writer = _StreamWriter(stream or sys.stderr)
        else:
            self._writer = RotatingWriter(
                path,
                max_bytes=self.settings.max_bytes,
                when=self.settings.when,
                interval=self.settings.interval,
                backup_count=self.settings.backup_count,
                compress=self.settings.compress,
                flush_interval=self.settings.flush_interval,
            )
        self.processors = build_processors(self.settings)
        self._threshold = self.settings.levelno
        self.closed = False

    @classmethod
    def open(cls, path: str | Path, **options: Any) -> AuditLog:  # Any: LogSettings fields
        """An `AuditLog` appending to ``path``; ``options`` are `LogSettings` fields."""
        return cls(LogSettings(path=Path(path), **options))

    @property
    def path(self) -> Path | None:
        return self.settings.path

    def enabled_for(self, level: str) -> bool:
        """True when lines of ``level`` are written."""
        return _LEVELNO.get(level.lower(), 50) >= self._threshold

    def emit(self, level: str, event_dict: EventDict) -> None:
        """Write one event (its dict gets masked and rendered in place: pass a fresh one).

        The engine builds the dict with ``timestamp``, ``level`` and ``event`` first.
        """
        if _LEVELNO.get(level, 50) < self._threshold:
            return
        processed: object = event_dict
        for processor in self.processors:
            processed = processor(None, level, processed)  # type: ignore[arg-type]  # each step returns the next one's input
        self._writer.write(str(processed))

    def write_line(self, level: str, line: str) -> None:
        """Write a line already rendered (and masked) by `AuditTrail`'s fast path."""
        if _LEVELNO.get(level, 50) >= self._threshold:
            self._writer.write(line)

    def logger(self, **context: object) -> structlog.typing.FilteringBoundLogger:
        """A structlog bound logger writing here, with ``context`` on every line."""
        logger: structlog.typing.FilteringBoundLogger = structlog.wrap_logger(
            _LineSink(self._writer),
            processors=list(self.processors),
            wrapper_class=structlog.make_filtering_bound_logger(self._threshold),
            context_class=dict,
            cache_logger_on_first_use=True,
        )
        return logger.bind(**context) if context else logger

    def sink(self) -> _LineSink:
        """The object structlog writes rendered lines to (for ``logger_factory``)."""
        return _LineSink(self._writer)

    def flush(self) -> None:
        self._writer.flush()

    def close(self) -> None:
        """Flush and close the file; wait for rotated files to be compressed."""
        if self.closed:
            return
        self.closed = True
        self._writer.close()
        for problem in self._writer.errors:
            warnings.warn(f"audit log: {problem}", RuntimeWarning, stacklevel=2)

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self.settings.path or "stderr"
        return f"AuditLog({where}, level={self.settings.level})"
