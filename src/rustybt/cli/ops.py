"""The operations commands: ``preflight``, ``backup``, ``restore`` (see docs/deployment.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rustybt.cli.errors import report_errors

__all__ = ["register"]

Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks and error context.")]


def preflight(
    config: Annotated[Path, typer.Option(help="The live.toml of the session to check.")],
    broker: Annotated[
        str | None,
        typer.Option(help="Override the config's broker name (as `rustybt live --broker`)."),
    ] = None,
    strategy: Annotated[
        Path | None,
        typer.Option(help="Time this strategy's decisions (default: the bundled example)."),
    ] = None,
    max_backup_age: Annotated[
        float, typer.Option(help="Hours: an older last backup fails.")
    ] = 24.0,
    clock_tolerance: Annotated[
        float, typer.Option(help="Seconds this clock may differ from the venue's.")
    ] = 1.0,
    min_free_gb: Annotated[float, typer.Option(help="Free disk space needed (GB).")] = 1.0,
    latency_share: Annotated[
        float, typer.Option(help="Share of a bar a decision plus a broker round trip may take.")
    ] = 0.1,
    latency_bars: Annotated[
        int, typer.Option(help="Bars of demo data the strategy is timed on.", min=10)
    ] = 250,
    debug: Debug = False,
) -> None:
    """Run the production checklist; exits 1 if any item fails."""
    from rustybt.cli.ops_commands import run_preflight_command
    from rustybt.ops.preflight import PreflightOptions

    options = PreflightOptions(
        max_backup_age_h=max_backup_age,
        clock_tolerance_s=clock_tolerance,
        min_free_gb=min_free_gb,
        latency_share=latency_share,
        strategy=strategy,
        latency_bars=latency_bars,
    )
    ok = report_errors(lambda: run_preflight_command(config, broker, options), debug=debug)
    if not ok:
        raise typer.Exit(code=1)


def backup(
    state: Annotated[Path, typer.Option("--state", help="The session's state directory.")],
    to: Annotated[Path, typer.Option("--to", help="A new directory for the backup.")],
    debug: Debug = False,
) -> None:
    """Back up a session's state and audit log (safe while it trades)."""
    from rustybt.cli.ops_commands import backup_command

    report_errors(lambda: backup_command(state, to), debug=debug)


def restore(
    backup_dir: Annotated[Path, typer.Argument(help="A directory written by `rustybt backup`.")],
    to: Annotated[Path, typer.Option("--to", help="A new (or empty) state directory.")],
    debug: Debug = False,
) -> None:
    """Check a backup against its manifest and restore it into a fresh state directory."""
    from rustybt.cli.ops_commands import restore_command

    report_errors(lambda: restore_command(backup_dir, to), debug=debug)


def register(app: typer.Typer) -> None:
    app.command()(preflight)
    app.command()(backup)
    app.command()(restore)
