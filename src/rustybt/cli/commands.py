"""What the CLI commands do, free of option parsing (so tests can call them)."""

from __future__ import annotations

import ast
import math
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import rustybt
from rustybt.assets import AssetClass
from rustybt.cli.benchmark import benchmark_from_catalog, benchmark_from_file, is_returns_file
from rustybt.cli.output import result_folder
from rustybt.cli.summary import summary_lines
from rustybt.data.bars import BarPanel, Frequency
from rustybt.engine.execution import FixedBasisPoints, NoSlippage, PerDollar
from rustybt.engine.result import BacktestResult
from rustybt.engine.runner import FillAt, run_backtest
from rustybt.engine.strategy import Strategy, load_strategy_file
from rustybt.errors import ConfigError, DataNotFound, StrategyError, UnknownSymbol, clip_text
from rustybt.security import check_symbol
from rustybt.security.files import restrict_tree

__all__ = [
    "IngestRequest",
    "RunRequest",
    "examples_dir",
    "ingest_file",
    "list_catalog",
    "run_demo",
    "run_strategy_file",
    "verify_dataset",
]

#: The CLI's default costs in basis points of traded value, the same as the demo's:
#: 5 bps commission (a retail broker's or a crypto venue's taker fee) and 2 bps
#: slippage (half the spread of a liquid large cap). See docs/cli.md.
DEFAULT_COSTS = {"commission-bps": 5.0, "slippage-bps": 2.0}

DEMO_DATASETS = {
    "demo": ("daily", "equity"),
    "demo-minute": ("minute", "equity"),
    "demo-crypto": ("daily", "crypto"),
}


def examples_dir() -> Path:
    """The example strategies: bundled in a wheel, or the checkout's ``examples/``."""
    package = Path(rustybt.__file__).resolve().parent
    for candidate in (package / "_examples", package.parents[1] / "examples"):
        if candidate.is_dir():
            return candidate
    raise DataNotFound(
        "the example strategies are not installed",
        hint="run from a rustybt checkout, or reinstall the package",
    )


def check_output_dir(output: Path) -> None:
    """ConfigError unless ``output`` is (or can become) a folder to save results in."""
    folder = output.expanduser()
    for parent in (folder, *folder.parents):
        if parent.exists():
            if not parent.is_dir():
                raise ConfigError(
                    f"--output {str(output)!r}: {parent} is a file, not a folder",
                    context={"output": str(output)},
                    hint="pass a folder (it is created when missing) with --output",
                )
            if not os.access(parent, os.W_OK | os.X_OK):
                raise ConfigError(
                    f"--output {str(output)!r}: cannot write in {parent}",
                    context={"output": str(output)},
                    hint="pass a folder you can write to with --output",
                )
            return


def _save(result: BacktestResult, output: Path, name: str, *, overwrite: bool) -> Path:
    target = result_folder(output, name, overwrite=overwrite)
    result.save(target)
    return target


def _print_result(result: BacktestResult, saved: Path) -> None:
    for line in summary_lines(result):
        print(line)
    print(f"saved result    {saved.resolve()}")
    print(f"  load it with  rustybt.BacktestResult.load({str(saved)!r})")
    from rustybt.cli.report import write_reports_beside

    write_reports_beside(result, saved, tearsheet=len(result.perf) > 1)
    # The tearsheet and reports join the saved files: 0640 like them (no access for others).
    restrict_tree(saved)


def run_demo(output: Path, *, overwrite: bool = False) -> BacktestResult:
    from rustybt.data.synthetic import demo_benchmark, demo_panel

    strategy = load_strategy_file(examples_dir() / "dual_moving_average.py")
    result = run_backtest(
        strategy,
        demo_panel(),
        capital=1_000_000,
        benchmark=demo_benchmark(),
        commission=PerDollar(rate=DEFAULT_COSTS["commission-bps"] / 10_000),
        slippage=FixedBasisPoints(bps=DEFAULT_COSTS["slippage-bps"]),
        data_source="rustybt synthetic demo (seeded, deterministic)",
    )
    print("rustybt demo: dual moving-average crossover on the synthetic demo universe")
    _print_result(result, _save(result, output, "demo", overwrite=overwrite))
    return result


