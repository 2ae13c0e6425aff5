"""`LogSettings`: where the audit log goes, its level, rotation and retention."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from rustybt.errors import ConfigError

__all__ = ["LEVELS", "ROTATE_WHEN", "LogSettings"]

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Units of time rotation, as in logging.handlers.TimedRotatingFileHandler (UTC).
ROTATE_WHEN = ("S", "M", "H", "D", "MIDNIGHT")


@dataclass(frozen=True)
class LogSettings:
    """How `configure_logging` and `AuditLog` write.

    Attributes:
        path: JSON-lines file to append to; None writes to stderr (no rotation).
        level: lowest level written (audit events are INFO, rejections WARNING,
            failed runs ERROR).
        audit: when True, backtests (and the live layer) emit their audit events
            here; when False only explicit log calls are written.
        max_bytes: roll the file over before it would pass this size (0: never).
        when: time rotation unit, one of S, M, H, D, midnight (UTC); None: never.
        interval: how many ``when`` units between time rollovers.
        backup_count: rotated files kept; older ones are deleted (0 keeps none).
        compress: gzip rotated files (``audit.jsonl.<UTC stamp>.gz``).
        json: JSON lines (True) or human-readable ``key=value`` lines (False).
        flush_interval: seconds between flushes of the write buffer (0: every line).
    """

    path: Path | None = None
    level: str = "INFO"
    audit: bool = True
    max_bytes: int = 50 * 1024 * 1024
    when: str | None = "midnight"
    interval: int = 1
    backup_count: int = 30
    compress: bool = True
    json: bool = True
    flush_interval: float = 1.0

    def __post_init__(self) -> None:
        if self.path is not None:  # a str given at run time becomes a Path
            object.__setattr__(self, "path", Path(self.path).expanduser())
        level = str(self.level).upper()
        if level not in LEVELS:
            raise ConfigError(
                f"log level must be one of {', '.join(LEVELS)}, not {self.level!r}",
                context={"level": self.level},
            )
        object.__setattr__(self, "level", level)
        if self.when is not None:
            when = str(self.when).upper()
            if when not in ROTATE_WHEN:
                raise ConfigError(
                    f"rotation 'when' must be one of S, M, H, D, midnight, not {self.when!r}",
                    context={"when": self.when},
                )
            object.__setattr__(self, "when", when)
        for name in ("max_bytes", "backup_count"):
            if getattr(self, name) < 0:
                raise ConfigError(
                    f"{name} must not be negative", context={name: getattr(self, name)}
                )
        if self.interval < 1:
            raise ConfigError("interval must be at least 1", context={"interval": self.interval})
        if self.flush_interval < 0:
            raise ConfigError(
                "flush_interval must not be negative",
                context={"flush_interval": self.flush_interval},
            )

    @property
    def levelno(self) -> int:
        """The stdlib number of ``level`` (INFO = 20)."""
        return int(logging.getLevelName(self.level))
