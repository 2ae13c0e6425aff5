"""How long `AuditLog.close()` waits after a burst of rollovers (issue 16).

A tiny ``max_bytes`` makes every few lines a rotated file to gzip; close waits for
the compressor. Run: ``python benchmarks/audit_close.py [lines] [repeats] [backup_count] [gzip|plain]``;
prints the median write and close times in seconds.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rustybt.audit import AuditLog


def one(lines: int, backups: int, compress: bool) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as folder:
        log = AuditLog.open(
            Path(folder) / "audit.jsonl",
            max_bytes=400,
            when=None,
            backup_count=backups,
            compress=compress,
        )
        began = time.perf_counter()
        for seq in range(lines):
            log.write_line("info", json.dumps({"event": "bench.line", "seq": seq}))
        written = time.perf_counter()
        log.close()
        closed = time.perf_counter()
        kept = len(list(Path(folder).iterdir()))
    return written - began, closed - written, kept


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    backups = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    compress = (sys.argv[4] if len(sys.argv) > 4 else "gzip") != "plain"
    runs = [one(lines, backups, compress) for _ in range(repeats)]
    print(
        f"lines={lines} write_s={statistics.median(r[0] for r in runs):.3f} "
        f"close_s={statistics.median(r[1] for r in runs):.3f} files_kept={runs[0][2]}"
    )


if __name__ == "__main__":
    main()
