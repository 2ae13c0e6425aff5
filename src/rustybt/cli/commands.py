"""What the CLI commands do, free of option parsing (so tests can call them)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import rustybt
from rustybt.cli.summary import summary_lines
from rustybt.data.bars import BarPanel
from rustybt.engine.execution import FixedBasisPoints, NoSlippage, PerDollar
from rustybt.engine.result import BacktestResult
from rustybt.engine.runner import FillAt, run_backtest
from rustybt.engine.strategy import Strategy, load_strategy_file
from rustybt.errors import ConfigError, DataNotFound
from rustybt.security import check_symbol

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


def _save(result: BacktestResult, output: Path, name: str) -> Path:
    target = output / name
    result.save(target)
    return target


def _write_tearsheet(result: BacktestResult, directory: Path) -> Path | None:
    """The one-page tearsheet PNG beside the saved result (None without matplotlib)."""
    from rustybt.analytics.plots import tearsheet

    try:
        figure = tearsheet(result)
    except ConfigError as error:  # matplotlib is the optional [plot] extra
        print(f"tearsheet       skipped: {error.message} ({error.hint})")
        return None
    path = directory / "tearsheet.png"
    figure.savefig(path, dpi=90)
    return path


def _print_result(result: BacktestResult, saved: Path) -> None:
    for line in summary_lines(result):
        print(line)
    print(f"saved result    {saved.resolve()}")
    print(f"  load it with  rustybt.BacktestResult.load({str(saved)!r})")
    if len(result.perf) > 1:
        tearsheet = _write_tearsheet(result, saved)
        if tearsheet is not None:
            print(f"tearsheet       {tearsheet.resolve()}")
    from rustybt.cli.report import write_reports_beside

    write_reports_beside(result, saved)


def run_demo(output: Path) -> BacktestResult:
    from rustybt.data.synthetic import demo_benchmark, demo_panel

    strategy = load_strategy_file(examples_dir() / "dual_moving_average.py")
    result = run_backtest(
        strategy,
        demo_panel(),
        capital=1_000_000,
        benchmark=demo_benchmark(),
        commission=PerDollar(rate=0.0005),
        slippage=FixedBasisPoints(bps=2.0),
        data_source="rustybt synthetic demo (seeded, deterministic)",
    )
    print("rustybt demo: dual moving-average crossover on the synthetic demo universe")
    _print_result(result, _save(result, output, "demo"))
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


def _parse_params(pairs: list[str]) -> dict[str, object]:
    params: dict[str, object] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name.isidentifier():
            raise ConfigError(
                f"bad --param {pair!r}", hint="write --param NAME=VALUE, e.g. --param fast=10"
            )
        try:
            params[name] = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            params[name] = raw
    return params


def _parse_date(value: str | None, option: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        return pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"--{option} {value!r} is not a date", hint="use YYYY-MM-DD, e.g. 2016-01-04"
        ) from exc


def _load_data(request: RunRequest) -> tuple[BarPanel, pd.Series | str | None, str]:
    symbols = (
        [check_symbol(s.strip()) for s in request.symbols.split(",")] if request.symbols else None
    )
    benchmark: pd.Series | str | None = request.benchmark
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
    if request.fill_at not in ("next_open", "close"):
        raise ConfigError(
            f"--fill-at must be next_open or close, not {request.fill_at!r}",
        )
    fill_at: FillAt = "close" if request.fill_at == "close" else "next_open"
    start = _parse_date(request.start, "start")
    end = _parse_date(request.end, "end")
    strategy: Strategy = load_strategy_file(request.strategy_file, **_parse_params(request.params))
    panel, benchmark, source = _load_data(request)
    result = run_backtest(
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
    )
    _print_result(result, _save(result, request.output, request.strategy_file.stem))
    return result


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


def _read_sectors(path: Path | None) -> dict[str, str] | None:
    if path is None:
        return None
    if not path.is_file():
        raise DataNotFound(f"sector file not found: {path}", context={"path": str(path)})
    table = pd.read_csv(path)
    missing = {"Symbol", "Sector"} - set(table.columns)
    if missing:
        raise ConfigError(
            f"sector file {path} lacks column(s) {', '.join(sorted(missing))}",
            hint="it needs Symbol and Sector columns",
        )
    return dict(zip(table["Symbol"].astype(str), table["Sector"].astype(str), strict=True))


def ingest_file(request: IngestRequest) -> None:
    from rustybt.data.catalog import ingest
    from rustybt.data.sources import CSVSource, ParquetSource, Source, preset

    source: Source
    if request.format == "csv":
        source = CSVSource(request.path, frequency=request.frequency or "daily")
    elif request.format == "parquet":
        source = ParquetSource(request.path, frequency=request.frequency or "daily")
    else:
        source = preset(request.format, request.path, symbol=request.symbol)
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
