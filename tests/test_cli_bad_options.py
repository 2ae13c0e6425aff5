"""Every bad option or damaged input file is a clear user error, never exit 70."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rustybt.cli import app
from rustybt.cli.errors import INTERNAL_ERROR_EXIT

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
STRATEGY = str(EXAMPLES / "dual_moving_average.py")
KAGGLE = "date,open,high,low,close,volume,Name\n2013-02-08,1,2,0.5,1.5,100,AAPL\n"


def _invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stderr


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "bars.csv").write_text(KAGGLE)
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "binary.csv").write_bytes(bytes(range(256)) * 4)
    return {
        "bars": str(tmp_path / "bars.csv"),
        "empty": str(tmp_path / "empty.csv"),
        "binary": str(tmp_path / "binary.csv"),
        "catalog": str(tmp_path / "catalog"),
    }


INGEST_CASES = [
    (["--sectors", "{empty}"], 2, "sector file"),
    (["--sectors", "{binary}"], 2, "sector file"),
    (["--frequency", "weekly"], 2, "--frequency 'weekly' is not one of daily, minute"),
    (["--asset-class", "bond"], 2, "--asset-class 'bond' is not one of"),
]


@pytest.mark.parametrize(("extra", "code", "message"), INGEST_CASES)
def test_bad_ingest_options(
    files: dict[str, str], extra: list[str], code: int, message: str
) -> None:
    args = ["ingest", files["bars"], "--name", "x", "--format", "kaggle"]
    args += ["--catalog", files["catalog"], *(a.format(**files) for a in extra)]
    exit_code, err = _invoke(*args)
    assert (exit_code, message in err) == (code, True), err


def test_catalog_naming_a_file(files: dict[str, str]) -> None:
    code, err = _invoke("ingest", files["bars"], "--name", "x", "--catalog", files["bars"])
    assert code == 3
    assert "is a file, not a folder" in err


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (["--start", "0001-01-01"], 2, "outside the supported dates"),
        (["--end", "9999-12-31"], 2, "outside the supported dates"),
        (["--param", "fast=" + "-" * 100_000 + "1"], 2, "characters long"),
        (["--param", "fast=1" + "+1" * 3_000], 2, "nested too deeply"),
    ],
)
def test_bad_run_options(extra: list[str], code: int, message: str) -> None:
    exit_code, err = _invoke("run", STRATEGY, *extra)
    assert exit_code == code, err
    assert message in err


def test_output_naming_a_file_is_refused_before_the_run(tmp_path: Path) -> None:
    target = tmp_path / "result.txt"
    target.write_text("not a folder")
    code, err = _invoke("run", STRATEGY, "--output", str(target))
    assert code == 2
    assert "is a file, not a folder" in err
    assert "final equity" not in err
    assert target.read_text() == "not a folder"


def test_logs_beside_a_damaged_gz_shows_the_readable_records(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    log.write_text('{"event": "run.started"}\n')
    (tmp_path / "audit.jsonl.20260101T000000000000Z.gz").write_bytes(b"not gzip at all")
    result = runner.invoke(app, ["logs", str(log)])
    assert result.exit_code == 3
    assert '"run.started"' in result.stdout
    assert "could not be read to the end" in result.stderr
    assert result.exit_code != INTERNAL_ERROR_EXIT


FAILING = """
import sys
from rustybt import Strategy


class Failing(Strategy):
    def initialize(self, context):
        context.n = 0

    def handle_data(self, context, data):
        context.n += 1
        if context.n == 5:
            mode = self.params.get("mode", "raise")
            if mode == "exit":
                sys.exit(0)
            if mode == "loop":
                while True:
                    pass
            if mode == "raise":
                raise ValueError("boom")

    def analyze(self, context, result):
        if self.params.get("mode") == "analyze":
            raise RuntimeError("plot failed")
"""


@pytest.mark.parametrize(
    ("mode", "extra", "message", "sessions"),
    [
        ("raise", [], "raised ValueError", 5),
        ("exit", [], "called sys.exit(0)", 5),
        ("loop", ["--time-limit", "0.5"], "time limit", 5),
        ("none", ["--max-bars", "7"], "bar limit", 7),
        ("analyze", [], "plot failed", None),
    ],
)
def test_a_failed_run_saves_what_it_did_and_exits_non_zero(
    tmp_path: Path, mode: str, extra: list[str], message: str, sessions: int | None
) -> None:
    from rustybt import BacktestResult

    strategy = tmp_path / "failing.py"
    strategy.write_text(FAILING)
    args = ["run", str(strategy), "--output", str(tmp_path / "out"), "--param", f"mode={mode!r}"]
    result = runner.invoke(app, [*args, "--audit-log", str(tmp_path / "audit.jsonl"), *extra])
    assert result.exit_code == 5, result.stderr
    assert message in result.stderr
    saved = BacktestResult.load(tmp_path / "out" / "failing")
    assert saved.failed
    assert "FAILED" in repr(saved)
    assert len(saved.perf) == (sessions or len(saved.perf))
    assert "marked failed" in result.stdout
    last = (tmp_path / "audit.jsonl").read_text().splitlines()[-1]
    assert '"event":"run.failed"' in last
