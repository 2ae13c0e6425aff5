"""Catalog metadata: the JSON file describing every dataset, read and written atomically."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from rustybt.assets import Asset, AssetClass
from rustybt.data.bars import Frequency
from rustybt.durable import atomic_write_bytes
from rustybt.errors import CatalogError, ConfigError
from rustybt.summary import clip_names, summary_html, summary_text

__all__ = [
    "BARS_FILE",
    "METADATA_FILE",
    "QUARANTINE_FILE",
    "VALIDATION_FILE",
    "AssetInfo",
    "DatasetInfo",
    "atomic_write_bytes",
    "check_name",
    "read_metadata",
    "sha256_file",
    "write_metadata",
]

METADATA_FILE = "catalog.json"
BARS_FILE = "bars.parquet"
QUARANTINE_FILE = "quarantine.parquet"
VALIDATION_FILE = "validation.json"
FORMAT_VERSION = 1

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}")


def check_name(name: str) -> str:
    """The dataset name, or ConfigError when it could escape the catalog directory.

    Allowed: letters, digits, ``_``, ``-`` and ``.``, starting with a letter or digit,
    at most 128 characters, and no ``..`` anywhere.
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name) or ".." in name:
        raise ConfigError(
            f"invalid dataset name {name!r}",
            context={"name": name},
            hint="use letters, digits, '_', '-' and '.', e.g. 'sp500_daily' (no '/', no '..')",
        )
    return name


@dataclass(frozen=True)
class AssetInfo:
    symbol: str
    asset_class: AssetClass
    sector: str | None = None

    def to_asset(self) -> Asset:
        if self.asset_class is AssetClass.CRYPTO:
            return Asset.crypto(self.symbol, sector=self.sector)
        return Asset(self.symbol, self.asset_class, sector=self.sector)

    def to_dict(self) -> dict[str, object]:
        return {"symbol": self.symbol, "asset_class": self.asset_class.value, "sector": self.sector}


def _shown(stamp: str, daily: bool) -> str:
    """An ISO timestamp as a person reads it: the date alone for daily data."""
    return stamp[:10] if daily else stamp.replace("T", " ")


@dataclass(frozen=True)
class DatasetInfo:
    """Everything the catalog knows about one dataset (one entry of catalog.json).

    Attributes:
        rows: counts ``in`` (read from the source), ``clean`` (stored) and
            ``rejected`` (quarantined).
        files: file name (relative to the dataset folder) -> sha256 hex digest.
        sizes: file name -> size in bytes (checked on every load; empty for
            datasets ingested before rustybt recorded them).
        folder: the dataset's folder in the catalog: ``<name>``, or ``<name>@<n>``
            after an overwrite (the new files go beside the old, see commit.py).
    """

    name: str
    frequency: Frequency
    source: str
    assets: tuple[AssetInfo, ...]
    start: str
    end: str
    rows: dict[str, int]
    files: dict[str, str]
    created: str
    rustybt_version: str
    extra: dict[str, object] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    folder: str = ""

    def __post_init__(self) -> None:
        if not self.folder:
            object.__setattr__(self, "folder", self.name)

    def with_folder(self, folder: str) -> DatasetInfo:
        return replace(self, folder=folder)

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(asset.symbol for asset in self.assets)

    def _summary(self) -> dict[str, str]:
        # A summary, never every asset: a catalog dataset can hold thousands.
        daily = self.frequency is Frequency.DAILY
        rows = {
            "frequency": str(self.frequency),
            "source": self.source,
            "period": f"{_shown(self.start, daily)} to {_shown(self.end, daily)}",
            "assets": f"{len(self.assets):,}: {clip_names(self.symbols)}",
            "rows": ", ".join(f"{key} {value:,}" for key, value in self.rows.items()) or "-",
            "size on disk": f"{sum(self.sizes.values()) / 1e6:,.1f} MB" if self.sizes else "-",
            "created": self.created[:19].replace("T", " "),
        }
        sectors = {asset.sector for asset in self.assets if asset.sector}
        if sectors:
            rows["sectors"] = f"{len(sectors):,}: {clip_names(sorted(sectors))}"
        return rows

    def __repr__(self) -> str:
        return summary_text(f"DatasetInfo[{self.name}]", self._summary())

    def _repr_html_(self) -> str:
        return summary_html(f"Dataset {self.name}", self._summary())

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "frequency": self.frequency.value,
            "source": self.source,
            "assets": [asset.to_dict() for asset in self.assets],
            "start": self.start,
            "end": self.end,
            "rows": dict(self.rows),
            "files": dict(self.files),
            "created": self.created,
            "rustybt_version": self.rustybt_version,
            "extra": dict(self.extra),
            "sizes": dict(self.sizes),
            "folder": self.folder,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> DatasetInfo:
        try:
            assets = tuple(
                AssetInfo(
                    symbol=str(item["symbol"]),
                    asset_class=AssetClass(str(item["asset_class"])),
                    sector=None if item.get("sector") is None else str(item["sector"]),
                )
                for item in _list_of_dicts(data["assets"])
            )
            rows = {str(k): int(v) for k, v in _dict(data["rows"]).items()}  # type: ignore[call-overload]  # JSON ints
            return cls(
                name=str(data["name"]),
                frequency=Frequency(str(data["frequency"])),
                source=str(data["source"]),
                assets=assets,
                start=str(data["start"]),
                end=str(data["end"]),
                rows=rows,
                files={str(k): str(v) for k, v in _dict(data["files"]).items()},
                created=str(data["created"]),
                rustybt_version=str(data["rustybt_version"]),
                extra=_dict(data.get("extra", {})),
                sizes={str(k): int(v) for k, v in _dict(data.get("sizes", {})).items()},  # type: ignore[call-overload]  # JSON ints
                folder=_folder(str(data.get("folder") or data["name"]), str(data["name"])),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CatalogError(
                f"catalog metadata entry is malformed ({exc})",
                context={"entry": str(data.get("name", "?"))},
                hint="re-ingest the dataset",
            ) from exc


def _folder(folder: str, name: str) -> str:
    """The entry's folder, refused unless it is ``name`` or ``name@<n>`` (no escaping)."""
    if folder != name and not re.fullmatch(re.escape(name) + r"@\d+", folder):
        raise ValueError(f"folder {folder!r} does not belong to dataset {name!r}")
    return folder


def _dict(value: object) -> dict[str, object]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return {str(k): v for k, v in value.items()}


def _list_of_dicts(value: object) -> list[dict[str, object]]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return [_dict(item) for item in value]


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_metadata(root: Path) -> dict[str, DatasetInfo]:
    """All dataset entries of the catalog at ``root`` (empty when there is no file yet)."""
    path = root / METADATA_FILE
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CatalogError(
            f"catalog metadata {path} is unreadable ({exc})",
            context={"path": str(path)},
            hint="restore it from a backup or re-ingest the datasets",
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("datasets"), dict):
        raise CatalogError(
            f"catalog metadata {path} has no 'datasets' object", context={"path": str(path)}
        )
    return {str(name): DatasetInfo.from_dict(entry) for name, entry in data["datasets"].items()}


def write_metadata(root: Path, datasets: dict[str, DatasetInfo]) -> None:
    """Replace catalog.json atomically with these entries."""
    payload = {
        "format_version": FORMAT_VERSION,
        "datasets": {name: info.to_dict() for name, info in sorted(datasets.items())},
    }
    atomic_write_bytes(root / METADATA_FILE, json.dumps(payload, indent=2).encode("utf-8"))
