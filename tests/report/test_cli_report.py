"""`rustybt report RESULT_DIR` and the report `rustybt run` writes beside its result."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from rustybt import BacktestResult
from rustybt.cli import app


def test_report_command_writes_the_formats_asked(
    demo_result: BacktestResult, tmp_path: Path
) -> None:
    saved = demo_result.save(tmp_path / "run")
    outcome = CliRunner().invoke(app, ["report", str(saved), "--format", "html,json"])
    assert outcome.exit_code == 0, outcome.output
    assert (saved / "report.html").is_file()
    assert json.loads((saved / "report.json").read_text())["format"] == "rustybt.report/1"
    assert str((saved / "report.html").resolve()) in outcome.output
    assert not (saved / "report.pdf").exists()


def test_report_command_rejects_bad_input(tmp_path: Path) -> None:
    outcome = CliRunner().invoke(app, ["report", str(tmp_path / "missing")])
    assert outcome.exit_code != 0
    assert "no saved backtest result" in outcome.output


def test_report_command_rejects_unknown_format(demo_result: BacktestResult, tmp_path: Path) -> None:
    saved = demo_result.save(tmp_path / "run")
    outcome = CliRunner().invoke(app, ["report", str(saved), "--format", "html,docx"])
    assert outcome.exit_code != 0
    assert "unknown report format(s): docx" in outcome.output
