"""The live-trading commands: ``paper``, ``live``, ``status``, ``stop``, ``reset-breaker``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rustybt.cli.errors import report_errors

__all__ = ["register_live_commands"]

StateDir = Annotated[Path, typer.Option("--state", help="The session's state directory.")]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks and error context.")]
Standby = Annotated[
    bool,
    typer.Option(
        "--standby",
        help="Lead if nobody leads the state directory, else wait as the leader's warm "
        "standby and take over (and trade) the moment it dies. Without it, a start on a "
        "led state directory is refused.",
    ),
]
AsyncBroker = Annotated[
    bool,
    typer.Option(
        "--async-broker/--no-async-broker",
        help="Broker I/O on a worker thread (a bar never waits for the venue; orders "
        "reach it one bar later, so a replay no longer equals the backtest).",
    ),
]


def paper(
    strategy_file: Annotated[Path, typer.Argument(help="Python file defining the strategy.")],
    data: Annotated[
        str, typer.Option(help="'demo', 'demo-minute', 'demo-crypto', or a catalog dataset name.")
    ] = "demo",
    start: Annotated[
        str | None, typer.Option("--from", help="First bar to trade, e.g. 2017-01-03.")
    ] = None,
    speed: Annotated[
        str, typer.Option(help="Replay clock: 'max' or a factor like '3600x'.")
    ] = "max",
    capital: Annotated[float, typer.Option(help="Starting cash.")] = 1_000_000.0,
    symbols: Annotated[str | None, typer.Option(help="Comma-separated symbols.")] = None,
    commission_bps: Annotated[
        float, typer.Option(help="Commission in basis points (as rustybt run).")
    ] = 5.0,
    slippage_bps: Annotated[
        float, typer.Option(help="Slippage in basis points (as rustybt run).")
    ] = 2.0,
    param: Annotated[list[str] | None, typer.Option(help="Strategy parameter NAME=VALUE.")] = None,
    catalog: Annotated[
        Path, typer.Option("--catalog", envvar="RUSTYBT_CATALOG", help="Catalog directory.")
    ] = Path("~/.rustybt/catalog"),
    output: Annotated[Path, typer.Option(help="Where to save the result.")] = Path(
        "rustybt_output"
    ),
    state: Annotated[
        Path | None, typer.Option(help="State directory (default: OUTPUT/<strategy>-live).")
    ] = None,
    cancel_on_stop: Annotated[
        bool, typer.Option(help="Cancel open orders on a graceful stop.")
    ] = False,
    health_port: Annotated[
        int | None, typer.Option(help="Serve /health and /metrics on 127.0.0.1:PORT.")
    ] = None,
    quiet: Annotated[bool, typer.Option(help="No status line.")] = False,
    feed: Annotated[
        str | None,
        typer.Option(
            help="A live venue feed instead of a replay, e.g. ccxt:binance (closed bars)."
        ),
    ] = None,
    timeframe: Annotated[str, typer.Option(help="Bar size of --feed: 1m, 5m, 1h, 1d.")] = "1m",
    end: Annotated[
        str | None, typer.Option("--to", help="Last bar of the replay, e.g. 2017-06-30.")
    ] = None,
    standby: Standby = False,
    async_broker: AsyncBroker = False,
    debug: Debug = False,
) -> None:
    """Paper trade STRATEGY_FILE on a replayed dataset (or a live --feed) through the
    live code path."""
    from rustybt.cli.live_commands import PaperRequest, run_paper

    request = PaperRequest(
        strategy_file=strategy_file,
        data=data,
        start=start,
        speed=speed,
        capital=capital,
        symbols=symbols,
        commission_bps=commission_bps,
        slippage_bps=slippage_bps,
        params=param or [],
        catalog=catalog,
        output=output,
        state=state,
        cancel_on_stop=cancel_on_stop,
        health_port=health_port,
        quiet=quiet,
        feed=feed,
        timeframe=timeframe,
        end=end,
        standby=standby,
        async_broker=async_broker,
    )
    report_errors(lambda: run_paper(request), debug=debug)


def live(
    strategy_file: Annotated[Path, typer.Argument(help="Python file defining the strategy.")],
    broker: Annotated[str, typer.Option(help="'ccxt:<exchange>' (e.g. ccxt:binance) or 'alpaca'.")],
    config: Annotated[Path, typer.Option(help="The live.toml file (see docs/live.md).")],
    param: Annotated[list[str] | None, typer.Option(help="Strategy parameter NAME=VALUE.")] = None,
    output: Annotated[
        Path, typer.Option(help="Where the session's result is saved when it stops.")
    ] = Path("rustybt_output"),
    standby: Standby = False,
    async_broker: AsyncBroker = False,
    health_port: Annotated[
        int | None,
        typer.Option(help="Serve /health and /metrics on this port instead of live.toml's."),
    ] = None,
    debug: Debug = False,
) -> None:
    """Trade a real account (keys from the secrets store, never the command line)."""
    from rustybt.cli.live_commands import run_live

    report_errors(
        lambda: run_live(
            strategy_file,
            broker,
            config,
            param or [],
            output,
            standby=standby,
            async_broker=async_broker,
            health_port=health_port,
        ),
        debug=debug,
    )


def status(state: StateDir, debug: Debug = False) -> None:
    """Show a session's orders, positions, cash, risk state and last reconciliation."""
    from rustybt.cli.live_commands import show_status

    report_errors(lambda: show_status(state), debug=debug)


def stop(state: StateDir, debug: Debug = False) -> None:
    """Stop the session running on --state gracefully (SIGTERM)."""
    from rustybt.cli.live_commands import stop_session

    report_errors(lambda: stop_session(state), debug=debug)


def reset_breaker(
    state: StateDir,
    note: Annotated[str, typer.Option(help="Why it is safe to resume (audited).")] = "reset",
    debug: Debug = False,
) -> None:
    """Clear a tripped circuit breaker (audited); a running session resumes trading."""
    from rustybt.cli.live_commands import reset_breaker_command

    report_errors(lambda: reset_breaker_command(state, note), debug=debug)


def register_live_commands(app: typer.Typer) -> None:
    app.command()(paper)
    app.command()(live)
    app.command()(status)
    app.command()(stop)
    app.command(name="reset-breaker")(reset_breaker)