@dataclass(frozen=True)
class RunRequest:
    strategy_file: Path
    data: str
    start: str | None
    end: str | None
    capital: float
    symbols: str | None
    benchmark: str | None
    fill_at: str
    commission_bps: float
    slippage_bps: float
    params: list[str]
    catalog: Path
    output: Path
    overwrite: bool = False
    time_limit: float | None = None
    max_bars: int | None = None


_MAX_PARAM_CHARS = 10_000
# pandas' nanosecond range, less a day at each end (as for ingested data).
_EARLIEST = pd.Timestamp("1677-09-22")
_LATEST = pd.Timestamp("2262-04-10")


def _parse_params(pairs: list[str]) -> dict[str, object]:
    params: dict[str, object] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name.isidentifier():
            raise ConfigError(
                f"bad --param {pair!r}", hint="write --param NAME=VALUE, e.g. --param fast=10"
            )
        if len(raw) > _MAX_PARAM_CHARS:
            raise ConfigError(
                f"--param {name} is {len(raw):,} characters long (at most {_MAX_PARAM_CHARS:,})",
                hint="pass large inputs through a file the strategy reads",
            )
        try:
            params[name] = ast.literal_eval(raw)
        except (ValueError, SyntaxError, TypeError):
            params[name] = raw
        except (RecursionError, MemoryError) as exc:
            raise ConfigError(
                f"--param {name}: the value is nested too deeply to read",
                hint="write a flat value: a number, a string, a list or a dict of them",
            ) from exc
    return params


