"""`rustybt soak --seconds N --seed S --json OUT [--naive] [--standby]`: the soak harness (issue 9).

Exits 0 only when every assertion holds (no lost or duplicate order, no unrecovered
error, books equal to the broker's to the cent, the strategy shown no bad bar,
availability, MTTR and error-budget floors); 1 otherwise. ``--naive`` runs the
negative control, which must fail.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rustybt.cli.errors import report_errors
from rustybt.errors import ConfigError

__all__ = ["register"]


def _range(text: str) -> tuple[float, float]:
    low, sep, high = text.partition(":")
    try:
        pair = (float(low), float(high if sep else low))
    except ValueError as exc:
        raise ConfigError(f"--fault-every must be MIN:MAX seconds, not {text!r}") from exc
    if not 0 < pair[0] <= pair[1]:
        raise ConfigError(f"--fault-every needs 0 < MIN <= MAX, not {text!r}")
    return pair


def register(app: typer.Typer) -> None:
    """Add the ``soak`` command to the CLI."""

    @app.command("soak")
    def soak(
        seconds: Annotated[float, typer.Option(help="Trading time of the soak (bars span it).")],
        seed: Annotated[int, typer.Option(help="Seeds the market, the faults and the kills.")] = 1,
        json_out: Annotated[
            Path | None, typer.Option("--json", help="Write the JSON report here.")
        ] = None,
        naive: Annotated[
            bool, typer.Option("--naive", help="Negative control: resend with new ids (must FAIL).")
        ] = False,
        workdir: Annotated[
            Path | None, typer.Option(help="Keep the run's files here (default: a temp folder).")
        ] = None,
        fault_every: Annotated[str, typer.Option(help="Seconds between faults, MIN:MAX.")] = "5:15",
        interval_ms: Annotated[float, typer.Option(help="Milliseconds per bar.")] = 20.0,
        deadline: Annotated[
            float, typer.Option(help="Seconds after its due time a bar counts as decided on time.")
        ] = 0.25,
        min_availability: Annotated[float, typer.Option(help="Availability floor.")] = 0.1,
        max_mttr_p99: Annotated[float, typer.Option(help="MTTR p99 ceiling, seconds.")] = 2.0,
        max_miss_per_fault: Annotated[
            float, typer.Option(help="Ceiling on seconds of bars missed per fault.")
        ] = 4.0,
        standby: Annotated[
            bool,
            typer.Option(
                "--standby", help="Run a warm standby trader beside the leader (fast failover)."
            ),
        ] = False,
        standbys: Annotated[
            int, typer.Option(help="Warm standbys beside the leader (overrides --standby).")
        ] = 0,
        inline_broker: Annotated[
            bool,
            typer.Option(
                "--inline-broker",
                help="Call the broker inside the bar loop (the old design, for comparison).",
            ),
        ] = False,
        debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    ) -> None:
        """Run the trader under crashes and broker faults; check nothing was lost or duplicated."""

        def action() -> bool:
            from rustybt.soak.checker import Floors
            from rustybt.soak.report import run_soak, summary, write_json
            from rustybt.soak.supervisor import SoakPlan

            if not seconds > 0 or not interval_ms > 0:
                raise ConfigError("--seconds and --interval-ms must be positive")
            if not 0 <= standbys <= 4:
                raise ConfigError(f"--standbys must be 0 to 4, not {standbys}")
            plan = SoakPlan(
                seconds=seconds,
                seed=seed,
                naive=naive,
                interval=interval_ms / 1000,
                deadline=deadline,
                kill_every=_range(fault_every),
                standbys=standbys or int(standby),
                inline_broker=inline_broker,
            )
            floors = Floors(min_availability, max_mttr_p99, max_miss_per_fault)
            report = run_soak(plan, workdir=workdir, floors=floors)
            print(summary(report))
            if json_out is not None:
                write_json(report, json_out)
                print(f"json            {json_out}")
            return report.ok

        if not report_errors(action, debug=debug):
            raise typer.Exit(1)
