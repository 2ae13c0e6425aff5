"""The local catalog: validated bars in Parquet, described by ``catalog.json``.

Layout of a catalog directory::

    catalog.json              every dataset's metadata (written atomically)
    <name>/bars.parquet       clean bars, sorted by (timestamp, symbol)
    <name>/quarantine.parquet rejected rows with reasons (only when some were)
    <name>/validation.json    the four-layer validation report

See docs/data.md for why one file per dataset (not one per symbol).
"""

from __future__ import annotations

from rustybt.data.catalog.ingest import ROW_GROUP_SIZE, IngestReport, ingest
from rustybt.data.catalog.metadata import AssetInfo, DatasetInfo, check_name
from rustybt.data.catalog.store import Catalog

__all__ = [
    "ROW_GROUP_SIZE",
    "AssetInfo",
    "Catalog",
    "DatasetInfo",
    "IngestReport",
    "check_name",
    "ingest",
]
