"""Command definitions. Each command parses its options, then hands a closure to
`report_errors`, so every user mistake ends as one line, not a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rustybt.cli.errors import report_errors
from rustybt.cli.live import register_live_commands
from rustybt.cli.ops import register as register_ops
from rustybt.cli.optimize import optimize_command
from rustybt.cli.report import register as register_report
from rustybt.cli.secrets import secrets_app
from rustybt.cli.soak import register as register_soak

app = typer.Typer(
    name="rustybt",
    help="Backtest trading strategies on real bars with an exact ledger.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
catalog_app = typer.Typer(help="Inspect and verify the local data catalog.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")
app.add_typer(secrets_app, name="secrets")
register_live_commands(app)
register_report(app)
register_soak(app)
register_ops(app)

DEFAULT_CATALOG = Path("~/.rustybt/catalog")
DEFAULT_OUTPUT = Path("rustybt_output")

Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks and error context.")]
CatalogDir = Annotated[
    Path, typer.Option("--catalog", help="Catalog directory.", envvar="RUSTYBT_CATALOG")
]
AuditLogPath = Annotated[
    Path | None,
    typer.Option(
        "--audit-log",
        help="Append the run's audit events (orders, fills, decisions) as JSON lines.",
        envvar="RUSTYBT_AUDIT_LOG",
    ),
]


Overwrite = Annotated[
    bool,
    typer.Option(
        "--overwrite", help="Replace an earlier result of the same name (default: a new -N folder)."
    ),
]


@app.command()
def demo(
    output: Annotated[Path, typer.Option(help="Where to save the result.")] = DEFAULT_OUTPUT,
    overwrite: Overwrite = False,
    audit_log: AuditLogPath = None,
    debug: Debug = False,
) -> None:
    """Backtest the bundled moving-average strategy on the deterministic demo data."""
    from rustybt.cli.commands import run_demo
    from rustybt.cli.logs import with_audit_log

    report_errors(
        with_audit_log(audit_log, lambda: run_demo(output, overwrite=overwrite)), debug=debug
    )


@app.command()
def run(
    strategy_file: Annotated[Path, typer.Argument(help="Python file defining the strategy.")],
    data: Annotated[
        str, typer.Option(help="'demo', 'demo-minute', 'demo-crypto', or a catalog dataset name.")
    ] = "demo",
    start: Annotated[str | None, typer.Option(help="First session, e.g. 2016-01-04.")] = None,
    end: Annotated[str | None, typer.Option(help="Last session (inclusive).")] = None,
    capital: Annotated[float, typer.Option(help="Starting cash.")] = 1_000_000.0,
    symbols: Annotated[
        str | None, typer.Option(help="Comma-separated symbols to load (default: all).")
    ] = None,
    benchmark: Annotated[
        str | None,
        typer.Option(
            help="A symbol in the data, DATASET:SYMBOL from another catalog dataset "
            "(e.g. gspc:GSPC), a returns file (CSV/Parquet: date, return), or 'demo'."
        ),
    ] = None,
    fill_at: Annotated[
        str, typer.Option(help="'next_open', 'next_close' (zipline's daily fills) or 'close'.")
    ] = "next_open",
    commission_bps: Annotated[
        float, typer.Option(help="Commission in basis points of notional (0 for none).")
    ] = 5.0,
    slippage_bps: Annotated[
        float, typer.Option(help="Slippage in basis points of price (0 for none).")
    ] = 2.0,
    param: Annotated[
        list[str] | None, typer.Option(help="Strategy parameter NAME=VALUE (repeatable).")
    ] = None,
    catalog: CatalogDir = DEFAULT_CATALOG,
    output: Annotated[Path, typer.Option(help="Where to save the result.")] = DEFAULT_OUTPUT,
    overwrite: Overwrite = False,
    audit_log: AuditLogPath = None,
    time_limit: Annotated[
        float | None,
        typer.Option(help="Stop the run after this many seconds (wall clock).", min=0.001),
    ] = None,
    max_bars: Annotated[
        int | None, typer.Option(help="Stop the run after this many bars.", min=1)
    ] = None,
    debug: Debug = False,
) -> None:
    """Run STRATEGY_FILE (this executes its code: run only files you trust)."""
    from rustybt.cli.commands import RunRequest, run_strategy_file
    from rustybt.cli.logs import with_audit_log

    request = RunRequest(
        strategy_file=strategy_file,
        data=data,
        start=start,
        end=end,
        capital=capital,
        symbols=symbols,
        benchmark=benchmark,
        fill_at=fill_at,
        commission_bps=commission_bps,
        slippage_bps=slippage_bps,
        params=param or [],
        catalog=catalog,
        output=output,
        overwrite=overwrite,
        time_limit=time_limit,
        max_bars=max_bars,
    )
    report_errors(with_audit_log(audit_log, lambda: run_strategy_file(request)), debug=debug)


@app.command()
def ingest(
    path: Annotated[Path, typer.Argument(help="CSV or Parquet file to ingest.")],
    name: Annotated[str, typer.Option(help="Dataset name in the catalog.")],
    format: Annotated[
        str,
        typer.Option(
            "--format",
            help="kaggle | yahoo | binance | ninjatrader | csv (canonical columns) | parquet.",
        ),
    ] = "csv",
    symbol: Annotated[
        str | None,
        typer.Option(help="The symbol of a file holding one instrument (any format but kaggle)."),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(
            help="The file's column names, e.g. date=Date,open=Open,high=High,low=Low,"
            "close=Close,volume=Volume[,symbol=Ticker]."
        ),
    ] = None,
    sep: Annotated[str | None, typer.Option("--sep", help="Field separator, e.g. ';'.")] = None,
    date_format: Annotated[
        str | None,
        typer.Option(
            "--date-format",
            help="strptime format of the dates, e.g. '%m/%d/%Y' (needed when the "
            "day/month order cannot be told from the file).",
        ),
    ] = None,
    frequency: Annotated[str | None, typer.Option(help="daily or minute.")] = None,
    asset_class: Annotated[str, typer.Option(help="equity, crypto, future, index.")] = "equity",
    sectors: Annotated[
        Path | None, typer.Option(help="CSV with Symbol and Sector columns.")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing dataset.")] = False,
    strict: Annotated[bool, typer.Option(help="Fail on any invalid row.")] = False,
    catalog: CatalogDir = DEFAULT_CATALOG,
    debug: Debug = False,
) -> None:
    """Validate a data file and store it in the catalog (bad rows go to quarantine)."""
    from rustybt.cli.commands import IngestRequest, ingest_file

    request = IngestRequest(
        path=path,
        name=name,
        format=format,
        symbol=symbol,
        frequency=frequency,
        asset_class=asset_class,
        sectors=sectors,
        overwrite=overwrite,
        strict=strict,
        catalog=catalog,
        columns=columns,
        separator=sep,
        date_format=date_format,
    )
    report_errors(lambda: ingest_file(request), debug=debug)


@catalog_app.command("list")
def catalog_list(catalog: CatalogDir = DEFAULT_CATALOG, debug: Debug = False) -> None:
    """List the datasets in the catalog."""
    from rustybt.cli.commands import list_catalog

    report_errors(lambda: list_catalog(catalog), debug=debug)


@catalog_app.command("verify")
def catalog_verify(
    name: Annotated[str, typer.Argument(help="Dataset to check.")],
    catalog: CatalogDir = DEFAULT_CATALOG,
    debug: Debug = False,
) -> None:
    """Check a dataset's files against their recorded checksums."""
    from rustybt.cli.commands import verify_dataset

    report_errors(lambda: verify_dataset(catalog, name), debug=debug)


