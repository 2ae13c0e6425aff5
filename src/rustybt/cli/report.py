"""`rustybt report RESULT_DIR`, and the report `run` and `demo` write beside a saved result."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rustybt.cli.errors import report_errors
from rustybt.errors import RustyBTError

__all__ = ["register", "write_report", "write_reports_beside"]

DEFAULT_FORMATS = "html,pdf"


def write_report(
    result_dir: Path, formats: str, output: Path | None, interactive: bool
) -> list[Path]:
    """Load the saved result in ``result_dir`` and write its report(s); print where."""
    from rustybt.engine.result import BacktestResult
    from rustybt.report import ReportGenerator

    result = BacktestResult.load(result_dir)
    generator = ReportGenerator(result, interactive=interactive)
    paths = generator.write_all(output or result_dir, formats.split(","))
    for path in paths:
        print(f"report          {path.resolve()}")
    return paths


def write_reports_beside(
    result: object, directory: Path, formats: str = DEFAULT_FORMATS, *, tearsheet: bool = True
) -> None:
    """The tearsheet and reports `run` and `demo` write next to the saved result.

    Each is skipped, with why, if impossible. None needs matplotlib: the PDF and
    the SVG tearsheet draw the report's own charts.
    """
    from rustybt.report import ReportGenerator

    try:
        generator = ReportGenerator(result)  # type: ignore[arg-type]  # a BacktestResult from run/demo
        if tearsheet:
            path = generator.to_tearsheet(directory / "tearsheet.svg")
            print(f"tearsheet       {path.resolve()}")
        for path in generator.write_all(directory, formats.split(",")):
            print(f"report          {path.resolve()}")
    except RustyBTError as error:  # the result is saved already: a report problem must not lose it
        print(
            f"report          skipped: {error.message}" + (f" ({error.hint})" if error.hint else "")
        )


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to the CLI."""

    @app.command("report")
    def report(
        result_dir: Annotated[Path, typer.Argument(help="Directory a saved result is in.")],
        format: Annotated[
            str, typer.Option("--format", help="Comma-separated: html, pdf, json.")
        ] = DEFAULT_FORMATS,
        output: Annotated[
            Path | None, typer.Option(help="Where to write (default: the result directory).")
        ] = None,
        interactive: Annotated[
            bool, typer.Option("--interactive", help="Interactive plotly charts in the HTML.")
        ] = False,
        debug: Annotated[
            bool, typer.Option("--debug", help="Show tracebacks and error context.")
        ] = False,
    ) -> None:
        """Write the HTML / PDF / JSON report of a saved backtest or paper-trading result."""
        report_errors(lambda: write_report(result_dir, format, output, interactive), debug=debug)
