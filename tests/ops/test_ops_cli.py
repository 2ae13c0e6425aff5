"""`rustybt preflight`, `backup` and `restore` from the command line, on a paper session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rustybt.cli import app
from rustybt.data.bars import BarPanel
from tests.ops.sessions import paper_runner, run_session

runner = CliRunner()


def _invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def state(demo_window: BarPanel, tmp_path: Path) -> Path:
    state = tmp_path / "state"
    runner_, broker = paper_runner(demo_window.select(end="2016-01-31"), state, "max")
    run_session(runner_, broker)
    state.chmod(0o700)
    return state


def _paper_config(tmp_path: Path, state: Path) -> Path:
    config = tmp_path / "paper.toml"
    config.write_text(
        f"""
[broker]
name = "paper"
[session]
state = "{state}"
capital = 100000
[risk]
max_order_notional = 50000
max_drawdown = 0.5
"""
    )
    return config


def test_preflight_fails_without_a_backup_then_passes_after_one(
    state: Path, tmp_path: Path
) -> None:
    config = _paper_config(tmp_path, state)
    args = ("preflight", "--config", str(config), "--latency-bars", "30", "--min-free-gb", "0")
    code, out, _ = _invoke(*args)
    assert code == 1
    assert "FAIL  backup " in out
    assert "the session has never been backed up" in out
    assert out.strip().endswith("preflight failed: backup")
    for name in ("secrets", "state", "risk", "disk", "broker", "clock", "reconciliation"):
        assert f"PASS  {name}" in out, out
    code, out, _ = _invoke("backup", "--state", str(state), "--to", str(tmp_path / "b1"))
    assert code == 0
    assert f"backed up {state} -> {(tmp_path / 'b1').resolve()}" in out
    code, out, _ = _invoke(*args)
    assert code == 0, out
    assert out.strip().endswith("preflight passed: ready to trade")
    assert "PASS  latency " in out
    assert "p99 decision" in out


def test_restore_from_the_command_line(state: Path, tmp_path: Path) -> None:
    _invoke("backup", "--state", str(state), "--to", str(tmp_path / "b1"))
    code, _, err = _invoke("restore", str(tmp_path / "b1"), "--to", str(state))
    assert code == 2
    assert "already holds a live state; restore never overwrites one" in err
    code, out, _ = _invoke("restore", str(tmp_path / "b1"), "--to", str(tmp_path / "r"))
    assert code == 0
    assert "every file matched its sha256" in out
    assert (tmp_path / "r" / "state.db").is_file()
    shutil.rmtree(tmp_path / "r")
    (tmp_path / "b1" / "state.db").write_bytes(b"not a database")
    code, _, err = _invoke("restore", str(tmp_path / "b1"), "--to", str(tmp_path / "r"))
    assert code == 3  # a DataError
    assert "state.db does not match its manifest" in err
