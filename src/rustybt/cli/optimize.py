"""`rustybt optimize`: the command's options (the work is in `cli.optimize_run`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rustybt.cli.errors import report_errors

__all__ = ["optimize_command"]


def optimize_command(
    strategy_file: Annotated[Path, typer.Argument(help="Python file defining the strategy.")],
    param: Annotated[
        list[str],
        typer.Option(help="NAME=LOW:HIGH:STEP (inclusive) or NAME=A,B,C (repeatable)."),
    ],
    data: Annotated[
        str, typer.Option(help="'demo', 'demo-minute', 'demo-crypto', or a catalog dataset.")
    ] = "demo",
    start: Annotated[str | None, typer.Option(help="First session.")] = None,
    end: Annotated[str | None, typer.Option(help="Last session (inclusive).")] = None,
    symbols: Annotated[str | None, typer.Option(help="Comma-separated symbols.")] = None,
    capital: Annotated[float, typer.Option(help="Starting cash.")] = 1_000_000.0,
    constraint: Annotated[
        list[str] | None, typer.Option(help="e.g. 'fast < slow' (repeatable).")
    ] = None,
    objective: Annotated[str, typer.Option(help="Metric to optimise.")] = "sharpe_ratio",
    direction: Annotated[str, typer.Option(help="maximize or minimize.")] = "maximize",
    search: Annotated[str, typer.Option(help="grid, random or bayes.")] = "grid",
    n_trials: Annotated[int | None, typer.Option(help="Trials (grid: all).")] = None,
    workers: Annotated[int, typer.Option(help="Local worker processes.")] = 1,
    scheduler: Annotated[
        str | None, typer.Option(help="dask scheduler address, e.g. tcp://host:8786.")
    ] = None,
    worker_catalog: Annotated[
        Path | None,
        typer.Option(
            help="With --scheduler: a catalog directory the dask workers read --data from "
            "(the same data, checked by hash); by default the bars are scattered.",
        ),
    ] = None,
    storage: Annotated[
        str | None,
        typer.Option(help="optuna storage to resume a bayes search, e.g. sqlite:///study.db."),
    ] = None,
    study_name: Annotated[str | None, typer.Option(help="Name of the study in --storage.")] = None,
    walk_forward: Annotated[
        str | None, typer.Option(help="train=504,test=126[,step=..][,anchored=1] (sessions).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of random and bayes searches.")] = 0,
    commission_bps: Annotated[
        float, typer.Option(help="Commission in bps of notional (as rustybt run).")
    ] = 5.0,
    slippage_bps: Annotated[
        float, typer.Option(help="Slippage in basis points (as rustybt run).")
    ] = 2.0,
    catalog: Annotated[
        Path, typer.Option(help="Catalog directory.", envvar="RUSTYBT_CATALOG")
    ] = Path("~/.rustybt/catalog"),
    output: Annotated[Path, typer.Option(help="Directory for trials.csv and results.")] = Path(
        "rustybt_output/optimize"
    ),
    progress: Annotated[
        bool | None, typer.Option("--progress/--no-progress", help="Progress bar.")
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    """Search STRATEGY_FILE's parameters (this executes its code: only files you trust)."""
    from rustybt.cli.optimize_run import OptimizeRequest, run_optimize

    request = OptimizeRequest(
        strategy_file=strategy_file,
        data=data,
        start=start,
        end=end,
        symbols=symbols,
        capital=capital,
        params=param,
        constraints=constraint or [],
        objective=objective,
        direction=direction,
        search=search,
        n_trials=n_trials,
        workers=workers,
        scheduler=scheduler,
        worker_catalog=worker_catalog,
        storage=storage,
        study_name=study_name,
        walk_forward=walk_forward,
        seed=seed,
        commission_bps=commission_bps,
        slippage_bps=slippage_bps,
        catalog=catalog,
        output=output,
        progress=progress,
    )
    report_errors(lambda: run_optimize(request), debug=debug)
