"""Untrusted input: symbols, catalog names and paths, strategy parameters."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rustybt.cli.commands import _parse_params
from rustybt.data.catalog import check_name
from rustybt.errors import ConfigError
from rustybt.security import check_symbol, contained_path

# --- symbols -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "symbol",
    ["AAPL", "BRK.B", "^GSPC", "BTCUSDT", "BTC/USDT", "BTC-USD", "ES_F", "A", "X" * 32, "6E"],
)
def test_real_symbol_shapes_are_accepted(symbol: str) -> None:
    assert check_symbol(symbol) == symbol


@pytest.mark.parametrize(
    "symbol",
    [
        "",
        "X" * 33,
        "AAPL MSFT",
        "AAPL;rm -rf /",
        "../etc/passwd",
        "/etc/passwd",
        ".hidden",
        "A..B",
        "$(id)",
        "AAPL\n",
        "ÄPFEL",
        "a\x00b",
    ],
)
def test_suspicious_symbols_are_refused(symbol: str) -> None:
    with pytest.raises(ConfigError, match="invalid symbol") as raised:
        check_symbol(symbol)
    assert raised.value.exit_code == 2


@given(st.text(max_size=40))
def test_accepted_symbols_are_short_plain_and_cannot_climb(symbol: str) -> None:
    try:
        check_symbol(symbol)
    except ConfigError:
        return
    assert re.fullmatch(r"[A-Za-z0-9._^/-]{1,32}", symbol)
    assert ".." not in symbol
    assert not symbol.startswith(("/", "."))


@pytest.mark.realdata
def test_every_sp500_constituent_symbol_is_accepted(shared_data: Path) -> None:
    with (shared_data / "sp500_constituents_2018-04-02.csv").open(newline="") as handle:
        symbols = [row["Symbol"] for row in csv.DictReader(handle)]
    assert len(symbols) == 505
    assert [s for s in symbols if check_symbol(s) != s] == []
    assert "BRK.B" in symbols


# --- catalog names and paths -------------------------------------------------------


@pytest.mark.parametrize("name", ["sp500", "sp500_daily", "btc-1m", "v1.2", "A" * 128])
def test_catalog_names_accepted(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize(
    "name",
    ["", "..", "../x", "a/b", "a\\b", "/abs", ".hidden", "-flag", "a..b", "A" * 129, "a b", "é"],
)
def test_catalog_names_that_could_escape_are_refused(name: str) -> None:
    with pytest.raises(ConfigError, match="invalid dataset name"):
        check_name(name)


@given(st.text(max_size=140))
def test_accepted_catalog_names_stay_inside_the_catalog(name: str) -> None:
    try:
        check_name(name)
    except ConfigError:
        return
    root = Path("/catalog")
    assert (root / name).resolve().parent == root
    assert os.sep not in name


def test_contained_path_joins_inside_the_root(tmp_path: Path) -> None:
    assert contained_path(tmp_path, "sp500", "bars.parquet") == (
        tmp_path.resolve() / "sp500" / "bars.parquet"
    )
    assert contained_path(tmp_path, "a/../b") == tmp_path.resolve() / "b"


@pytest.mark.parametrize("parts", [("..",), ("a", "..", ".."), ("/etc/passwd",), ("a/../../b",)])
def test_contained_path_refuses_escapes(tmp_path: Path, parts: tuple[str, ...]) -> None:
    with pytest.raises(ConfigError, match="leads outside"):
        contained_path(tmp_path / "root", *parts)


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_contained_path_follows_symlinks_before_checking(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "escape").symlink_to(tmp_path)
    with pytest.raises(ConfigError, match="leads outside"):
        contained_path(root, "escape", "secrets.json")


# --- strategy parameters from --param ----------------------------------------------


def test_params_are_python_literals() -> None:
    assert _parse_params(
        ["fast=10", "ratio=0.5", "name='x'", "flags=[1, 2]", "on=True", "none=None"]
    ) == {"fast": 10, "ratio": 0.5, "name": "x", "flags": [1, 2], "on": True, "none": None}


def test_a_non_literal_value_stays_a_string_and_is_never_evaluated(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payload = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    assert _parse_params([f"x={payload}", "y=AAPL", "z=a=b"]) == {
        "x": payload,
        "y": "AAPL",
        "z": "a=b",
    }
    assert not marker.exists()


@pytest.mark.parametrize(
    "pair", ["fast", "=10", "1x=2", "a-b=1", "a b=1", "x.y=1", "__import__('os')=1"]
)
def test_param_names_must_be_identifiers(pair: str) -> None:
    with pytest.raises(ConfigError, match="bad --param"):
        _parse_params([pair])


# --- strategy files are code -------------------------------------------------------


def test_run_help_says_the_strategy_file_is_executed() -> None:
    from typer.testing import CliRunner

    from rustybt.cli import app

    result = CliRunner().invoke(app, ["run", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "this executes its code: run only files you trust" in " ".join(result.stdout.split())
