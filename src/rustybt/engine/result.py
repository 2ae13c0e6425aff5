"""`BacktestResult`: the one contract every analysis, report and notebook reads.

Saved as a directory: one Parquet file per table plus ``metadata.json``, which
records every file's size and sha256 (`rustybt.engine.result_folder` writes the
folder crash-safely and verifies it on load). Decimal columns are written as their exact string form and listed in the metadata, so
``load(save(r))`` gives back the same Decimals, digit for digit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from rustybt.data.bars import BarPanel, Frequency
from rustybt.durable import locked
from rustybt.engine.result_folder import (
    METADATA_FILE,
    read_manifest,
    recover,
    verify_files,
    write_folder,
)
from rustybt.errors import CatalogError, DataNotFound
from rustybt.money import to_decimal

if TYPE_CHECKING:
    import polars as pl

__all__ = ["BacktestResult"]

TABLES = ("perf", "transactions", "orders", "positions", "decisions")
# 2: metadata.json records every file's size and sha256 (checked by load).
FORMAT_VERSION = 2


def _decimal_columns(frame: pd.DataFrame) -> list[str]:
    found = []
    for name in frame.columns:
        column = frame[name]
        if column.dtype == object:
            sample = column.dropna()
            if len(sample) and isinstance(sample.iloc[0], Decimal):
                found.append(str(name))
    return found


def _decimal_scale(values: list[Decimal | None]) -> int | None:
    """The scale that holds every value exactly in 38 digits, or None if none does."""
    scale, integer_digits = 0, 1
    for value in values:
        if value is None:
            continue
        _sign, digits, exponent = value.as_tuple()
        if not isinstance(exponent, int):
            return None  # NaN or infinity
        scale = max(scale, -exponent)
        integer_digits = max(integer_digits, len(digits) + exponent)
    return scale if scale + integer_digits <= 38 else None


def _to_strings(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for name in columns:
        out[name] = [None if v is None or v is pd.NA else str(v) for v in out[name]]
    return out


def _from_strings(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    for name in columns:
        try:
            frame[name] = pd.Series(
                [None if v is None else Decimal(v) for v in frame[name]],
                index=frame.index,
                dtype=object,
            )
        except InvalidOperation as exc:
            raise CatalogError(
                f"saved result column {name!r} holds a value that is not a decimal",
                context={"column": name},
            ) from exc
    return frame


@dataclass
class BacktestResult:
    """Everything a backtest produced.

    Attributes:
        perf: one row per session: portfolio_value, cash, positions_value, returns,
            pnl, gross/net leverage, long/short exposure, commission, slippage,
            fills, benchmark_returns (when set) and the strategy's recorded values.
        transactions: one row per fill: timestamp, symbol, signed quantity, price,
            commission, slippage (cost in currency), order_id, reference_price,
            decision_price, bar. Money columns hold exact Decimals.
        orders: every order and its life: created, type, limits, status, filled,
            average price, commission, closed time, reject/cancel reason.
        positions: per session and asset held: quantity, last price, market value,
            cost basis, unrealized PnL.
        metadata: strategy, parameters, dates, capital, data source, models,
            versions and the ledger's exact totals (as strings).
        decisions: what the strategy logged with ``context.log_decision``.
        bars: the traded assets' bars over the run (for MAE/MFE and fill quality).
    """

    perf: pd.DataFrame
    transactions: pd.DataFrame
    orders: pd.DataFrame
    positions: pd.DataFrame
    metadata: dict[str, object]
    decisions: pd.DataFrame = field(default_factory=pd.DataFrame)
    bars: BarPanel | None = None
    _trades: pd.DataFrame | None = field(default=None, repr=False)

    # -- convenience -----------------------------------------------------------------
    @property
    def returns(self) -> pd.Series:
        return self.perf["returns"]

    @property
    def benchmark_returns(self) -> pd.Series | None:
        if "benchmark_returns" not in self.perf.columns:
            return None
        return self.perf["benchmark_returns"]

    @property
    def ledger(self) -> dict[str, Decimal]:
        """The ledger's exact totals: cash, realized/unrealized PnL, commissions, equity."""
        raw = self.metadata.get("ledger", {})
        assert isinstance(raw, dict)
        return {k: Decimal(v) for k, v in raw.items() if isinstance(v, str)}

    @property
    def final_equity(self) -> Decimal:
        return self.ledger["equity"]

    @property
    def marks(self) -> dict[str, Decimal]:
        raw = self.metadata.get("ledger", {})
        assert isinstance(raw, dict)
        marks = raw.get("marks", {})
        assert isinstance(marks, dict)
        return {str(k): Decimal(str(v)) for k, v in marks.items()}

    @property
    def trades(self) -> pd.DataFrame:
        """Round trips (FIFO) with MAE/MFE, built from the fills and bars on first use."""
        if self._trades is None:
            from rustybt.engine.roundtrips import round_trips

            self._trades = round_trips(self.transactions, self.bars, marks=self.marks)
        return self._trades

    # -- exports ---------------------------------------------------------------------
    def to_pandas(self) -> dict[str, pd.DataFrame]:
        tables = {name: getattr(self, name) for name in TABLES}
        tables["trades"] = self.trades
        return tables

    def to_polars(self) -> dict[str, pl.DataFrame]:
        """The tables as polars frames, Decimal columns exact.

        A Decimal column becomes ``pl.Decimal(38, scale)`` with the largest scale
        its values need; a column whose values need more than 38 digits in all
        (rare: ledger quotients) becomes the exact strings instead.
        """
        import polars as pl

        out: dict[str, pl.DataFrame] = {}
        for name, frame in self.to_pandas().items():
            source = frame.reset_index() if name == "perf" else frame
            decimals = set(_decimal_columns(source))
            plain = source.drop(columns=list(decimals))
            converted = pl.from_pandas(plain) if len(plain.columns) else pl.DataFrame()
            for column in source.columns:
                if column in decimals:
                    values = list(source[column])
                    scale = _decimal_scale(values)
                    series = (
                        pl.Series(str(column), values, dtype=pl.Decimal(38, scale))
                        if scale is not None
                        else pl.Series(str(column), [None if v is None else str(v) for v in values])
                    )
                    converted = converted.with_columns(series)
            out[name] = converted.select([str(c) for c in source.columns])
        return out

    def save(self, path: str | Path) -> Path:
        """Write the result to folder ``path`` and return it.

        Crash-safe: the files are written into a hidden sibling folder, fsynced,
        and switched in by renames, so a kill at any moment leaves either the
        complete previous result or the complete new one (see docs/result.md).
        ``path`` must be new, empty or a saved result (which is replaced whole).
        """
        directory = Path(path)
        write_folder(directory, self._write_files)
        return directory

    def _write_files(self, directory: Path) -> dict[str, object]:
        """The tables into ``directory``; returns the metadata payload."""
        decimal_columns: dict[str, list[str]] = {}
        for name in TABLES:
            frame: pd.DataFrame = getattr(self, name)
            columns = _decimal_columns(frame)
            decimal_columns[name] = columns
            _to_strings(frame, columns).to_parquet(directory / f"{name}.parquet")
        if self.bars is not None:
            self.bars.to_frame().to_parquet(directory / "bars.parquet", index=False)
        return {
            "format_version": FORMAT_VERSION,
            "metadata": self.metadata,
            "decimal_columns": decimal_columns,
            "bars_frequency": None if self.bars is None else str(self.bars.frequency),
        }

    @classmethod
    def load(cls, path: str | Path) -> BacktestResult:
        """Read a folder written by `save`, checking every file against the size and
        sha256 recorded at save time first.

        Raises:
            DataNotFound: no saved result at ``path``.
            CatalogError: a file is missing, cut short, changed or unreadable; the
                message names it.
        """
        directory = Path(path)
        recover(directory.absolute())
        if not (directory / METADATA_FILE).is_file():
            raise DataNotFound(
                f"no saved backtest result at {directory}"
                + (" (its metadata.json is missing)" if any(directory.glob("*.parquet")) else ""),
                context={"path": str(directory)},
                hint="pass the directory that result.save() wrote",
            )
        with locked(directory.absolute().parent, shared=True):
            return cls._read(directory)

    @classmethod
    def _read(cls, directory: Path) -> BacktestResult:
        payload = read_manifest(directory)
        version = payload.get("format_version")
        if version not in (1, FORMAT_VERSION):
            raise CatalogError(
                f"saved result {directory} has format_version {version!r}; this rustybt "
                f"reads 1 to {FORMAT_VERSION}",
                context={"path": str(directory)},
                hint="load it with the rustybt version that saved it, or upgrade rustybt",
            )
        if version != 1:  # results saved before checksums (version 1) are read as they are
            verify_files(directory, payload.get("files"), tuple(f"{t}.parquet" for t in TABLES))
        decimals = payload.get("decimal_columns")
        if not isinstance(decimals, dict) or "metadata" not in payload:
            raise CatalogError(
                f"saved result {directory} is damaged: metadata.json lacks its tables' description",
                context={"path": str(directory)},
                hint="restore the folder from a backup or re-run the backtest",
            )
        tables: dict[str, pd.DataFrame] = {}
        bars = None
        current = ""
        try:
            for name in TABLES:
                current = f"{name}.parquet"
                frame = pd.read_parquet(directory / current)
                tables[name] = _from_strings(frame, list(decimals.get(name, [])))
            if (directory / "bars.parquet").is_file():
                current = "bars.parquet"
                bars = BarPanel.from_frame(
                    pd.read_parquet(directory / current),
                    frequency=Frequency(str(payload.get("bars_frequency") or "daily")),
                )
        except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
            raise CatalogError(
                f"saved result {directory} is damaged: {current} cannot be read ({exc})",
                context={"path": str(directory), "file": current},
                hint="restore the folder from a backup or re-run the backtest",
            ) from exc
        metadata = payload["metadata"]
        if not isinstance(metadata, dict):
            raise CatalogError(
                f"saved result {directory} is damaged: its metadata is not an object",
                context={"path": str(directory)},
                hint="restore the folder from a backup or re-run the backtest",
            )
        return cls(metadata=metadata, bars=bars, **tables)

    # -- display ---------------------------------------------------------------------
    def _summary(self) -> dict[str, str]:
        perf = self.perf
        start_value = float(str(self.metadata.get("capital", "nan")))
        final = self.final_equity
        total = float(final) / start_value - 1.0 if start_value else float("nan")
        value = perf["portfolio_value"].to_numpy()
        peak = np.maximum.accumulate(value) if len(value) else value
        max_dd = float(np.min(value / peak - 1.0)) if len(value) else float("nan")
        return {
            "strategy": str(self.metadata.get("strategy")),
            "period": f"{perf.index[0].date()} to {perf.index[-1].date()}" if len(perf) else "-",
            "sessions": str(len(perf)),
            "starting capital": f"{start_value:,.2f}",
            "final equity": f"{to_decimal(final):,.2f}",
            "total return": f"{total:.2%}",
            "max drawdown": f"{max_dd:.2%}",
            "orders": str(len(self.orders)),
            "fills": str(len(self.transactions)),
            "commissions": f"{self.ledger.get('commissions', Decimal(0)):,.2f}",
        }

    def __repr__(self) -> str:
        lines = [f"  {key:<17} {value}" for key, value in self._summary().items()]
        return "BacktestResult(\n" + "\n".join(lines) + "\n)"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{key}</th><td>{value}</td></tr>"
            for key, value in self._summary().items()
        )
        return f"<table><caption>BacktestResult</caption>{rows}</table>"
