"""Read a time window of a dataset's Parquet file straight into a `BarPanel`.

The file is sorted by (timestamp, symbol) and split into row groups, so a window
read only touches the row groups whose timestamp statistics overlap it. The panel
is built without a pandas pivot: timestamps are already sorted, so their row
codes come from one pass of ``np.diff``; the symbol column is dictionary-encoded,
so column codes come from a lookup table per chunk dictionary.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from rustybt.assets import Asset
from rustybt.data.bars import BAR_FIELDS, BarPanel, FloatArray, Frequency
from rustybt.errors import CatalogError

__all__ = ["read_panel"]

IntArray = npt.NDArray[np.int64]


def _overlapping_groups(
    metadata: pq.FileMetaData, column: int, start: int | None, end: int | None
) -> list[int]:
    """Row groups whose [min, max] timestamp statistics meet [start, end] (ns)."""
    chosen: list[int] = []
    for group in range(metadata.num_row_groups):
        stats = metadata.row_group(group).column(column).statistics
        if stats is None or not stats.has_min_max or stats.min is None or stats.max is None:
            chosen.append(group)
            continue
        low = pd.Timestamp(stats.min).value
        high = pd.Timestamp(stats.max).value
        if (end is None or low <= end) and (start is None or high >= start):
            chosen.append(group)
    return chosen


def _column_codes(
    column: pa.ChunkedArray[pa.Scalar[pa.DataType]], lookup: dict[str, int]
) -> IntArray:
    """Per row: the panel column of its symbol, or -1 when not requested."""
    parts: list[IntArray] = []
    for chunk in column.chunks:
        if not isinstance(chunk, pa.DictionaryArray):
            chunk = chunk.dictionary_encode()
        symbols = [str(s) for s in chunk.dictionary.to_pylist()]
        table = np.array([lookup.get(s, -1) for s in symbols], dtype=np.int64)
        indices = chunk.indices.to_numpy(zero_copy_only=False)
        parts.append(table[indices] if len(table) else np.empty(0, dtype=np.int64))
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def _float_column(table: pa.Table, name: str) -> FloatArray:
    values: FloatArray = table.column(name).combine_chunks().to_numpy(zero_copy_only=False)
    return values.astype(np.float64, copy=False)


def read_panel(
    path: Path,
    *,
    assets: Sequence[Asset],
    frequency: Frequency,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
) -> BarPanel | None:
    """The bars of ``assets`` (in that column order) within [start, end]; None when empty."""
    try:
        parquet = pq.ParquetFile(path, read_dictionary=["symbol"], memory_map=True)
        names = parquet.schema_arrow.names
        start_ns = None if start is None else start.value
        end_ns = None if end is None else end.value
        groups = _overlapping_groups(parquet.metadata, names.index("timestamp"), start_ns, end_ns)
        if not groups:
            return None
        table = parquet.read_row_groups(groups, columns=["timestamp", "symbol", *BAR_FIELDS])
    except (OSError, pa.ArrowException, ValueError) as exc:
        raise CatalogError(
            f"cannot read catalog file {path} ({exc})",
            context={"path": str(path)},
            hint="run Catalog.verify(name) and re-ingest the dataset if it is damaged",
        ) from exc
    stamps: IntArray = (
        table.column("timestamp").combine_chunks().cast(pa.int64()).to_numpy(zero_copy_only=False)
    )
    columns = _column_codes(table.column("symbol"), {a.symbol: i for i, a in enumerate(assets)})
    keep = columns >= 0
    if start_ns is not None:
        keep &= stamps >= start_ns
    if end_ns is not None:
        keep &= stamps <= end_ns
    everything = bool(keep.all())
    if not everything:
        stamps = stamps[keep]
        columns = columns[keep]
    if len(stamps) == 0:
        return None
    # The file is sorted by timestamp, so equal stamps are adjacent.
    new_row = np.empty(len(stamps), dtype=bool)
    new_row[0] = True
    np.not_equal(stamps[1:], stamps[:-1], out=new_row[1:])
    rows = np.cumsum(new_row) - 1
    index = pd.DatetimeIndex(stamps[new_row].astype("datetime64[ns]")).tz_localize("UTC")
    flat = rows * len(assets) + columns
    shape = (len(index), len(assets))
    arrays: dict[str, FloatArray] = {}
    for name in BAR_FIELDS:
        values = _float_column(table, name)
        grid = np.full(shape[0] * shape[1], np.nan)
        grid[flat] = values if everything else values[keep]
        arrays[name] = grid.reshape(shape)
    return BarPanel(index=index, assets=tuple(assets), frequency=frequency, **arrays)
