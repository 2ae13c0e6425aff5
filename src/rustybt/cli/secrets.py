"""`rustybt secrets`: keep broker and data-vendor credentials encrypted at rest.

Values never come from the command line by default (it ends up in the shell
history and the process list): `set` reads standard input, or prompts without
echo. `list` shows masked values; `get` prints a value only with ``--reveal``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rustybt.cli.errors import report_errors
from rustybt.errors import SecretsError

if TYPE_CHECKING:
    from rustybt.security import SecretsStore

__all__ = [
    "SecretsPaths",
    "delete_secret",
    "get_secret",
    "init_key",
    "list_secrets",
    "read_value",
    "resolve_paths",
    "rotate_keys",
    "secrets_app",
    "set_secret",
]

secrets_app = typer.Typer(
    help="Store credentials encrypted at rest (key: $RUSTYBT_SECRETS_KEY or a 0600 key file).",
    no_args_is_help=True,
)

Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks and error context.")]
StoreOption = Annotated[
    Path | None,
    typer.Option("--store", help="Secrets file (default: secrets.store setting)."),
]
KeyFileOption = Annotated[
    Path | None,
    typer.Option("--key-file", help="Key file (default: secrets.key_file setting)."),
]
NameArgument = Annotated[str, typer.Argument(help="Secret name, e.g. BROKER_API_KEY.")]


@dataclass(frozen=True)
class SecretsPaths:
    """Where the store and its key live, after settings and command-line options."""

    store: Path
    key_file: Path
    use_keyring: bool = False


def resolve_paths(store: Path | None = None, key_file: Path | None = None) -> SecretsPaths:
    """The settings' paths (see `rustybt.config`), overridden by ``--store``/``--key-file``."""
    from rustybt.config import load_settings

    settings = load_settings().secrets
    return SecretsPaths(
        store=(store or settings.store).expanduser(),
        key_file=(key_file or settings.key_file).expanduser(),
        use_keyring=settings.use_keyring,
    )


def read_value(name: str, value: str | None) -> str:
    """The secret's value: ``--value`` (with a warning), piped stdin, or a hidden prompt.

    One trailing newline from stdin is dropped (``echo "$TOKEN" | rustybt secrets set X``).
    """
    if value is not None:
        print(
            "warning: --value leaves the secret in your shell history and the process list; "
            "prefer piping it on stdin or the prompt",
            file=sys.stderr,
        )
        text = value
    elif not sys.stdin.isatty():
        text = sys.stdin.read()
        text = text.removesuffix("\n").removesuffix("\r")
    else:
        text = str(typer.prompt(f"value for {name}", hide_input=True, confirmation_prompt=True))
    if not text:
        raise SecretsError(
            f"no value given for {name!r}",
            context={"name": name},
            hint=f'pipe it in: printf %s "$VALUE" | rustybt secrets set {name}',
        )
    return text


def _open(paths: SecretsPaths) -> SecretsStore:
    # Imported here so `rustybt --help` does not load cryptography.
    from rustybt.security import SecretsStore, load_keys

    keys = load_keys(key_file=paths.key_file, use_keyring=paths.use_keyring)
    return SecretsStore(paths.store, keys)


def init_key(paths: SecretsPaths) -> None:
    """Create the first key: in the key file (0600), or in the OS keyring when enabled."""
    from rustybt.security import KEY_ENV, generate_key, os_keyring, write_key_file

    if paths.use_keyring:
        if os_keyring.get_keys():
            raise SecretsError(
                f"{os_keyring.LOCATION} already holds a secrets key",
                hint="use `rustybt secrets rotate` to replace it",
            )
        os_keyring.set_keys((generate_key(),))
        print(f"created a secrets key in {os_keyring.LOCATION}")
        return
    if paths.key_file.exists():
        raise SecretsError(
            f"secrets key file {paths.key_file} already exists",
            context={"path": str(paths.key_file)},
            hint="use `rustybt secrets rotate` to replace the key",
        )
    write_key_file(paths.key_file, (generate_key(),))
    print(f"created secrets key file {paths.key_file} (mode 0600)")
    print("back it up somewhere safe: without it the stored secrets cannot be decrypted")
    if os.environ.get(KEY_ENV):
        print(f"note: ${KEY_ENV} is set and takes precedence over the key file")


def set_secret(paths: SecretsPaths, name: str, value: str) -> None:
    """Encrypt and store ``value`` under ``name``."""
    _open(paths).set(name, value)
    print(f"stored {name} in {paths.store}")


def get_secret(paths: SecretsPaths, name: str, *, reveal: bool) -> None:
    """Print the value of ``name``: masked, or in clear with ``reveal``."""
    from rustybt.security import mask

    value = _open(paths).get(name)
    if reveal:
        print(value)
    else:
        print(f"{name}  {mask(value)}  (add --reveal to print the value)")