@app.command()
def logs(
    path: Annotated[
        Path, typer.Argument(help="Audit log file (its rotated .gz files are read too).")
    ],
    event: Annotated[
        list[str] | None, typer.Option(help="Event name or glob, e.g. 'order.*' (repeatable).")
    ] = None,
    order_id: Annotated[str | None, typer.Option(help="Only this order's events.")] = None,
    asset: Annotated[str | None, typer.Option(help="Only this asset's events.")] = None,
    run_id: Annotated[str | None, typer.Option(help="Only this run's events.")] = None,
    since: Annotated[
        str | None, typer.Option(help="From this UTC time on (inclusive), e.g. 2024-01-02.")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Before this UTC time (exclusive).")] = None,
    bar_time: Annotated[
        bool, typer.Option("--bar-time", help="Compare --since/--until with the bar's time.")
    ] = False,
    table: Annotated[bool, typer.Option("--table", help="A compact table, not JSON.")] = False,
    limit: Annotated[int | None, typer.Option(help="Stop after this many matches.")] = None,
    debug: Debug = False,
) -> None:
    """Print the audit log records that match every filter given."""
    from rustybt.cli.logs import LogsRequest, show_logs

    request = LogsRequest(
        path=path,
        events=event or [],
        order_id=order_id,
        asset=asset,
        run_id=run_id,
        since=since,
        until=until,
        bar_time=bar_time,
        table=table,
        limit=limit,
    )
    report_errors(lambda: show_logs(request), debug=debug)


app.command(name="optimize")(optimize_command)


def main() -> None:
    app()
