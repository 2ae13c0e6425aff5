"""Secrets encrypted at rest: keys, key files, the store, rotation, masking and the CLI."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from rustybt.cli import app
from rustybt.errors import ConfigError, SecretsError
from rustybt.security import (
    KEY_ENV,
    KeySource,
    SecretsKeys,
    SecretsStore,
    generate_key,
    load_keys,
    mask,
    parse_keys,
    read_key_file,
    write_key_file,
)

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def keys(*values: str) -> SecretsKeys:
    return SecretsKeys(tuple(values), KeySource.ENVIRONMENT, f"${KEY_ENV}")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- keys --------------------------------------------------------------------------


def test_generated_keys_are_valid_and_distinct() -> None:
    first, second = generate_key(), generate_key()
    assert first != second
    assert len(first) == 44
    assert parse_keys(first, location="test") == (first,)


def test_parse_keys_accepts_commas_newlines_and_comments() -> None:
    text = f"# newest first\n{KEY_A}, {KEY_B}\n\n"
    assert parse_keys(text, location="test") == (KEY_A, KEY_B)


def test_parse_keys_names_the_bad_key_by_position_not_value() -> None:
    with pytest.raises(SecretsError, match="key 2 in test is not a valid Fernet key") as raised:
        parse_keys(f"{KEY_A},not-a-key", location="test")
    assert "not-a-key" not in str(raised.value)


def test_parse_keys_rejects_an_empty_list() -> None:
    with pytest.raises(SecretsError, match="no secrets key in test"):
        parse_keys(" ,\n# only a comment\n", location="test")


def test_keys_repr_never_shows_key_material() -> None:
    shown = repr(keys(KEY_A, KEY_B))
    assert KEY_A not in shown
    assert shown == f"SecretsKeys(2 key(s) from environment ${KEY_ENV})"


@posix_only
def test_key_file_is_written_0600_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "secrets.key"
    write_key_file(path, (KEY_A, KEY_B))
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    assert read_key_file(path) == (KEY_A, KEY_B)
    assert [p.name for p in path.parent.iterdir()] == ["secrets.key"]  # no temp file left


@posix_only
@pytest.mark.parametrize("loose", [0o640, 0o604, 0o644, 0o660, 0o666])
def test_key_file_readable_by_others_is_refused(tmp_path: Path, loose: int) -> None:
    path = tmp_path / "secrets.key"
    write_key_file(path, (KEY_A,))
    path.chmod(loose)
    with pytest.raises(SecretsError, match=f"readable by other users \\(mode {loose:04o}\\)") as e:
        read_key_file(path)
    assert e.value.hint == f"run: chmod 600 {path}"


@posix_only
def test_read_only_key_file_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "secrets.key"
    write_key_file(path, (KEY_A,))
    path.chmod(0o400)
    assert read_key_file(path) == (KEY_A,)


def test_load_keys_prefers_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "secrets.key"
    write_key_file(path, (KEY_B,))
    loaded = load_keys(key_file=path, env={KEY_ENV: f"{KEY_A},{KEY_B}"})
    assert loaded.keys == (KEY_A, KEY_B)
    assert loaded.source is KeySource.ENVIRONMENT


def test_load_keys_falls_back_to_the_key_file(tmp_path: Path) -> None:
    path = tmp_path / "secrets.key"
    write_key_file(path, (KEY_B,))
    loaded = load_keys(key_file=path, env={KEY_ENV: "  "})
    assert loaded.keys == (KEY_B,)
    assert loaded.source is KeySource.FILE
    assert loaded.location == str(path)


def test_missing_key_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SecretsError, match="no secrets key found") as raised:
        load_keys(key_file=tmp_path / "none.key", env={})
    assert raised.value.hint is not None
    assert "rustybt secrets init" in raised.value.hint
    assert isinstance(raised.value, ConfigError)
    assert raised.value.exit_code == 2


def test_keyring_without_the_extra_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)  # import keyring -> ImportError
    with pytest.raises(SecretsError, match="keyring support is not installed") as raised:
        load_keys(key_file=tmp_path / "none.key", env={}, use_keyring=True)
    # This project's extra, never the unrelated PyPI package named rustybt.
    assert "pip install -e '.[keyring]'" in (raised.value.hint or "")


def test_keys_from_the_os_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vault: dict[tuple[str, str], str] = {("rustybt", "secrets-key"): f"{KEY_A},{KEY_B}"}
    fake = SimpleNamespace(
        get_password=lambda service, user: vault.get((service, user)),
        set_password=lambda service, user, value: vault.__setitem__((service, user), value),
    )
    monkeypatch.setitem(sys.modules, "keyring", fake)
    loaded = load_keys(key_file=tmp_path / "none.key", env={}, use_keyring=True)
    assert loaded.keys == (KEY_A, KEY_B)
    assert loaded.source is KeySource.KEYRING


# --- the store ---------------------------------------------------------------------


@posix_only
def test_store_round_trip_encrypted_at_rest_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    store = SecretsStore(path, keys(KEY_A))
    store.set("BROKER_API_KEY", "pk_live_0123456789")
    store.set("DATA_TOKEN", "tok-ü-42")
    assert mode(path) == 0o600
    text = path.read_text()
    assert "pk_live_0123456789" not in text
    assert "tok-" not in text
    data = json.loads(text)
    assert data["format_version"] == 1
    assert sorted(data["secrets"]) == ["BROKER_API_KEY", "DATA_TOKEN"]
    reopened = SecretsStore(path, keys(KEY_A))
    assert reopened.get("BROKER_API_KEY") == "pk_live_0123456789"
    assert reopened.get("DATA_TOKEN") == "tok-ü-42"
    assert reopened.names() == ["BROKER_API_KEY", "DATA_TOKEN"]
    assert Fernet(KEY_A.encode()).decrypt(data["secrets"]["DATA_TOKEN"].encode()) == (
        "tok-ü-42".encode()
    )


def test_set_replaces_and_delete_removes(tmp_path: Path) -> None:
    store = SecretsStore(tmp_path / "s.json", keys(KEY_A))
    store.set("A", "one")
    store.set("A", "two")
    assert store.values() == {"A": "two"}
    store.delete("A")
    assert store.names() == []
    with pytest.raises(SecretsError, match="no secret named 'A'"):
        store.delete("A")


def test_missing_name_lists_what_is_stored(tmp_path: Path) -> None:
    store = SecretsStore(tmp_path / "s.json", keys(KEY_A))
    store.set("ALPHA", "x")
    with pytest.raises(SecretsError, match="no secret named 'BETA'") as raised:
        store.get("BETA")
    assert raised.value.hint == "stored: ALPHA; add it with: rustybt secrets set BETA"


def test_wrong_key_is_a_secrets_error_not_invalid_token(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    SecretsStore(path, keys(KEY_A)).set("A", "value")
    with pytest.raises(SecretsError, match="the secrets key does not match the store") as raised:
        SecretsStore(path, keys(KEY_B)).get("A")
    assert type(raised.value.cause).__name__ == "InvalidToken"
    assert KEY_B not in str(raised.value)


def test_set_refuses_to_mix_keys_in_one_store(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    SecretsStore(path, keys(KEY_A)).set("A", "value")
    before = path.read_bytes()
    with pytest.raises(SecretsError, match="does not match"):
        SecretsStore(path, keys(KEY_B)).set("B", "other")
    assert path.read_bytes() == before


def test_rotation_re_encrypts_with_the_newest_key(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    store = SecretsStore(path, keys(KEY_A))
    store.set("A", "alpha")
    store.set("B", "beta")
    assert store.rotate(keys(KEY_B, KEY_A)) == 2
    # The new key alone now decrypts everything; the old key alone no longer does.
    assert SecretsStore(path, keys(KEY_B)).values() == {"A": "alpha", "B": "beta"}
    with pytest.raises(SecretsError, match="does not match"):
        SecretsStore(path, keys(KEY_A)).get("A")


def test_old_keys_still_decrypt_before_rotation(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    SecretsStore(path, keys(KEY_A)).set("A", "alpha")
    # New key in front, old key behind: reads work before the store is re-encrypted.
    assert SecretsStore(path, keys(KEY_B, KEY_A)).get("A") == "alpha"


def test_rotation_without_the_old_key_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    SecretsStore(path, keys(KEY_A)).set("A", "alpha")
    before = path.read_bytes()
    with pytest.raises(SecretsError, match="does not match"):
        SecretsStore(path, keys(KEY_A)).rotate(keys(KEY_B))
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is unreadable"),
        ('{"secrets": []}', "is not a rustybt secrets file"),
        ('{"secrets": {"A": 1}}', "is not a rustybt secrets file"),
        ("[]", "is not a rustybt secrets file"),
    ],
)
def test_corrupt_store_is_a_secrets_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "s.json"
    path.write_text(content)
    with pytest.raises(SecretsError, match=message):
        SecretsStore(path, keys(KEY_A)).names()


@pytest.mark.parametrize("name", ["", "1ABC", "has space", "a/b", "../x", "x" * 65, "é"])
def test_invalid_secret_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(SecretsError, match="invalid secret name"):
        SecretsStore(tmp_path / "s.json", keys(KEY_A)).set(name, "v")


def test_empty_value_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SecretsError, match="empty"):
        SecretsStore(tmp_path / "s.json", keys(KEY_A)).set("A", "")


# --- masking -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("", "****"),
        ("hunter2", "****"),
        ("elevenchars", "****"),
        ("twelve_chars", "tw…rs"),
        ("sk_live_51HaBcDeFgXyZ", "sk…yZ"),
    ],
)
def test_mask_known_values(value: str, shown: str) -> None:
    assert mask(value) == shown


@given(st.text(max_size=200))
def test_mask_reveals_at_most_four_characters(value: str) -> None:
    shown = mask(value)
    assert len(shown.replace("…", "").replace("*", "")) <= 4
    if len(value) >= 12:
        assert shown == f"{value[:2]}…{value[-2:]}"


# --- the command line --------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private HOME with the settings pointing at it and no key in the environment."""
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in (KEY_ENV, "RUSTYBT_CONFIG", "RUSTYBT_SECRETS__STORE", "RUSTYBT_SECRETS__KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("RUSTYBT_SECRETS__USE_KEYRING", raising=False)
    return tmp_path


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["secrets", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_cli_without_a_key_says_how_to_create_one(home: Path) -> None:
    code, _, err = invoke("list")
    assert code == 2
    assert err.splitlines()[:2] == [
        "error: no secrets key found",
        f"hint: run `rustybt secrets init` to create {home}/.rustybt/secrets.key, or set {KEY_ENV}",
    ]


@posix_only
def test_cli_init_set_list_get(home: Path) -> None:
    code, out, _ = invoke("init")
    assert code == 0
    key_file = home / ".rustybt" / "secrets.key"
    assert out.splitlines()[0] == f"created secrets key file {key_file} (mode 0600)"
    assert mode(key_file) == 0o600

    code, out, _ = invoke("set", "BROKER_API_KEY", stdin="pk_live_0123456789\n")
    assert (code, out) == (0, f"stored BROKER_API_KEY in {home}/.rustybt/secrets.json\n")
    code, _, _ = invoke("set", "PIN", stdin="1234")
    assert code == 0

    code, out, _ = invoke("list")
    assert (code, out) == (0, "BROKER_API_KEY  pk…89\nPIN             ****\n")

    code, out, _ = invoke("get", "BROKER_API_KEY")
    assert out == "BROKER_API_KEY  pk…89  (add --reveal to print the value)\n"
    code, out, _ = invoke("get", "BROKER_API_KEY", "--reveal")
    assert (code, out) == (0, "pk_live_0123456789\n")
    assert "pk_live" not in (home / ".rustybt" / "secrets.json").read_text()

    code, _, err = invoke("init")
    assert code == 2
    assert "already exists" in err


def test_cli_value_option_works_but_warns(home: Path) -> None:
    invoke("init")
    code, _, err = invoke("set", "TOKEN", "--value", "abc")
    assert code == 0
    assert err.startswith("warning: --value leaves the secret in your shell history")
    assert invoke("get", "TOKEN", "--reveal")[1] == "abc\n"


def test_cli_empty_stdin_is_refused(home: Path) -> None:
    invoke("init")
    code, _, err = invoke("set", "TOKEN", stdin="")
    assert code == 2
    assert err.startswith("error: no value given for 'TOKEN'")


@posix_only
def test_cli_rotate_keeps_old_keys_then_drop_old(home: Path) -> None:
    invoke("init")
    invoke("set", "A", stdin="alpha-secret-value")
    key_file = home / ".rustybt" / "secrets.key"
    (first,) = read_key_file(key_file)

    code, out, _ = invoke("rotate")
    assert code == 0
    assert out.splitlines()[:2] == [
        f"re-encrypted 1 secret(s) in {home}/.rustybt/secrets.json with a new key",
        f"{key_file} now holds 2 key(s), newest first",
    ]
    newest, old = read_key_file(key_file)
    assert old == first
    assert mode(key_file) == 0o600
    store = home / ".rustybt" / "secrets.json"
    assert SecretsStore(store, keys(newest)).get("A") == "alpha-secret-value"

    code, out, _ = invoke("rotate", "--drop-old")
    assert code == 0
    (latest,) = read_key_file(key_file)
    assert latest not in (first, newest)
    assert SecretsStore(store, keys(latest)).get("A") == "alpha-secret-value"
    assert invoke("get", "A", "--reveal")[1] == "alpha-secret-value\n"


def test_cli_rotate_from_the_environment_moves_keys_to_the_key_file(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, KEY_A)
    invoke("set", "A", stdin="alpha")
    code, out, _ = invoke("rotate")
    assert code == 0
    assert out.splitlines()[-1] == (
        f"now unset {KEY_ENV}: it holds only the old key and would take precedence"
    )
    key_file = home / ".rustybt" / "secrets.key"
    newest, old = read_key_file(key_file)
    assert old == KEY_A
    monkeypatch.delenv(KEY_ENV)
    assert invoke("get", "A", "--reveal")[1] == "alpha\n"
    # With both a variable and a key file present, rotate refuses to guess.
    monkeypatch.setenv(KEY_ENV, newest)
    code, _, err = invoke("rotate")
    assert code == 2
    assert "not sure which to rotate" in err


def test_cli_wrong_key_exit_code_and_message(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, KEY_A)
    invoke("set", "A", stdin="alpha")
    monkeypatch.setenv(KEY_ENV, KEY_B)
    code, _, err = invoke("list")
    assert code == 2
    assert err.startswith("error: the secrets key does not match the store")


def test_cli_delete(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, KEY_A)
    invoke("set", "A", stdin="alpha")
    code, out, _ = invoke("delete", "A")
    assert (code, out) == (0, f"deleted A from {home}/.rustybt/secrets.json\n")
    assert invoke("list")[1] == f"no secrets in {home}/.rustybt/secrets.json\n"


def test_cli_store_and_key_file_options_override_settings(home: Path) -> None:
    key_file = home / "elsewhere" / "k.key"
    store = home / "elsewhere" / "s.json"
    write_key_file(key_file, (KEY_A,))
    code, _, _ = invoke("set", "A", "--store", str(store), "--key-file", str(key_file), stdin="a")
    assert code == 0
    assert SecretsStore(store, keys(KEY_A)).get("A") == "a"
    assert not (home / ".rustybt").exists()


def test_cli_reads_paths_from_the_settings_environment(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = home / "from-env.json"
    monkeypatch.setenv("RUSTYBT_SECRETS__STORE", str(store))
    monkeypatch.setenv(KEY_ENV, KEY_A)
    assert invoke("set", "A", stdin="alpha")[0] == 0
    assert SecretsStore(store, keys(KEY_A)).names() == ["A"]
    assert os.path.exists(store)


def test_cli_keyring_init_set_and_rotate(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vault: dict[tuple[str, str], str] = {}
    fake = SimpleNamespace(
        get_password=lambda service, user: vault.get((service, user)),
        set_password=lambda service, user, value: vault.__setitem__((service, user), value),
    )
    monkeypatch.setitem(sys.modules, "keyring", fake)
    monkeypatch.setenv("RUSTYBT_SECRETS__USE_KEYRING", "true")
    assert invoke("init") == (0, "created a secrets key in keyring rustybt/secrets-key\n", "")
    (first,) = parse_keys(vault[("rustybt", "secrets-key")], location="vault")
    assert invoke("set", "A", stdin="alpha")[0] == 0
    code, out, _ = invoke("rotate", "--drop-old")
    assert code == 0
    assert "keyring rustybt/secrets-key now holds 1 key(s), newest first" in out
    (latest,) = parse_keys(vault[("rustybt", "secrets-key")], location="vault")
    assert latest != first
    assert invoke("get", "A", "--reveal")[1] == "alpha\n"
    assert not (home / ".rustybt" / "secrets.key").exists()
    assert invoke("init")[0] == 2  # the keyring already holds a key
