"""Where the secrets key comes from: the environment, a private key file, or the OS keyring.

A "key list" is one or more Fernet keys, newest first. The newest encrypts; every
key in the list can decrypt, which is what makes rotation safe: put the new key
in front, re-encrypt, and drop the old keys once nothing needs them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet

from rustybt.errors import SecretsError
from rustybt.security import os_keyring
from rustybt.security.files import check_private, write_private

__all__ = [
    "KEY_ENV",
    "KeySource",
    "SecretsKeys",
    "generate_key",
    "load_keys",
    "parse_keys",
    "read_key_file",
    "write_key_file",
]

KEY_ENV = "RUSTYBT_SECRETS_KEY"


class KeySource(StrEnum):
    ENVIRONMENT = "environment"
    FILE = "file"
    KEYRING = "keyring"


@dataclass(frozen=True)
class SecretsKeys:
    """Fernet keys, newest first, and where they were found.

    Attributes:
        keys: url-safe base64 Fernet keys; ``keys[0]`` encrypts, all decrypt.
        source: environment variable, key file or OS keyring.
        location: the variable name, the file path or the keyring entry, for messages.
    """

    keys: tuple[str, ...]
    source: KeySource
    location: str

    def __repr__(self) -> str:
        # Never show key material, not even in a traceback.
        return f"SecretsKeys({len(self.keys)} key(s) from {self.source.value} {self.location})"

    def fernet(self) -> MultiFernet:
        """A MultiFernet that encrypts with the newest key and decrypts with any."""
        return MultiFernet([Fernet(key.encode("ascii")) for key in self.keys])

    def with_new_key(self, key: str, *, keep_old: bool = True) -> SecretsKeys:
        """These keys with ``key`` in front (and the old ones dropped unless ``keep_old``)."""
        keys = (key, *self.keys) if keep_old else (key,)
        return SecretsKeys(keys, self.source, self.location)


def generate_key() -> str:
    """A fresh random Fernet key (32 bytes, url-safe base64)."""
    return Fernet.generate_key().decode("ascii")


def parse_keys(text: str, *, location: str) -> tuple[str, ...]:
    """Keys separated by commas or newlines, newest first; ``#`` starts a comment line.

    Raises SecretsError when there is no key or one is not a valid Fernet key
    (the message names its position, never its value).
    """
    keys: list[str] = []
    for line in text.splitlines():
        if line.strip().startswith("#"):
            continue
        keys.extend(part.strip() for part in line.split(",") if part.strip())
    if not keys:
        raise SecretsError(
            f"no secrets key in {location}",
            context={"location": location},
            hint="generate one with: rustybt secrets init",
        )
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as exc:
            raise SecretsError(
                f"key {position} in {location} is not a valid Fernet key",
                context={"location": location, "position": position},
                hint="a key is 44 url-safe base64 characters; generate one with: "
                "rustybt secrets init",
            ) from exc
    return tuple(keys)


def read_key_file(path: Path) -> tuple[str, ...]:
    """The keys in ``path``; SecretsError when it is missing or readable by others."""
    if not path.is_file():
        raise SecretsError(
            f"secrets key file {path} does not exist",
            context={"path": str(path)},
            hint=f"create it with: rustybt secrets init (or set {KEY_ENV})",
        )
    check_private(path, what="secrets key file")
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretsError(
            f"cannot read secrets key file {path} ({exc})", context={"path": str(path)}
        ) from exc
    return parse_keys(text, location=f"key file {path}")


def write_key_file(path: Path, keys: tuple[str, ...]) -> None:
    """Write ``keys`` (newest first, one per line) to ``path`` atomically with mode 0600."""
    lines = ["# rustybt secrets keys, newest first; the first encrypts, all decrypt", *keys]
    write_private(path, ("\n".join(lines) + "\n").encode("ascii"))


def load_keys(
    *, key_file: Path, env: Mapping[str, str] | None = None, use_keyring: bool = False
) -> SecretsKeys:
    """The secrets keys, from the first place that has them.

    1. the environment variable ``RUSTYBT_SECRETS_KEY`` (comma-separated, newest first);
    2. ``key_file`` when it exists (one key per line, mode 0600 required);
    3. the OS keyring when ``use_keyring`` (needs the ``keyring`` extra).

    Raises SecretsError saying how to create a key when none is found.
    """
    environment = os.environ if env is None else env
    from_env = environment.get(KEY_ENV, "").strip()
    if from_env:
        location = f"${KEY_ENV}"
        return SecretsKeys(parse_keys(from_env, location=location), KeySource.ENVIRONMENT, location)
    path = key_file.expanduser()
    if path.exists():
        return SecretsKeys(read_key_file(path), KeySource.FILE, str(path))
    if use_keyring:
        stored = os_keyring.get_keys()
        if stored is not None:
            location = os_keyring.LOCATION
            return SecretsKeys(parse_keys(stored, location=location), KeySource.KEYRING, location)
    raise SecretsError(
        "no secrets key found",
        context={"env": KEY_ENV, "key_file": str(path), "keyring": use_keyring},
        hint=f"run `rustybt secrets init` to create {path}, or set {KEY_ENV}",
    )