def _parse_date(value: str | None, option: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ConfigError(
            f"--{option} {clip_text(repr(value))} is not a date",
            hint="use YYYY-MM-DD, e.g. 2016-01-04",
        ) from exc
    naive = stamp.tz_localize(None) if stamp.tzinfo is not None else stamp
    if pd.isna(naive) or not _EARLIEST <= naive <= _LATEST:
        raise ConfigError(
            f"--{option} {clip_text(repr(value))} is outside the supported dates "
            f"{_EARLIEST:%Y-%m-%d} to {_LATEST:%Y-%m-%d}",
            hint="use a date within the data, e.g. 2016-01-04",
        )
    return stamp


def _check_costs(request: RunRequest) -> None:
    """Costs are rates a venue charges: finite and not negative."""
    for option, value in (
        ("commission-bps", request.commission_bps),
        ("slippage-bps", request.slippage_bps),
    ):
        if not math.isfinite(value) or value < 0:
            raise ConfigError(
                f"--{option} must be a number >= 0, not {value}",
                context={"option": option, "value": value},
                hint=f"e.g. --{option} {DEFAULT_COSTS[option]} (basis points of the "
                "traded value; 0 for none)",
            )


def _check_window(start: pd.Timestamp | None, end: pd.Timestamp | None) -> None:
    if start is not None and end is not None and start > end:
        raise ConfigError(
            f"--start {start.date()} is after --end {end.date()}",
            context={"start": str(start), "end": str(end)},
            hint="swap them, or drop one to run to the end of the data",
        )


def _resolve_benchmark(request: RunRequest) -> pd.Series | str | None:
    """A symbol of the run's data, a ``DATASET:SYMBOL`` series or a returns file."""
    text = request.benchmark
    if text is None or request.data in DEMO_DATASETS:
        return text
    if is_returns_file(text):
        return benchmark_from_file(text)
    if ":" in text:
        return benchmark_from_catalog(request.catalog, text)
    from rustybt.data.catalog import Catalog

    catalog = Catalog(request.catalog.expanduser())
    held = {asset.symbol for asset in catalog.info(request.data).assets}
    if text not in held:
        others = [name for name in catalog.datasets() if name != request.data]
        example = f"{others[0]}:{text}" if others else f"DATASET:{text}"
        raise UnknownSymbol(
            f"--benchmark {text!r} is not a symbol of dataset {request.data!r}",
            context={"benchmark": text, "data": request.data},
            hint=f"name a symbol of another catalog dataset as DATASET:SYMBOL, e.g. "
            f"--benchmark {example}, or give a returns file",
        )
    return text


def _load_data(request: RunRequest) -> tuple[BarPanel, pd.Series | str | None, str]:
    symbols = (
        [check_symbol(s.strip()) for s in request.symbols.split(",")] if request.symbols else None
    )
    benchmark: pd.Series | str | None = _resolve_benchmark(request)
    if request.data in DEMO_DATASETS:
        from rustybt.data.synthetic import demo_benchmark, demo_panel

        frequency, asset_class = DEMO_DATASETS[request.data]
        panel = demo_panel(frequency, asset_class)
        if benchmark == "demo":
            benchmark = demo_benchmark(frequency, asset_class)
        if symbols:
            panel = panel.select(assets=symbols)
        return panel, benchmark, f"rustybt synthetic {request.data}"
    from rustybt.data.catalog import Catalog

    catalog = Catalog(request.catalog.expanduser())
    wanted = symbols
    if wanted is not None and isinstance(benchmark, str) and benchmark not in wanted:
        wanted = [*wanted, benchmark]
    panel = catalog.load(request.data, symbols=wanted)
    return panel, benchmark, f"catalog {request.catalog}/{request.data}"


def run_strategy_file(request: RunRequest) -> BacktestResult:
    choices: dict[str, FillAt] = {
        "next_open": "next_open",
        "next_close": "next_close",
        "close": "close",
    }
    if request.fill_at not in choices:
        raise ConfigError(
            f"--fill-at must be next_open, next_close or close, not {request.fill_at!r}",
        )
    fill_at = choices[request.fill_at]
    _check_costs(request)
    check_output_dir(request.output)  # before the run: a finished run must have a home
    start = _parse_date(request.start, "start")
    end = _parse_date(request.end, "end")
    _check_window(start, end)
    strategy: Strategy = load_strategy_file(request.strategy_file, **_parse_params(request.params))
    panel, benchmark, source = _load_data(request)
    try:
        result = _run(request, strategy, panel, benchmark, source, fill_at, start, end)
    except StrategyError as error:
        _save_failed(error, request.output, request.strategy_file.stem, overwrite=request.overwrite)
        raise
    _print_result(
        result,
        _save(result, request.output, request.strategy_file.stem, overwrite=request.overwrite),
    )
    return result


def _save_failed(error: StrategyError, output: Path, name: str, *, overwrite: bool) -> None:
    """Save what a failed run produced, say where, and let the error be reported."""
    if not isinstance(error.result, BacktestResult):
        return
    saved = _save(error.result, output, name, overwrite=overwrite)
    print(
        f"run failed; what it did up to the failure is saved (marked failed) in {saved.resolve()}"
    )


def _run(
    request: RunRequest,
    strategy: Strategy,
    panel: BarPanel,
    benchmark: pd.Series | str | None,
    source: str,
    fill_at: FillAt,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
) -> BacktestResult:
    return run_backtest(
        strategy,
        panel,
        start=start,
        end=end,
        capital=request.capital,
        benchmark=benchmark,
        commission=PerDollar(rate=request.commission_bps / 10_000)
        if request.commission_bps
        else None,
        slippage=FixedBasisPoints(request.slippage_bps) if request.slippage_bps else NoSlippage(),
        fill_at=fill_at,
        data_source=source,
        time_limit=request.time_limit,
        max_bars=request.max_bars,
    )


@dataclass(frozen=True)
class IngestRequest:
    path: Path
    name: str
    format: str
    symbol: str | None
    frequency: str | None
    asset_class: str
    sectors: Path | None
    overwrite: bool
    strict: bool
    catalog: Path
    columns: str | None = None
    separator: str | None = None
    date_format: str | None = None


def _read_sectors(path: Path | None) -> dict[str, str] | None:
    if path is None:
        return None
    if not path.is_file():
        raise DataNotFound(f"sector file not found: {path}", context={"path": str(path)})
    try:
        table = pd.read_csv(path, dtype=str, encoding="utf-8")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, OSError) as exc:
        # EmptyDataError is a ValueError; binary content fails to decode.
        raise ConfigError(
            f"sector file {path} is not a readable CSV ({clip_text(str(exc).splitlines()[0])})",
            context={"path": str(path)},
            hint="it needs Symbol and Sector columns, e.g. Symbol,Sector / AAPL,Tech",
        ) from exc
    missing = {"Symbol", "Sector"} - set(table.columns)
    if missing:
        raise ConfigError(
            f"sector file {path} lacks column(s) {', '.join(sorted(missing))}",
            hint="it needs Symbol and Sector columns",
        )
    return dict(zip(table["Symbol"].astype(str), table["Sector"].astype(str), strict=True))


