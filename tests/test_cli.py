"""The rustybt command: demo output, error lines and exit codes, ingest → run."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from rustybt import BacktestResult
from rustybt.cli import app

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_demo_prints_summary_and_saves_a_loadable_result(tmp_path: Path) -> None:
    code, out, _ = _invoke("demo", "--output", str(tmp_path))
    assert code == 0
    saved = BacktestResult.load(tmp_path / "demo")
    assert f"final equity    {saved.final_equity:,.2f}" in out
    assert f"orders / fills  {len(saved.orders)} / {len(saved.transactions)}" in out
    assert str((tmp_path / "demo").resolve()) in out
    tearsheet = tmp_path / "demo" / "tearsheet.svg"
    assert f"tearsheet       {tearsheet.resolve()}" in out
    svg = tearsheet.read_text()
    assert svg.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')
    assert svg.count("<svg") == 1 + 9  # the page and its nine charts
    for name in ("report.html", "report.pdf"):  # the full report beside the result
        report = tmp_path / "demo" / name
        assert f"report          {report.resolve()}" in out
        assert report.stat().st_size > 10_000
    assert saved.metadata["strategy"] == "DualMovingAverage"
    # The demo is deterministic: a second run gives the same equity to the digit.
    _invoke("demo", "--output", str(tmp_path / "again"))
    assert BacktestResult.load(tmp_path / "again" / "demo").final_equity == saved.final_equity


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["run", "missing.py"], 3, "strategy file not found"),
        (
            ["run", str(EXAMPLES / "dual_moving_average.py"), "--start", "2016-13-45"],
            2,
            "is not a date",
        ),
        (["run", str(EXAMPLES / "dual_moving_average.py"), "--symbols", "NOPE"], 3, "'NOPE'"),
        (
            ["run", str(EXAMPLES / "dual_moving_average.py"), "--start", "2030-01-01"],
            3,
            "window holds no bars",
        ),
        (["run", str(EXAMPLES / "dual_moving_average.py"), "--param", "fast"], 2, "bad --param"),
        (["run", str(EXAMPLES / "dual_moving_average.py"), "--fill-at", "noon"], 2, "--fill-at"),
    ],
)
def test_user_mistakes_print_one_line_and_exit_with_family_code(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    exit_code, _, err = _invoke(*args, "--output", str(tmp_path))
    assert exit_code == code
    first = err.splitlines()[0]
    assert first.startswith("error: ")
    assert message in first
    assert "Traceback" not in err


def test_debug_shows_traceback_and_context(tmp_path: Path) -> None:
    _, _, err = _invoke("run", "missing.py", "--debug", "--output", str(tmp_path))
    assert "Traceback" in err
    assert '"path": "missing.py"' in err


def test_strategy_error_names_the_users_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "def handle_data(context, data):\n"
        "    if data.current_dt.year == 2016:\n"
        "        raise ValueError('boom')\n"
    )
    code, _, err = _invoke("run", str(bad), "--output", str(tmp_path))
    assert code == 5
    assert "ValueError in handle_data at 2016-01-04" in err
    _, _, debug_err = _invoke("run", str(bad), "--debug", "--output", str(tmp_path))
    assert f"{bad}:3 in handle_data" in debug_err


def test_ingest_then_run_on_the_catalog(tmp_path: Path) -> None:
    index = pd.bdate_range("2020-01-01", periods=80)
    rows = []
    for i, day in enumerate(index):
        for symbol, base in (("AAA", 10.0), ("BBB", 20.0)):
            price = base + (i % 17) * 0.25
            rows.append(
                (day.date().isoformat(), symbol, price, price + 0.5, price - 0.5, price + 0.1, 1e6)
            )
    rows.append(("2020-02-03", "AAA", 10.0, 9.0, 11.0, 10.0, 1e6))  # duplicate, bad high/low
    frame = pd.DataFrame(
        rows, columns=["timestamp", "symbol", "open", "high", "low", "close", "volume"]
    )
    csv = tmp_path / "bars.csv"
    frame.to_csv(csv, index=False)
    catalog = tmp_path / "catalog"
    code, out, err = _invoke("ingest", str(csv), "--name", "toy", "--catalog", str(catalog))
    assert code == 0, err
    assert "quarantine" in out
    code, out, _ = _invoke("catalog", "list", "--catalog", str(catalog))
    assert code == 0
    assert out.startswith("toy")
    code, out, _ = _invoke("catalog", "verify", "toy", "--catalog", str(catalog))
    assert code == 0
    assert "checksums match" in out
    code, out, err = _invoke(
        "run",
        str(EXAMPLES / "dual_moving_average.py"),
        "--data",
        "toy",
        "--catalog",
        str(catalog),
        "--param",
        "fast=5",
        "--param",
        "slow=20",
        "--output",
        str(tmp_path),
    )
    assert code == 0, err
    saved = BacktestResult.load(tmp_path / "dual_moving_average")
    assert saved.metadata["params"] == {"fast": 5, "slow": 20}
    assert saved.metadata["assets"] == ["AAA", "BBB"]
    assert saved.final_equity == Decimal(saved.metadata["ledger"]["equity"])  # type: ignore[index]
