"""Four-layer validation speed on the real 505-ticker file (target: under 10 s).

Run: ``.venv/bin/python benchmarks/validation_speed.py [path/to/shared/data]``.
Prints the read time, the validation time (all four layers, best of 3) and what
was found; exits 1 when validation takes 10 s or more.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from rustybt.data.sources import kaggle_all_stocks
from rustybt.data.validation import validate

TARGET_SECONDS = 10.0
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def main(data: Path) -> int:
    started = time.perf_counter()
    frame = kaggle_all_stocks(data / "all_stocks_5yr.csv.gz").read(line_numbers=True)
    read = time.perf_counter() - started
    timings = []
    report = None
    for _ in range(3):
        started = time.perf_counter()
        report = validate(frame, source="all_stocks_5yr", frequency="daily")
        timings.append(time.perf_counter() - started)
    assert report is not None
    best = min(timings)
    print(f"rows: {len(frame):,}  tickers: {frame['symbol'].nunique()}")
    print(f"read: {read:.2f} s")
    print(f"validate (4 layers): best {best:.2f} s, runs {', '.join(f'{t:.2f}' for t in timings)}")
    print(report.summary())
    ok = best < TARGET_SECONDS
    print(f"target < {TARGET_SECONDS:.0f} s: {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DATA))