def _choice(value: str | None, option: str, allowed: list[str]) -> str | None:
    if value is not None and value not in allowed:
        raise ConfigError(
            f"--{option} {clip_text(repr(value))} is not one of {', '.join(allowed)}",
            hint=f"use --{option} {allowed[0]}",
        )
    return value


def ingest_file(request: IngestRequest) -> None:
    from rustybt.cli.columns import apply_layout
    from rustybt.data.catalog import ingest
    from rustybt.data.sources import ColumnMap, CSVSource, ParquetSource, Source, preset

    _choice(request.frequency, "frequency", [f.value for f in Frequency])
    _choice(request.asset_class, "asset-class", [c.value for c in AssetClass])
    source: Source
    layout = {
        "columns": request.columns,
        "separator": request.separator,
        "date_format": request.date_format,
    }
    if request.format in ("csv", "parquet"):
        kind = CSVSource if request.format == "csv" else ParquetSource
        if request.format == "parquet" and request.separator is not None:
            raise ConfigError("--sep applies to CSV files, not Parquet")
        columns = apply_layout(ColumnMap(), symbol=request.symbol, **layout)
        source = kind(request.path, columns=columns, frequency=request.frequency or "daily")
    else:
        source = preset(request.format, request.path, symbol=request.symbol)
        if any(value is not None for value in layout.values()):
            # A preset's layout, adjusted: e.g. a Yahoo export saved with ';'.
            source.columns = apply_layout(source.columns, symbol=None, **layout)
    report = ingest(
        source,
        request.catalog.expanduser(),
        name=request.name,
        frequency=request.frequency,
        asset_class=request.asset_class,
        sectors=_read_sectors(request.sectors),
        overwrite=request.overwrite,
        strict=request.strict,
    )
    print(report.summary())
    if request.asset_class == "equity":
        _suggest_index(report.structural.rejected)


def _suggest_index(rejected: pd.DataFrame) -> None:
    """Old index files record only a close (open 0 or missing): as an equity those
    rows are quarantined, as an index they are kept as close-only bars."""
    if rejected.empty or not {"open", "close"} <= set(rejected.columns):
        return
    opens = pd.to_numeric(rejected["open"], errors="coerce")
    closes = pd.to_numeric(rejected["close"], errors="coerce")
    close_only = int(((opens.isna() | (opens <= 0)) & (closes > 0)).sum())
    if close_only >= max(10, len(rejected) // 2):
        print(
            f"hint: {close_only:,} quarantined rows have a close but no open (0 or missing), "
            "as old index files do; if this is an index, ingest it again with "
            "--asset-class index --overwrite to keep them as close-only bars"
        )


def list_catalog(catalog_dir: Path) -> None:
    from rustybt.data.catalog import Catalog

    catalog = Catalog(catalog_dir.expanduser())
    names = catalog.datasets()
    if not names:
        print(f"no datasets in {catalog_dir}")
        return
    for name in names:
        info = catalog.info(name)
        print(
            f"{name:<20} {info.frequency!s:<7} {len(info.symbols):>5} assets  "
            f"{info.start} to {info.end}  {info.rows.get('clean', 0):,} rows "
            f"({info.rows.get('rejected', 0):,} quarantined)"
        )


def verify_dataset(catalog_dir: Path, name: str) -> None:
    from rustybt.data.catalog import Catalog

    Catalog(catalog_dir.expanduser()).verify(name)
    print(f"{name}: checksums match")
