"""What ``rustybt run --benchmark`` names: a symbol of the run's data, a symbol of
another catalog dataset (``DATASET:SYMBOL``, e.g. ``gspc:GSPC`` for the S&P 500
stocks), or a returns file (CSV or Parquet: a date column, then daily returns)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from rustybt.errors import ConfigError, DataNotFound, SchemaError
from rustybt.security import check_symbol

__all__ = ["benchmark_from_catalog", "benchmark_from_file", "is_returns_file"]

_SUFFIXES = (".csv", ".parquet", ".pq")


def is_returns_file(text: str) -> bool:
    """True when ``--benchmark`` names a file rather than a symbol."""
    return text.lower().endswith(_SUFFIXES) or Path(text).is_file()


def benchmark_from_catalog(catalog_dir: Path, spec: str) -> pd.Series:
    """Daily close-to-close returns of ``SYMBOL`` in catalog dataset ``DATASET``.

    Minute data is reduced to each UTC session's last close first.
    """
    from rustybt.data.catalog import Catalog

    dataset, _, symbol = spec.partition(":")
    if not dataset or not symbol:
        raise ConfigError(
            f"--benchmark {spec!r}: write DATASET:SYMBOL", hint="e.g. --benchmark gspc:GSPC"
        )
    panel = Catalog(catalog_dir.expanduser()).load(dataset, symbols=[check_symbol(symbol)])
    closes = pd.Series(panel.close[:, 0], index=panel.index).dropna()
    daily = closes.groupby(pd.DatetimeIndex(closes.index).normalize()).last()
    returns = daily.pct_change()
    return returns.rename(f"{dataset}:{symbol}")


def benchmark_from_file(path_text: str) -> pd.Series:
    """Returns read from a file: first column dates (ISO, year first), second the
    return of each date as a fraction (0.01 = 1%)."""
    path = Path(path_text).expanduser()
    if not path.is_file():
        raise DataNotFound(f"benchmark returns file not found: {path}", context={"path": str(path)})
    try:
        frame = (
            pd.read_parquet(path)
            if path.suffix.lower() in (".parquet", ".pq")
            else pd.read_csv(path)
        )
    except (OSError, ValueError) as exc:
        raise SchemaError(f"{path}: cannot read the benchmark returns ({exc})") from exc
    if frame.shape[1] < 2:
        raise SchemaError(
            f"{path}: a returns file needs two columns (date, return); found "
            f"{', '.join(map(str, frame.columns)) or 'none'}",
            hint="write a header line such as 'date,return', then one line per session",
        )
    try:
        dates = pd.to_datetime(frame.iloc[:, 0].astype(str), format="ISO8601", utc=True)
    except (ValueError, TypeError) as exc:
        raise SchemaError(
            f"{path}: the first column must hold year-first dates (2016-01-04)"
        ) from exc
    values = pd.to_numeric(frame.iloc[:, 1], errors="coerce")
    bad = values.isna() & frame.iloc[:, 1].notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise SchemaError(
            f"{path}: line {row + 2}: {frame.iloc[row, 1]!r} is not a number",
            hint="the second column holds each session's return as a fraction (0.01 = 1%)",
        )
    return pd.Series(values.to_numpy(dtype=float), index=pd.DatetimeIndex(dates), name=path.stem)
