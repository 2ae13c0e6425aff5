"""``rustybt logs``: filter an audit log (rotated .gz files included), and the
``--audit-log`` option of ``run``/``demo``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from rustybt.errors import ConfigError, DataError

__all__ = ["LogsRequest", "show_logs", "with_audit_log"]

T = TypeVar("T")


@dataclass(frozen=True)
class LogsRequest:
    path: Path
    events: list[str]
    order_id: str | None
    asset: str | None
    run_id: str | None
    since: str | None
    until: str | None
    bar_time: bool
    table: bool
    limit: int | None


def show_logs(request: LogsRequest) -> int:
    """Print the matching records (JSON lines, or a table); returns how many matched."""
    # Imported here: `demo`/`run` import this module for --audit-log, and the audit
    # reader (structlog, gzip) is not needed unless logs are read.
    from rustybt.audit.query import (
        LogQuery,
        ReadStats,
        format_table,
        log_files,
        parse_time,
        read_records,
    )

    if request.limit is not None and request.limit < 0:
        raise ConfigError("--limit must not be negative", context={"limit": request.limit})
    query = LogQuery(
        events=tuple(request.events),
        order_id=request.order_id,
        asset=request.asset,
        run_id=request.run_id,
        since=parse_time(request.since, "since") if request.since else None,
        until=parse_time(request.until, "until") if request.until else None,
        time_field="bar_time" if request.bar_time else "timestamp",
    )
    stats = ReadStats()
    matched: list[tuple[str, dict[str, object]]] = []
    # A damaged rotated file: show what the others hold, then say which one. The files
    # are read as one snapshot, so a rotation while reading loses and repeats nothing.
    damaged: list[str] = []
    for line, record in read_records(log_files(request.path), stats, damaged):
        if query.matches(record):
            matched.append((line, record))
            if request.limit is not None and len(matched) >= request.limit:
                break
    if request.table:
        for row in format_table(record for _, record in matched):
            print(row)
    else:
        for line, _ in matched:
            print(line)
    if stats.skipped:
        print(f"note: skipped {stats.skipped} line(s) that are not JSON objects", file=sys.stderr)
    if damaged:
        raise DataError(
            f"{len(damaged)} audit log file(s) could not be read to the end: {'; '.join(damaged)}",
            context={"files": damaged},
            hint="the records shown are from the readable part; move damaged files aside",
        )
    return len(matched)


def with_audit_log(path: Path | None, action: Callable[[], T]) -> Callable[[], T]:
    """``action`` with every backtest it runs writing its audit events to ``path``."""
    if path is None:
        return action

    def audited() -> T:
        from rustybt.log import use_audit_log

        with use_audit_log(path):
            return action()

    return audited
