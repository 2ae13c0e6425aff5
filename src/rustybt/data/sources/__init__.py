"""Bar sources: each reads one file format into the canonical long frame.

See docs/data.md. Every source returns the columns `rustybt.data.bars.BAR_COLUMNS`
sorted by timestamp then symbol, keeps every input row (bad values are left for
`rustybt.data.structural` to reject with reasons) and reports unreadable input as
a `SchemaError` naming file, line and column.

The file readers need polars (~0.2 s to import), so they are loaded on first use:
``import rustybt.data.catalog`` (which only needs the `Source` protocol) stays light
for a backtest that just loads a stored dataset.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from rustybt.data.sources.base import Source
from rustybt.data.sources.mapping import ColumnMap

if TYPE_CHECKING:
    from rustybt.data.sources._frame import LINE_COLUMN
    from rustybt.data.sources.csv import CSVSource
    from rustybt.data.sources.parquet import ParquetSource
    from rustybt.data.sources.presets import (
        ALL_STOCKS_5YR,
        PRESETS,
        binance_klines,
        kaggle_all_stocks,
        ninjatrader_minute,
        preset,
        yahoo_daily,
    )

__all__ = [
    "ALL_STOCKS_5YR",
    "LINE_COLUMN",
    "PRESETS",
    "CSVSource",
    "ColumnMap",
    "ParquetSource",
    "Source",
    "binance_klines",
    "kaggle_all_stocks",
    "ninjatrader_minute",
    "preset",
    "yahoo_daily",
]

_LAZY = {
    "LINE_COLUMN": "_frame",
    "CSVSource": "csv",
    "ParquetSource": "parquet",
    "ALL_STOCKS_5YR": "presets",
    "PRESETS": "presets",
    "binance_klines": "presets",
    "kaggle_all_stocks": "presets",
    "ninjatrader_minute": "presets",
    "preset": "presets",
    "yahoo_daily": "presets",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
