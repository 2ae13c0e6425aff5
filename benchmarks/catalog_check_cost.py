"""What verification costs on a catalog load: the 505 x 2,520 daily catalog (issue 16).

Prints the median seconds of a full `Catalog.load`, of the cheap check every load
does (`check_files`: sizes + footer sha256) and of a full sha256 (`catalog verify`).
Run: ``python benchmarks/catalog_check_cost.py``.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from rustybt.data.bars import BAR_COLUMNS
from rustybt.data.catalog import Catalog, ingest
from rustybt.data.catalog.commit import check_files


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    days = pd.date_range("2010-01-01", periods=2520, freq="D", tz="UTC")
    symbols = np.array([f"S{i:03d}" for i in range(505)], dtype=object)
    close = np.round(
        100 * np.exp(np.cumsum(rng.normal(0, 0.01, (len(days), len(symbols))), axis=0)), 2
    )
    return pd.DataFrame(
        {
            "timestamp": np.repeat(days, len(symbols)),
            "symbol": np.tile(symbols, len(days)),
            "open": close.ravel(),
            "high": close.ravel() * 1.01,
            "low": close.ravel() * 0.99,
            "close": close.ravel(),
            "volume": np.round(rng.uniform(1e5, 1e7, close.size)),
        },
        columns=list(BAR_COLUMNS),
    )


def _median(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        ingest(_frame(), folder, name="big", frequency="daily")
        catalog = Catalog(folder)
        info = catalog.info("big")
        print(f"bars.parquet {info.sizes['bars.parquet']:,} bytes")
        print(f"load          {_median(lambda: catalog.load('big'), 15):.4f} s")
        print(f"check (every load) {_median(lambda: check_files(Path(folder), info), 50):.6f} s")
        print(f"verify (full sha256) {_median(lambda: catalog.verify('big'), 5):.4f} s")


if __name__ == "__main__":
    main()
