"""`ingest`: validate bars and store them in a catalog, quarantining rejected rows."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import rustybt
from rustybt.assets import AssetClass
from rustybt.crashpoint import crash_point
from rustybt.data.bars import BAR_COLUMNS, Frequency
from rustybt.data.catalog.commit import commit, footer_sha256, recover
from rustybt.data.catalog.metadata import (
    BARS_FILE,
    QUARANTINE_FILE,
    VALIDATION_FILE,
    AssetInfo,
    DatasetInfo,
    check_name,
    read_metadata,
)
from rustybt.data.sources.base import Source
from rustybt.data.validation import ValidationConfig, validate
from rustybt.data.validation import ValidationReport as StructuralReport
from rustybt.durable import file_stamp, fsync_tree, hold_folder, locked, remove_tree
from rustybt.errors import CatalogError, ConfigError, SchemaError, ValidationError, clip_text
from rustybt.interface import hint_for
from rustybt.progress import StepProgress
from rustybt.security.sanitise import is_valid_symbol

__all__ = ["ROW_GROUP_SIZE", "IngestReport", "ingest"]

#: Rows per Parquet row group. Small enough that a short window skips most of a
#: long file by its timestamp statistics, large enough that a full read is a few
#: big sequential reads (500 assets x 2,520 days = 1.26M rows = 20 groups).
ROW_GROUP_SIZE = 1 << 16


@dataclass(frozen=True)
class IngestReport:
    """What `ingest` did.

    Attributes:
        path: the dataset's folder inside the catalog.
        info: the metadata entry written to catalog.json.
        structural: the four-layer `ValidationReport` (clean and rejected frames,
            per-rule counts, calendar gaps); also available as ``validation``.
        quarantine_path: the Parquet file of rejected rows, None when none were.
        validation_path: the JSON validation report.
    """

    name: str
    path: Path
    info: DatasetInfo
    structural: StructuralReport
    quarantine_path: Path | None
    validation_path: Path

    @property
    def validation(self) -> StructuralReport:
        """The validation report (the same object as ``structural``)."""
        return self.structural

    @property
    def rows_in(self) -> int:
        return self.structural.rows_in

    @property
    def rows_clean(self) -> int:
        return self.structural.rows_clean

    @property
    def rows_rejected(self) -> int:
        return self.structural.rows_rejected

    def summary(self) -> str:
        """Human lines for the CLI: where it went and what was rejected."""
        lines = [
            f"ingested {self.name!r} into {self.path}",
            self.structural.summary(),
        ]
        if self.quarantine_path is not None:
            lines.append(f"rejected rows with reasons: {self.quarantine_path}")
        lines.append(f"validation report: {self.validation_path}")
        return "\n".join(lines)


def _bars_table(clean: pd.DataFrame) -> pa.Table:
    table = pa.Table.from_pandas(clean[list(BAR_COLUMNS)], preserve_index=False)
    position = table.schema.get_field_index("symbol")
    # Dictionary-encoded symbols: small on disk, and the reader maps codes, not strings.
    return table.set_column(
        position, "symbol", table.column("symbol").cast(pa.string()).dictionary_encode()
    )


def _write_files(report: StructuralReport, folder: Path) -> None:
    pq.write_table(
        _bars_table(report.clean),
        folder / BARS_FILE,
        row_group_size=ROW_GROUP_SIZE,
        compression="lz4",
        write_statistics=True,
    )
    if report.rows_rejected:
        rejected = report.rejected.copy()
        rejected["symbol"] = rejected["symbol"].astype("string")
        pq.write_table(
            pa.Table.from_pandas(rejected, preserve_index=False), folder / QUARANTINE_FILE
        )
    payload = {"created": datetime.now(UTC).isoformat(), **report.to_dict()}
    (folder / VALIDATION_FILE).write_text(json.dumps(payload, indent=2), encoding="utf-8")


def _frequency(value: Frequency | str) -> Frequency:
    try:
        return Frequency(value)
    except ValueError:
        raise ConfigError(
            f"unknown frequency {clip_text(repr(value))}",
            context={"frequency": clip_text(str(value))},
            hint=f"use one of: {', '.join(f.value for f in Frequency)}",
        ) from None


def _asset_class(value: AssetClass | str) -> AssetClass:
    try:
        return AssetClass(value)
    except ValueError:
        raise ConfigError(
            f"unknown asset class {clip_text(repr(value))}",
            context={"asset_class": clip_text(str(value))},
            hint=f"use one of: {', '.join(c.value for c in AssetClass)}",
        ) from None


def _check_symbols(symbols: pd.Series) -> None:
    """SchemaError naming the first row whose symbol the sanitiser refuses."""
    for symbol in pd.unique(symbols.dropna()):
        if symbol != "" and not is_valid_symbol(symbol):
            row = int(np.flatnonzero((symbols == symbol).to_numpy())[0])
            raise SchemaError(
                f"row {row}: {clip_text(repr(symbol))} is not a valid symbol",
                context={"row": row, "symbol": clip_text(repr(symbol))},
                hint="symbols use 1-32 letters, digits and . _ ^ / - (e.g. AAPL, BRK.B, ^GSPC)",
            )


def _check_catalog_dir(root: Path, name: str) -> None:
    """CatalogError when the catalog path is a file or the dataset folder a link.

    A dataset replaced through a symbolic link would delete or overwrite whatever
    the link points at, possibly outside the catalog.
    """
    for parent in (root, *root.parents):
        if parent.exists():
            if not parent.is_dir():
                raise CatalogError(
                    f"catalog {root}: {parent} is a file, not a folder",
                    context={"catalog": str(root)},
                    hint="point --catalog (or RUSTYBT_CATALOG) at a folder",
                )
            break
    target = root / name
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise CatalogError(
            f"dataset folder {target} is a symbolic link or a file, not a folder; "
            "refusing to replace it",
            context={"catalog": str(root), "name": name},
            hint="remove or rename it by hand, then ingest again",
        )


def _resolve_input(
    source_or_frame: Source | pd.DataFrame,
    frequency: Frequency | str | None,
    description: str | None,
) -> tuple[pd.DataFrame, Frequency, str]:
    if isinstance(source_or_frame, pd.DataFrame):
        if frequency is None:
            raise ConfigError(
                "ingesting a DataFrame needs frequency='daily' or 'minute'",
                hint="pass frequency=...",
            )
        frame = source_or_frame
        if "symbol" in frame.columns:
            _check_symbols(frame["symbol"])
        return frame, _frequency(frequency), description or "pandas DataFrame"
    if not isinstance(source_or_frame, Source):
        raise ConfigError(
            f"cannot ingest a {type(source_or_frame).__name__}",
            hint="pass a source (CSVSource, ParquetSource, ...) or a long bar DataFrame",
        )
    if frequency is not None and _frequency(frequency) != source_or_frame.frequency:
        raise ConfigError(
            f"frequency {_frequency(frequency).value!r} differs from the source's "
            f"{source_or_frame.frequency.value!r}",
            hint="drop the frequency argument or fix the source's frequency",
        )
    frame = source_or_frame.read(line_numbers=True)
    return frame, source_or_frame.frequency, description or source_or_frame.description


def ingest(
    source_or_frame: Source | pd.DataFrame,
    catalog_dir: str | Path,
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
    """Validate bars and store them as dataset ``name`` in the catalog at ``catalog_dir``.

    Runs the four validation layers (`rustybt.data.validation.validate`, with the
    thresholds of ``asset_class``); writes the clean rows to ``<name>/bars.parquet``, the
    rejected rows with their reasons to ``<name>/quarantine.parquet``, the report to
    ``<name>/validation.json``, then records the dataset (with sha256 checksums) in
    ``catalog.json``. Files are staged in a temporary folder, fsynced, and made current
    by one atomic replace of ``catalog.json`` under the catalog's lock, so a crash
    leaves the previous state intact and concurrent ingests never lose each other's
    entries (see `rustybt.data.catalog.commit`).

    Args:
        source_or_frame: a `Source` (read with line numbers) or a long bar frame.
        frequency: required for a frame; for a source it must match if given.
        asset_class: class of every symbol in the dataset.
        sectors: symbol -> sector, where known.
        description: how the data was obtained (defaults to the source's).
        overwrite: replace an existing dataset of the same name.
        strict: raise on any rejected row instead of quarantining it.
        validation: validation thresholds (default: `ValidationConfig()`).
        progress: a tqdm bar over the ingest's steps (read, validate, write,
            checksum, commit), naming the step running; it does not count rows.
            None shows it on a terminal or as a Jupyter widget (after 0.5 s),
            never in pipes or CI logs; False turns it off.

    Raises:
        ConfigError: bad name or arguments. CatalogError: the name exists.
        ValidationError: strict and rows broke rules, or no row was clean.
    """
    check_name(name)
    root = Path(catalog_dir).expanduser()
    _check_catalog_dir(root, name)
    root.mkdir(parents=True, exist_ok=True)
    recover(root)
    # Checked again under the catalog's lock at the commit; this early look saves the work.
    if name in read_metadata(root) and not overwrite:
        raise CatalogError(
            f"dataset {name!r} already exists in {root}",
            context={"name": name, "catalog": str(root)},
            hint=hint_for(
                python="pass overwrite=True to replace it, or choose another name",
                cli="pass --overwrite to replace it, or choose another --name",
            ),
        )
    asset_class = _asset_class(asset_class)
    steps = StepProgress(progress, _STEPS, desc=f"ingest {name}")
    finished = False
    try:
        report = _ingest(
            root,
            name,
            source_or_frame,
            frequency,
            asset_class,
            sectors,
            description,
            overwrite,
            strict,
            validation,
            steps,
        )
        finished = True
    finally:
        steps.close(finished)
    return report


_STEPS = ("read", "validate", "write", "checksum", "commit")


def _ingest(
    root: Path,
    name: str,
    source_or_frame: Source | pd.DataFrame,
    frequency: Frequency | str | None,
    asset_class: AssetClass,
    sectors: Mapping[str, str] | None,
    description: str | None,
    overwrite: bool,
    strict: bool,
    validation: ValidationConfig | None,
    steps: StepProgress,
) -> IngestReport:
    steps.step("read")
    frame, freq, source = _resolve_input(source_or_frame, frequency, description)
    steps.step("validate")
    report = validate(
        frame,
        source=source,
        frequency=freq,
        asset_class=asset_class,
        config=validation,
        strict=strict,
    )
    if report.rows_clean == 0:
        raise ValidationError(
            f"{source}: no clean rows to store ({report.rows_rejected} rejected)",
            context={"source": source, "rows_in": report.rows_in},
            hint=report.summary(),
        )
    clean = report.clean
    sectors = sectors or {}
    symbols = sorted(pd.unique(clean["symbol"]).tolist())
    # Created and locked under the catalog's lock: recovery (which deletes unlocked
    # staging folders under that lock) never sees it in between.
    with locked(root):
        staging = Path(tempfile.mkdtemp(dir=root, prefix=f".staging-{name}-"))
        handle = hold_folder(staging)  # marks it live: recovery leaves it alone
    try:
        # mkdtemp makes the folder private (0700); a catalog folder is a normal one.
        staging.chmod(0o755)
        steps.step("write")
        _write_files(report, staging)
        steps.step("checksum")
        stamps = {path.name: file_stamp(path) for path in sorted(staging.iterdir())}
        fsync_tree(staging)
        crash_point("catalog.ingest.staged")
        info = DatasetInfo(
            name=name,
            frequency=freq,
            source=source,
            assets=tuple(AssetInfo(s, asset_class, sectors.get(s)) for s in symbols),
            start=clean["timestamp"].iloc[0].isoformat(),
            end=clean["timestamp"].iloc[-1].isoformat(),
            rows={
                "in": report.rows_in,
                "clean": report.rows_clean,
                "rejected": report.rows_rejected,
            },
            files={file: digest for file, (_, digest) in stamps.items()},
            sizes={file: size for file, (size, _) in stamps.items()},
            created=datetime.now(UTC).isoformat(),
            rustybt_version=rustybt.__version__,
            extra={"footer_sha256": footer_sha256(staging / BARS_FILE)},
        )
        steps.step("commit")
        info = commit(root, staging, info, overwrite=overwrite)
    except BaseException:
        remove_tree(staging)
        raise
    finally:
        os.close(handle)
    target = root / info.folder
    return IngestReport(
        name=name,
        path=target,
        info=info,
        structural=report,
        quarantine_path=target / QUARANTINE_FILE if report.rows_rejected else None,
        validation_path=target / VALIDATION_FILE,
    )