def list_secrets(paths: SecretsPaths) -> None:
    """Print each stored name with its masked value."""
    from rustybt.security import mask

    values = _open(paths).values()
    if not values:
        print(f"no secrets in {paths.store}")
        return
    width = max(len(name) for name in values)
    for name, value in values.items():
        print(f"{name:<{width}}  {mask(value)}")


def delete_secret(paths: SecretsPaths, name: str) -> None:
    """Remove ``name`` from the store."""
    _open(paths).delete(name)
    print(f"deleted {name} from {paths.store}")


def rotate_keys(paths: SecretsPaths, *, drop_old: bool) -> None:
    """Generate a new key, re-encrypt every secret with it, and save the key list.

    Each step leaves a usable state if the next one fails: the new key list
    (new first, old after) is saved before the store is re-encrypted, and old
    keys are dropped (``drop_old``) only after the store no longer needs them.
    With ``$RUSTYBT_SECRETS_KEY`` the new list goes to the key file, which must
    not exist yet, and the variable must be unset afterwards.
    """
    from rustybt.security import KEY_ENV, KeySource, generate_key, os_keyring, write_key_file

    store = _open(paths)
    old = store.keys
    if old.source is KeySource.ENVIRONMENT and paths.key_file.exists():
        raise SecretsError(
            f"${KEY_ENV} is set and key file {paths.key_file} exists; not sure which to rotate",
            context={"key_file": str(paths.key_file)},
            hint=f"unset {KEY_ENV} to rotate the key file, or move the key file away",
        )
    rotated = old.with_new_key(generate_key())

    def save(keys: tuple[str, ...]) -> None:
        if old.source is KeySource.KEYRING:
            os_keyring.set_keys(keys)
        else:
            write_key_file(paths.key_file, keys)

    save(rotated.keys)
    count = store.rotate(rotated)
    if drop_old:
        save(rotated.keys[:1])
    where = os_keyring.LOCATION if old.source is KeySource.KEYRING else str(paths.key_file)
    kept = 1 if drop_old else len(rotated.keys)
    print(f"re-encrypted {count} secret(s) in {paths.store} with a new key")
    print(f"{where} now holds {kept} key(s), newest first")
    if not drop_old:
        print(
            "the old key(s) still decrypt older copies (backups) of the store; remove them "
            f"from {where} once nothing needs them (or rotate again with --drop-old)"
        )
    if old.source is KeySource.ENVIRONMENT:
        print(f"now unset {KEY_ENV}: it holds only the old key and would take precedence")


@secrets_app.command("init")
def init_command(key_file: KeyFileOption = None, debug: Debug = False) -> None:
    """Create a new secrets key file (mode 0600), or a keyring entry when enabled."""
    report_errors(lambda: init_key(resolve_paths(key_file=key_file)), debug=debug)


@secrets_app.command("set")
def set_command(
    name: NameArgument,
    value: Annotated[
        str | None,
        typer.Option(help="The value (discouraged: visible in shell history; use stdin)."),
    ] = None,
    store: StoreOption = None,
    key_file: KeyFileOption = None,
    debug: Debug = False,
) -> None:
    """Store NAME; the value is read from stdin, or prompted for without echo."""

    def action() -> None:
        paths = resolve_paths(store, key_file)
        set_secret(paths, name, read_value(name, value))

    report_errors(action, debug=debug)


@secrets_app.command("get")
def get_command(
    name: NameArgument,
    reveal: Annotated[bool, typer.Option(help="Print the value in clear.")] = False,
    store: StoreOption = None,
    key_file: KeyFileOption = None,
    debug: Debug = False,
) -> None:
    """Show NAME masked; --reveal prints the value itself (e.g. for scripts)."""
    report_errors(
        lambda: get_secret(resolve_paths(store, key_file), name, reveal=reveal), debug=debug
    )


@secrets_app.command("list")
def list_command(
    store: StoreOption = None, key_file: KeyFileOption = None, debug: Debug = False
) -> None:
    """List the stored names with masked values."""
    report_errors(lambda: list_secrets(resolve_paths(store, key_file)), debug=debug)


@secrets_app.command("delete")
def delete_command(
    name: NameArgument,
    store: StoreOption = None,
    key_file: KeyFileOption = None,
    debug: Debug = False,
) -> None:
    """Remove NAME from the store."""
    report_errors(lambda: delete_secret(resolve_paths(store, key_file), name), debug=debug)


@secrets_app.command("rotate")
def rotate_command(
    drop_old: Annotated[
        bool, typer.Option(help="Keep only the new key once the store is re-encrypted.")
    ] = False,
    store: StoreOption = None,
    key_file: KeyFileOption = None,
    debug: Debug = False,
) -> None:
    """Generate a new key and re-encrypt every secret with it."""
    report_errors(
        lambda: rotate_keys(resolve_paths(store, key_file), drop_old=drop_old), debug=debug
    )
