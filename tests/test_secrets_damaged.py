"""A damaged secrets store entry is reported by name; no command ends in exit 70."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from rustybt.cli import app
from rustybt.errors import SecretsError
from rustybt.security import KeySource, SecretsKeys, SecretsStore
from rustybt.security.keys import write_key_file

KEY = Fernet.generate_key().decode()
runner = CliRunner()


def _store(tmp_path: Path) -> tuple[Path, list[str]]:
    path = tmp_path / "secrets.json"
    store = SecretsStore(path, SecretsKeys((KEY,), KeySource.FILE, "test"))
    store.set("GOOD", "a fine value")
    store.set("BAD", "soon damaged")
    write_key_file(tmp_path / "key", (KEY,))
    return path, ["--store", str(path), "--key-file", str(tmp_path / "key")]


def _damage(path: Path, name: str, token: str) -> None:
    data = json.loads(path.read_text())
    data["secrets"][name] = token
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(
    "token",
    [
        "gAAAAABé-non-ascii",  # a non-ASCII character in the token
        "gAAAAAB" + "A" * 80,  # valid characters, broken HMAC
        "",  # emptied
        "not base64 at all !!",
    ],
)
@pytest.mark.parametrize(
    "command", [["get", "BAD"], ["list"], ["rotate"], ["get", "BAD", "--reveal"]]
)
def test_a_damaged_entry_is_named_and_never_an_internal_error(
    tmp_path: Path, token: str, command: list[str]
) -> None:
    path, options = _store(tmp_path)
    _damage(path, "BAD", token)
    result = runner.invoke(app, ["secrets", *command, *options])
    assert result.exit_code == 2, result.stderr
    assert "entry 'BAD' is damaged" in result.stderr
    assert "does not match" not in result.stderr


def test_the_other_entries_stay_usable_and_the_damaged_one_can_be_set_again(
    tmp_path: Path,
) -> None:
    path, options = _store(tmp_path)
    _damage(path, "BAD", "gAAAAABé")
    assert runner.invoke(app, ["secrets", "get", "GOOD", *options]).exit_code == 0
    result = runner.invoke(app, ["secrets", "set", "BAD", *options], input="fixed value")
    assert result.exit_code == 0, result.stderr
    store = SecretsStore(path, SecretsKeys((KEY,), KeySource.FILE, "test"))
    assert store.get("BAD") == "fixed value"


def test_a_wrong_key_is_still_reported_as_a_mismatch(tmp_path: Path) -> None:
    path, _ = _store(tmp_path)
    other = SecretsKeys((Fernet.generate_key().decode(),), KeySource.FILE, "other")
    with pytest.raises(SecretsError, match="does not match the store"):
        SecretsStore(path, other).values()
    with pytest.raises(SecretsError, match="does not match the store"):
        SecretsStore(path, other).get("GOOD")
