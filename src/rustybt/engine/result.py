"""`BacktestResult`: the one contract every analysis, report and notebook reads.

Saved as a directory: one Parquet file per table plus ``metadata.json``, which
records every file's size and sha256 (`rustybt.engine.result_folder` writes the
folder crash-safely and verifies it on load). Decimal columns are written as their exact string form and listed in the metadata, so
``load(save(r))`` gives back the same Decimals, digit for digit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa

from rustybt.assets import Asset, AssetClass
from rustybt.data.bars import BarPanel, Frequency
from rustybt.durable import locked
from rustybt.engine.result_folder import (
    METADATA_FILE,
    read_manifest,
    recover,
    verify_files,
    write_folder,
)
from rustybt.errors import CatalogError, ConfigError, DataNotFound, clip_text
from rustybt.money import to_decimal
from rustybt.summary import summary_html

if TYPE_CHECKING:
    import polars as pl

__all__ = ["BacktestResult", "Deferred"]

T = TypeVar("T")

TABLES = ("perf", "transactions", "orders", "positions", "decisions", "universe")
# Tables a result saved by an older version may lack; they load as empty frames.
OPTIONAL_TABLES = frozenset({"universe"})
# 2: metadata.json records every file's size and sha256 (checked by load).
FORMAT_VERSION = 2


def asset_record(asset: Asset) -> dict[str, object]:
    """An asset as JSON: everything but the symbol, which is the key."""
    return {
        "asset_class": asset.asset_class.value,
        "fractional": asset.fractional,
        "sector": asset.sector,
        "exchange": asset.exchange,
    }


def asset_from_record(symbol: str, record: object) -> Asset:
    """The inverse of `asset_record` (a plain equity when the record is missing)."""
    if not isinstance(record, dict):
        return Asset(symbol)
    sector = record.get("sector")
    return Asset(
        symbol,
        AssetClass(str(record.get("asset_class", "equity"))),
        fractional=bool(record.get("fractional", False)),
        sector=None if sector is None else str(sector),
        exchange=str(record.get("exchange", "XNYS")),
    )


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


class Deferred(Generic[T]):
    """A table built on first read: ``build`` makes it from inputs captured when the
    run finished; ``rows`` is its length, known without building it (``repr``)."""

    __slots__ = ("build", "rows")

    def __init__(self, build: Callable[[], T], rows: int) -> None:
        self.build = build
        self.rows = rows


class _BuiltOnFirstRead:
    """A result table that may be `Deferred`: built, stored in the instance's
    ``__dict__`` and returned on the first read.

    A non-data descriptor (no ``__set__``), so once the table is in ``__dict__`` it
    shadows this and a read costs what a plain attribute costs; the dataclass
    ``__init__`` and ``setattr`` write straight into ``__dict__`` as before."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, result: BacktestResult | None, owner: type | None = None) -> object:
        if result is None:
            raise AttributeError(self.name)
        state = result.__dict__
        if self.name not in state:
            pending: dict[str, Deferred[object]] = state.get("_pending", {})
            deferred = pending.get(self.name)
            if deferred is None:
                raise AttributeError(f"BacktestResult has no table {self.name!r}")
            # Two threads reading at once may both build; setdefault keeps one object.
            state.setdefault(self.name, deferred.build())
            pending.pop(self.name, None)  # the captured inputs are freed
        return state[self.name]


