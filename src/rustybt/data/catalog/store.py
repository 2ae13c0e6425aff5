"""`Catalog`: read datasets back from a catalog directory."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from rustybt.assets import Asset, AssetClass
from rustybt.data.bars import BarPanel, Frequency, to_utc_timestamp
from rustybt.data.catalog.commit import check_files, recover
from rustybt.data.catalog.ingest import IngestReport, ingest
from rustybt.data.catalog.metadata import (
    BARS_FILE,
    QUARANTINE_FILE,
    VALIDATION_FILE,
    DatasetInfo,
    check_name,
    read_metadata,
)
from rustybt.data.catalog.reader import read_panel
from rustybt.data.sources.base import Source
from rustybt.data.validation import ValidationConfig
from rustybt.durable import file_stamp, locked
from rustybt.errors import CatalogError, DataNotFound, UnknownSymbol

__all__ = ["Catalog"]


def _listing(names: Iterable[str], limit: int = 10) -> str:
    items = list(names)
    shown = ", ".join(items[:limit])
    return f"{shown}, ... ({len(items)} in all)" if len(items) > limit else shown or "none"


class Catalog:
    """A local directory of datasets: ``catalog.json`` plus one folder per dataset.

    Example:
        >>> catalog = Catalog("~/.rustybt/catalog")  # doctest: +SKIP
        >>> panel = catalog.load("sp500", start="2015-01-01", symbols=["AAPL"])  # doctest: +SKIP
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        # What a killed ingest left behind is cleaned when the catalog is opened.
        recover(self.path)

    def __repr__(self) -> str:
        return f"Catalog({str(self.path)!r})"

    def datasets(self) -> list[str]:
        """Names of the stored datasets, sorted."""
        return sorted(read_metadata(self.path))

    def info(self, name: str) -> DatasetInfo:
        """The metadata of one dataset; DataNotFound (listing what exists) otherwise."""
        check_name(name)
        datasets = read_metadata(self.path)
        if name not in datasets:
            close = difflib.get_close_matches(name, list(datasets), n=3)
            raise DataNotFound(
                f"no dataset {name!r} in catalog {self.path}",
                context={"name": name, "catalog": str(self.path)},
                hint=(f"did you mean {', '.join(close)}? " if close else "")
                + f"available: {_listing(sorted(datasets))}",
            )
        return datasets[name]

    def ingest(
        self,
        source_or_frame: Source | pd.DataFrame,
        *,
        name: str,
        frequency: Frequency | str | None = None,
        asset_class: AssetClass | str = AssetClass.EQUITY,
        sectors: Mapping[str, str] | None = None,
        description: str | None = None,
        overwrite: bool = False,
        strict: bool = False,
        validation: ValidationConfig | None = None,
        progress: bool | None = None,
    ) -> IngestReport:
        """`rustybt.data.catalog.ingest` into this catalog."""
        return ingest(
            source_or_frame,
            self.path,
            name=name,
            frequency=frequency,
            asset_class=asset_class,
            sectors=sectors,
            description=description,
            overwrite=overwrite,
            strict=strict,
            validation=validation,
            progress=progress,
        )

    def folder(self, name: str) -> Path:
        """The folder holding dataset ``name``'s files (``<name>`` or ``<name>@<n>``)."""
        return self.path / self.info(name).folder

    def assets(self, name: str) -> tuple[Asset, ...]:
        """The dataset's assets, with class and sector."""
        return tuple(asset.to_asset() for asset in self.info(name).assets)

    def load(
        self,
        name: str,
        *,
        start: object | None = None,
        end: object | None = None,
        symbols: Iterable[str | Asset] | None = None,
    ) -> BarPanel:
        """The bars of ``symbols`` (all when None) between ``start`` and ``end`` (inclusive).

        Columns follow the order of ``symbols`` (sorted when None). Dates may be
        strings, dates or timestamps, naive (= UTC) or aware. Only the Parquet row
        groups overlapping the window are read.

        Raises:
            DataNotFound: unknown dataset, or no bars in the window.
            UnknownSymbol: a symbol the dataset does not hold.
        """
        # The shared lock keeps an overwrite from deleting the files while they are read.
        with locked(self.path, shared=True):
            return self._load(name, start=start, end=end, symbols=symbols)

    def _load(
        self,
        name: str,
        *,
        start: object | None,
        end: object | None,
        symbols: Iterable[str | Asset] | None,
    ) -> BarPanel:
        info = self.info(name)
        by_symbol = {asset.symbol: asset for asset in info.assets}
        if symbols is None:
            chosen = [asset.to_asset() for asset in info.assets]
        else:
            wanted = list(
                dict.fromkeys(s.symbol if isinstance(s, Asset) else str(s) for s in symbols)
            )
            unknown = [s for s in wanted if s not in by_symbol]
            if unknown:
                close = difflib.get_close_matches(unknown[0], list(by_symbol), n=3)
                raise UnknownSymbol(
                    f"dataset {name!r} has no symbol(s) {', '.join(unknown)}",
                    context={"dataset": name, "symbols": unknown},
                    hint=(f"did you mean {', '.join(close)}? " if close else "")
                    + f"available: {_listing(sorted(by_symbol))}",
                )
            if not wanted:
                raise DataNotFound("no symbols requested", context={"dataset": name})
            chosen = [by_symbol[s].to_asset() for s in wanted]
        lo = None if start is None else to_utc_timestamp(start)
        hi = None if end is None else to_utc_timestamp(end)
        check_files(self.path, info)  # sizes and the footer's hash: cheap, every load
        path = self.path / info.folder / BARS_FILE
        panel = read_panel(path, assets=chosen, frequency=info.frequency, start=lo, end=hi)
        if panel is None:
            raise DataNotFound(
                f"dataset {name!r} holds no bars for these symbols in the window",
                context={"dataset": name, "start": start, "end": end},
                hint=f"the dataset covers {info.start} to {info.end}",
            )
        return panel

    def verify(self, name: str) -> DatasetInfo:
        """Recompute every file's size and sha256 and compare with the metadata.

        Raises:
            CatalogError: a file is missing or its size or checksum differs.
        """
        with locked(self.path, shared=True):
            info = self.info(name)
            for file_name, expected in info.files.items():
                path = self.path / info.folder / file_name
                if not path.is_file():
                    raise CatalogError(
                        f"dataset {name!r}: file {file_name} is missing",
                        context={"dataset": name, "path": str(path)},
                        hint="re-ingest the dataset",
                    )
                size, actual = file_stamp(path)
                if actual != expected or size != info.sizes.get(file_name, size):
                    raise CatalogError(
                        f"dataset {name!r}: checksum mismatch for {file_name}",
                        context={
                            "dataset": name,
                            "path": str(path),
                            "expected": expected,
                            "actual": actual,
                        },
                        hint="the file changed after ingestion; re-ingest the dataset",
                    )
            return info

    def quarantine(self, name: str) -> pd.DataFrame:
        """The rows rejected at ingestion, with ``row``, ``line`` and ``reason`` (may be empty)."""
        with locked(self.path, shared=True):
            path = self.folder(name) / QUARANTINE_FILE
            if not path.is_file():
                return pd.DataFrame(columns=["row", "timestamp", "symbol", "reason"])
            return pd.read_parquet(path)

    def validation_report(self, name: str) -> dict[str, object]:
        """The JSON validation report written at ingestion (counts per rule and
        severity with examples, calendar gaps; see docs/validation.md)."""
        with locked(self.path, shared=True):
            path = self.folder(name) / VALIDATION_FILE
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise CatalogError(
                    f"validation report {path} is unreadable ({exc})", context={"path": str(path)}
                ) from exc
        try:
            data = json.loads(text)
        except (OSError, json.JSONDecodeError) as exc:
            raise CatalogError(
                f"validation report {path} is unreadable ({exc})", context={"path": str(path)}
            ) from exc
        if not isinstance(data, dict):
            raise CatalogError(
                f"validation report {path} is not an object", context={"path": str(path)}
            )
        return data
