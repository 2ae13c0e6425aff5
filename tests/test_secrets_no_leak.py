"""Planted secrets never leak: a strategy reads secrets from the store and uses them in
logging, decisions, parameters, a URL and an exception; every command is run and every
file written and every stream printed is searched for the values. Zero hits allowed."""

from __future__ import annotations

import gzip
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pytest
from typer.testing import CliRunner

from rustybt.cli import app
from rustybt.security.keys import generate_key, write_key_file
from rustybt.security.masking import forget_secrets

# Shapes no pattern rule catches: a passphrase with spaces, a short password with
# punctuation (URL-encoded in a query), a plain word-like key under an innocent name.
SECRETS = {
    "PASSPHRASE": "correct horse battery staple",
    "DB_PASSWORD": "p@ss w0rd!",
    "BROKER_LOGIN": "plainloginvalue",
}

STRATEGY = """
import os
from pathlib import Path

from rustybt import Strategy
from rustybt.log import get_logger
from rustybt.security import SecretsStore, load_keys


class Leaky(Strategy):
    def initialize(self, context):
        store = SecretsStore(
            Path(os.environ["LEAK_STORE"]), load_keys(key_file=Path(os.environ["LEAK_KEYS"]))
        )
        context.s = {name: store.get(name) for name in store.names()}
        self.params["login"] = context.s["BROKER_LOGIN"]
        self.params["nested"] = {"cfg": [context.s["PASSPHRASE"]]}
        context.n = 0

    def handle_data(self, context, data):
        s = context.s
        context.n += 1
        url = "https://broker.example/api?user=me&pw=" + s["DB_PASSWORD"]
        get_logger(component="leaky").info(
            "connecting", url=url, note="using " + s["PASSPHRASE"], login=s["BROKER_LOGIN"]
        )
        context.log_decision(
            "hold",
            reason="passphrase=" + s["PASSPHRASE"],
            url=url,
            who=s["BROKER_LOGIN"],
            mixed=[1, s["DB_PASSWORD"]] if context.n % 2 else s["DB_PASSWORD"],
        )
        if context.n == 4:
            raise ValueError("login " + s["BROKER_LOGIN"] + " rejected for " + url)
"""


def _forms(value: str) -> set[str]:
    return {value, quote(value, safe=""), quote(value)}


NEEDLES = set().union(*(_forms(v) for v in SECRETS.values()))


def _texts(root: Path) -> Iterator[tuple[Path, str]]:
    """Every file's text: raw bytes, gunzipped, and Parquet cells read back."""
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        yield path, raw.decode("utf-8", "replace")
        if raw[:2] == b"\x1f\x8b":
            yield path, gzip.decompress(raw).decode("utf-8", "replace")
        if path.suffix == ".parquet":
            yield path, pd.read_parquet(path).to_json(force_ascii=False)


def _hits(text: str) -> list[str]:
    return sorted(needle for needle in NEEDLES if needle in text)


@pytest.fixture
def planted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    forget_secrets()  # the masker must learn the values from the store, not from a test
    keys = tmp_path / "keys"
    write_key_file(keys, (generate_key(),))
    monkeypatch.setenv("LEAK_STORE", str(tmp_path / "secrets.json"))
    monkeypatch.setenv("LEAK_KEYS", str(keys))
    monkeypatch.delenv("RUSTYBT_SECRETS_KEY", raising=False)
    (tmp_path / "leaky.py").write_text(STRATEGY)
    return tmp_path


def test_planted_secrets_appear_in_no_file_and_no_stream(planted: Path) -> None:
    runner = CliRunner()
    store = ["--store", str(planted / "secrets.json"), "--key-file", str(planted / "keys")]
    streams: list[tuple[str, str]] = []

    def run(*args: str, stdin: str | None = None) -> int:
        result = runner.invoke(app, list(args), input=stdin)
        streams.append((" ".join(args[:2]), result.stdout + result.stderr))
        return result.exit_code

    for name, value in SECRETS.items():
        assert run("secrets", "set", name, *store, stdin=value) == 0
    assert run("secrets", "list", *store) == 0
    assert run("secrets", "get", "PASSPHRASE", *store) == 0
    log = planted / "logs" / "audit.jsonl"
    output = planted / "out"
    code = run("run", str(planted / "leaky.py"), "--output", str(output), "--audit-log", str(log))
    assert code == 5  # the strategy raised: a strategy error, partial result saved
    assert run("run", str(planted / "leaky.py"), "--output", str(output), "--debug") == 5
    assert run("logs", str(log)) == 0
    assert run("logs", str(log), "--table") == 0
    assert run("secrets", "rotate", *store) == 0
    assert run("secrets", "list", *store) == 0

    # The run really used the secrets: the masked values are in the files.
    saved = output / "leaky"
    assert (saved / "decisions.parquet").is_file()
    assert "***" in log.read_text()
    leaks = [(name, _hits(text)) for name, text in streams if _hits(text)]
    leaks += [
        (str(path.relative_to(planted)), _hits(text))
        for path, text in _texts(planted)
        if path.name not in ("secrets.json", "keys", "leaky.py") and _hits(text)
    ]
    assert leaks == []


def test_audit_log_and_results_are_not_readable_by_others(planted: Path) -> None:
    runner = CliRunner()
    log = planted / "audit.jsonl"
    result = runner.invoke(app, ["demo", "--output", str(planted / "out"), "--audit-log", str(log)])
    assert result.exit_code == 0
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    saved = planted / "out" / "demo"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o750
    for path in saved.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) & 0o007 == 0, path


def test_get_logger_without_a_log_masks_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from rustybt.log import get_logger, reset_logging
    from rustybt.security import register_secret

    reset_logging()
    register_secret("my long passphrase")
    get_logger().info("login", detail="with my long passphrase", api_key="abc")
    captured = capsys.readouterr()
    assert "my long passphrase" not in captured.out + captured.err
    assert "abc" not in captured.err
    assert "login" in captured.err
    forget_secrets()


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
def test_open_private_creates_0600(tmp_path: Path) -> None:
    from rustybt.security.files import open_private

    with open_private(tmp_path / "x.log") as handle:
        handle.write(b"line\n")
    assert stat.S_IMODE((tmp_path / "x.log").stat().st_mode) == 0o600
