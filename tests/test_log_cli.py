"""`rustybt logs`: filters over a real audit log (with rotated .gz files), and
``--audit-log`` on ``run``/``demo``."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rustybt import run_backtest
from rustybt.audit.rotation import rotated_files
from rustybt.cli import app
from rustybt.log import AuditLog
from tests.engine.test_audit_events import EXPECTED, _panel, _script

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def audit_log(tmp_path: Path) -> tuple[Path, str, str]:
    """Two runs of the scripted backtest; the log rolls over into .gz files."""
    path = tmp_path / "audit.jsonl"
    with AuditLog.open(path, max_bytes=4_000, backup_count=100) as log:
        first = run_backtest(
            _script().strategy, _panel(), capital=10_000, check_cash=True, audit_log=log
        )
        second = run_backtest(
            _script().strategy, _panel(), capital=10_000, check_cash=True, audit_log=log
        )
    assert any(file.suffix == ".gz" for file in rotated_files(path))
    return path, str(first.metadata["run_id"]), str(second.metadata["run_id"])


def _logs(*args: str) -> tuple[int, list[dict[str, object]], str]:
    result = runner.invoke(app, ["logs", *args])
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, lines, result.stdout


def test_all_records_of_both_runs_in_order_across_rotated_files(
    audit_log: tuple[Path, str, str],
) -> None:
    path, first, second = audit_log
    code, records, _ = _logs(str(path))
    assert code == 0
    assert [r["run_id"] for r in records] == [first] * len(EXPECTED) + [second] * len(EXPECTED)
    assert [(r["event"], r.get("order_id")) for r in records[: len(EXPECTED)]] == EXPECTED


def test_event_glob_order_and_run_filters(audit_log: tuple[Path, str, str]) -> None:
    path, first, second = audit_log
    _, records, _ = _logs(str(path), "--event", "order.*", "--order-id", "1", "--run-id", second)
    assert [r["event"] for r in records] == [
        "order.submitted",
        "order.partially_filled",
        "order.partially_filled",
        "order.filled",
    ]
    assert {r["run_id"] for r in records} == {second}
    _, records, _ = _logs(str(path), "--event", "order.rejected", "--event", "order.expired")
    assert [(r["event"], r["order_id"]) for r in records] == [
        ("order.rejected", "3"),
        ("order.expired", "4"),
        ("order.rejected", "5"),
    ] * 2
    _, records, _ = _logs(str(path), "--asset", "B", "--event", "order.filled", "--run-id", first)
    assert [(r["order_id"], r["fill_quantity"]) for r in records] == [("6", "10")]


def test_time_range_on_bar_time_and_wall_clock(audit_log: tuple[Path, str, str]) -> None:
    path, _, second = audit_log
    # Bars 2024-01-04 (inclusive) to 2024-01-05 (exclusive): bar 2's events only.
    _, records, _ = _logs(
        str(path),
        "--bar-time",
        "--since",
        "2024-01-04",
        "--until",
        "2024-01-05",
        "--run-id",
        second,
    )
    assert [(r["event"], r["order_id"]) for r in records] == [
        ("order.partially_filled", "1"),
        ("order.expired", "4"),
        ("order.cancelled", "2"),
    ]
    _, records, _ = _logs(str(path), "--since", "2000-01-01", "--until", "2000-01-02")
    assert records == []
    _, everything, _ = _logs(str(path), "--since", "2000-01-01")
    assert len(everything) == 2 * len(EXPECTED)


def test_table_limit_and_single_gz_file(audit_log: tuple[Path, str, str]) -> None:
    path, _, _ = audit_log
    code, _, out = _logs(str(path), "--event", "order.filled", "--table", "--limit", "2")
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split()[:4] == ["timestamp", "bar_time", "event", "order_id"]
    assert len(rows) == 2
    assert rows[0].split()[2:7] == ["order.filled", "1", "A", "buy", "50"]
    oldest = rotated_files(path)[0]
    with gzip.open(oldest, "rt") as handle:
        expected = [json.loads(line) for line in handle]
    _, records, _ = _logs(str(oldest))
    assert records == expected


def test_bad_lines_are_skipped_with_a_note_and_errors_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"event": "a.b"}\nnot json\n[1]\n{"event": "a.c"}\n')
    result = runner.invoke(app, ["logs", str(path)])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ['{"event": "a.b"}', '{"event": "a.c"}']
    assert "skipped 2 line(s)" in result.stderr
    missing = runner.invoke(app, ["logs", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 3
    assert "no audit log at" in missing.stderr
    bad_time = runner.invoke(app, ["logs", str(path), "--since", "yesterday"])
    assert bad_time.exit_code == 2
    assert "--since 'yesterday' is not an ISO date" in bad_time.stderr


def test_run_with_audit_log_option(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "run.jsonl"
    result = runner.invoke(
        app,
        [
            "run",
            str(EXAMPLES / "dual_moving_average.py"),
            "--symbols",
            "SYN001,SYN002",
            "--output",
            str(tmp_path / "out"),
            "--audit-log",
            str(log),
        ],
    )
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert records[0]["event"] == "run.started"
    assert records[0]["strategy"] == "DualMovingAverage"
    assert records[-1]["event"] == "run.finished"
    fills = [r for r in records if r["event"] in ("order.filled", "order.partially_filled")]
    assert len(fills) == records[-1]["fills"] > 0