# The tables `run_backtest` builds on first read. The others are built at the end of
# the run: perf and metadata are small and always read; the bars are the panel (or
# a view of it) when every asset traded, and a deferred copy of a subset would keep
# the whole panel alive; the Order objects would weigh more than the orders table.
DEFERRED_TABLES = ("transactions", "positions", "decisions", "universe")


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
        bars: the traded assets' bars over the run (for MAE/MFE and fill quality);
            their `Asset` objects keep class and sector through save/load.
        universe: each session's close of every asset in the data (sessions x
            symbols), traded or not: the benchmark universe of sector attribution,
            so it is not chosen with hindsight. Empty when unknown.

    A result from `run_backtest` builds transactions, positions, decisions and
    universe on first read (from inputs captured when the run finished, so
    they are what they would have been then); reading one is reading an
    attribute, as for a result constructed with every table.
    """

    perf: pd.DataFrame
    transactions: pd.DataFrame
    orders: pd.DataFrame
    positions: pd.DataFrame
    metadata: dict[str, object]
    decisions: pd.DataFrame = field(default_factory=pd.DataFrame)
    bars: BarPanel | None = None
    universe: pd.DataFrame = field(default_factory=pd.DataFrame)
    _trades: pd.DataFrame | None = field(default=None, repr=False)
    _zipline: pd.DataFrame | None = field(default=None, repr=False)

    @classmethod
    def deferred(
        cls,
        *,
        perf: pd.DataFrame,
        orders: pd.DataFrame,
        metadata: dict[str, object],
        bars: BarPanel | None,
        tables: dict[str, Deferred[object]],
    ) -> BacktestResult:
        """A result whose ``tables`` (names from `DEFERRED_TABLES`) are built on
        first read."""
        result = cls.__new__(cls)
        # The dataclass __init__ would need every table: set the built ones directly.
        result.__dict__.update(
            perf=perf,
            orders=orders,
            metadata=metadata,
            bars=bars,
            _trades=None,
            _zipline=None,
            _pending=dict(tables),
        )
        return result

    def _rows(self, name: str) -> int:
        """A table's length, without building a deferred one."""
        pending: dict[str, Deferred[object]] = self.__dict__.get("_pending", {})
        deferred = pending.get(name)
        if deferred is not None and name not in self.__dict__:
            return deferred.rows
        return len(getattr(self, name))

    def __getstate__(self) -> dict[str, object]:
        """Pickled (and copied) with every table built: the captured inputs hold
        closures, and a copy must not share a table still to be built."""
        for name in list(self.__dict__.get("_pending", {})):
            getattr(self, name)
        return {k: v for k, v in self.__dict__.items() if k != "_pending"}

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
    def failed(self) -> bool:
        """True for the partial result of a run that failed (see ``metadata["error"]``)."""
        return self.metadata.get("status") == "failed"

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
    def to_zipline(self) -> pd.DataFrame:
        """zipline's perf DataFrame: one row per session with zipline's columns
        (positions, transactions and orders as lists of zipline's dicts, cumulative
        risk metrics, recorded values carried forward). See docs/zipline.md."""
        from rustybt.engine.zipline_perf import to_zipline_perf

        if self._zipline is None:
            self._zipline = to_zipline_perf(self)
        return self._zipline

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
            source = (
                frame.reset_index()
                if name == "perf" or (name == "universe" and len(frame))
                else frame
            )
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
            # The bars' Parquet holds symbols only: class and sector live here.
            "bar_assets": {}
            if self.bars is None
            else {a.symbol: asset_record(a) for a in self.bars.assets},
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
            required = tuple(f"{t}.parquet" for t in TABLES if t not in OPTIONAL_TABLES)
            verify_files(directory, payload.get("files"), required)
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
                if name in OPTIONAL_TABLES and not (directory / current).is_file():
                    tables[name] = pd.DataFrame()  # saved by a version without this table
                    continue
                frame = pd.read_parquet(directory / current)
                tables[name] = _from_strings(frame, list(decimals.get(name, [])))
            if (directory / "bars.parquet").is_file():
                current = "bars.parquet"
                frame = pd.read_parquet(directory / current)
                # The bars' Parquet holds symbols only; older saves lack "bar_assets",
                # and the run's metadata may still describe the assets.
                metadata_block = payload["metadata"]
                records = payload.get("bar_assets") or (
                    metadata_block.get("asset_info") if isinstance(metadata_block, dict) else None
                )
                records = records if isinstance(records, dict) else {}
                bars = BarPanel.from_frame(
                    frame,
                    frequency=Frequency(str(payload.get("bars_frequency") or "daily")),
                    assets=[
                        asset_from_record(str(s), records.get(s)) for s in frame["symbol"].unique()
                    ],
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

    def report(self, path: str | Path, **options: object) -> Path:
        """Write a report of this result; the format comes from the suffix (.html, .pdf, .json).

        ``options`` go to `rustybt.report.ReportGenerator` (benchmark, sections,
        title, interactive, ...). Returns the path written.
        """
        from rustybt.report import ReportGenerator  # the report layer sits above the engine

        generator = ReportGenerator(self, **options)  # type: ignore[arg-type]  # checked there
        return generator.write(path)

    # -- display ---------------------------------------------------------------------
    def display(self, table: str) -> pd.DataFrame:
        """A rounded copy of ``table`` ("trades", "transactions", "orders", "positions",
        "perf") for reading: prices to each asset's tick as seen in its bars, money
        to the cent (see `rustybt.engine.display`). The exact values stay in the
        result's own tables."""
        from rustybt.engine.display import display_table, price_decimals

        if table not in (*TABLES, "trades"):
            raise ConfigError(
                f"no table {table!r} in a BacktestResult",
                hint=f"use one of {', '.join((*TABLES, 'trades'))}",
            )
        if self.bars is not None:
            prices = {a.symbol: self.bars.close[:, c] for c, a in enumerate(self.bars.assets)}
        else:
            fills = self.transactions
            prices = {
                str(symbol): group["reference_price"].to_numpy(dtype=float)
                for symbol, group in fills.groupby("symbol")
            }
        prices = {s: v[np.isfinite(v)] for s, v in prices.items()}
        frame: pd.DataFrame = getattr(self, table)
        return display_table(frame, price_decimals(prices))

    def _summary(self) -> dict[str, str]:
        perf = self.perf
        start_value = float(str(self.metadata.get("capital", "nan")))
        final = self.final_equity
        total = float(final) / start_value - 1.0 if start_value else float("nan")
        value = perf["portfolio_value"].to_numpy()
        peak = np.maximum.accumulate(value) if len(value) else value
        max_dd = float(np.min(value / peak - 1.0)) if len(value) else float("nan")
        status = {}
        if self.failed:
            error = self.metadata.get("error")
            message = error.get("message") if isinstance(error, dict) else error
            status = {
                "status": f"FAILED after {self.metadata.get('bars_run', '?')} bar(s), "
                "partial result",
                "error": clip_text(str(message), 300),
            }
        return {
            **status,
            "strategy": str(self.metadata.get("strategy")),
            "period": f"{perf.index[0].date()} to {perf.index[-1].date()}" if len(perf) else "-",
            "sessions": str(len(perf)),
            "starting capital": f"{start_value:,.2f}",
            "final equity": f"{to_decimal(final):,.2f}",
            "total return": f"{total:.2%}",
            "max drawdown": f"{max_dd:.2%}",
            "orders": str(self._rows("orders")),
            "fills": str(self._rows("transactions")),
            "commissions": f"{self.ledger.get('commissions', Decimal(0)):,.2f}",
        }

    def __repr__(self) -> str:
        lines = [f"  {key:<17} {value}" for key, value in self._summary().items()]
        title = "BacktestResult[FAILED]" if self.failed else "BacktestResult"
        return f"{title}(\n" + "\n".join(lines) + "\n)"

    def _repr_html_(self) -> str:
        caption = "BacktestResult (FAILED: partial result)" if self.failed else "BacktestResult"
        return summary_html(caption, self._summary())


for _name in DEFERRED_TABLES:
    # After the dataclass is made: its __init__ keeps its defaults, and a table given
    # to it lands in __dict__, in front of the descriptor.
    setattr(BacktestResult, _name, _BuiltOnFirstRead(_name))
