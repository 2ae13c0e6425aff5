"""`SecretsStore`: named secrets encrypted at rest in one JSON file.

The file maps each name to a Fernet token (AES-128-CBC + HMAC-SHA256, with a
timestamp). Names are visible, values are not. The file is rewritten
atomically with mode 0600 on every change.
"""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.fernet import InvalidToken, MultiFernet

from rustybt.errors import SecretsError
from rustybt.security.files import write_private
from rustybt.security.keys import KEY_ENV, SecretsKeys
from rustybt.security.masking import register_secret
from rustybt.security.sanitise import check_secret_name

__all__ = ["FORMAT_VERSION", "SecretsStore"]

FORMAT_VERSION = 1


def _decrypt_token(fernet: MultiFernet, token: str) -> str | None:
    """The decrypted value (registered with the masker), or None when the token does
    not decrypt: a wrong key, or a damaged token (bad base64, non-ASCII, bad HMAC)."""
    value = _try_decrypt(fernet, token)
    if isinstance(value, Exception):
        return None
    # From now on this value is masked wherever it would be written out.
    register_secret(value)
    return value


def _try_decrypt(fernet: MultiFernet, token: str) -> str | InvalidToken | UnicodeError:
    try:
        return fernet.decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        return exc


class SecretsStore:
    """Secrets encrypted with the newest of ``keys``; any of ``keys`` decrypts.

    Example:
        >>> store = SecretsStore(Path("~/.rustybt/secrets.json"), keys)  # doctest: +SKIP
        >>> store.set("BROKER_API_KEY", "pk_live_...")  # doctest: +SKIP
        >>> store.get("BROKER_API_KEY")  # doctest: +SKIP
    """

    def __init__(self, path: Path, keys: SecretsKeys) -> None:
        self.path = path.expanduser()
        self.keys = keys

    def __repr__(self) -> str:
        return f"SecretsStore({str(self.path)!r}, {self.keys!r})"

    def names(self) -> list[str]:
        """The stored names, sorted (no decryption needed)."""
        return sorted(self._read())

    def get(self, name: str) -> str:
        """The decrypted value of ``name``; SecretsError when absent or the key is wrong."""
        tokens = self._read()
        if name not in tokens:
            raise SecretsError(
                f"no secret named {name!r} in {self.path}",
                context={"name": name, "store": str(self.path)},
                hint=f"stored: {', '.join(sorted(tokens)) or 'none'}; "
                f"add it with: rustybt secrets set {name}",
            )
        return self._decrypt(name, tokens[name])

    def values(self) -> dict[str, str]:
        """Every name and its decrypted value (for `rustybt secrets list`, which masks them).

        Raises SecretsError naming the damaged entries when some decrypt and others do
        not (the key is right, those entries are corrupt), or the key mismatch when
        none decrypts.
        """
        tokens = self._read()
        fernet = self.keys.fernet()
        values: dict[str, str] = {}
        failed: list[str] = []
        for name, token in sorted(tokens.items()):
            value = _decrypt_token(fernet, token)
            if value is None:
                failed.append(name)
            else:
                values[name] = value
        if failed:
            raise self._failure(failed[0], failed, decrypted=bool(values))
        return values

    def set(self, name: str, value: str) -> None:
        """Encrypt ``value`` under ``name`` (replacing any old value) and save the store.

        Refuses (SecretsError) when the current keys cannot decrypt the secrets
        already stored, so one store never mixes values under unrelated keys.
        """
        check_secret_name(name)
        if not value:
            raise SecretsError(f"the value for {name!r} is empty", context={"name": name})
        tokens = self._read()
        self._check_keys(tokens, replacing=name)
        tokens[name] = self.keys.fernet().encrypt(value.encode("utf-8")).decode("ascii")
        self._write(tokens)

    def _check_keys(self, tokens: dict[str, str], *, replacing: str) -> None:
        """SecretsError unless the keys decrypt at least one other stored entry (a
        damaged entry elsewhere does not block replacing ``replacing``)."""
        others = {n: t for n, t in tokens.items() if n != replacing}
        if not others:
            return
        fernet = self.keys.fernet()
        if not any(_decrypt_token(fernet, token) is not None for token in others.values()):
            first = sorted(others)[0]
            raise self._failure(first, sorted(others), decrypted=False)

    def delete(self, name: str) -> None:
        """Remove ``name``; SecretsError when it is not stored."""
        tokens = self._read()
        if name not in tokens:
            raise SecretsError(
                f"no secret named {name!r} in {self.path}",
                context={"name": name, "store": str(self.path)},
            )
        del tokens[name]
        self._write(tokens)

    def rotate(self, keys: SecretsKeys) -> int:
        """Re-encrypt every secret with ``keys.keys[0]`` and use ``keys`` from now on.

        ``keys`` must still hold a key that decrypts the current tokens (normally the
        old keys follow the new one). Nothing is written unless every secret
        re-encrypts. Returns the number of secrets re-encrypted.
        """
        tokens = self._read()
        fernet = keys.fernet()
        rotated: dict[str, str] = {}
        failed: list[str] = []
        for name, token in tokens.items():
            try:
                rotated[name] = fernet.rotate(token.encode("ascii")).decode("ascii")
            except (InvalidToken, UnicodeError):
                failed.append(name)
        if failed:
            raise self._failure(failed[0], sorted(failed), decrypted=bool(rotated), keys=keys)
        if tokens:
            self._write(rotated)
        self.keys = keys
        return len(rotated)

    def _decrypt(self, name: str, token: str) -> str:
        fernet = self.keys.fernet()
        value = _try_decrypt(fernet, token)
        if isinstance(value, Exception):
            # Is the key wrong, or this one entry damaged? Another entry that decrypts
            # proves the key right.
            others = (t for n, t in self._read().items() if n != name)
            decrypted = any(_decrypt_token(fernet, other) is not None for other in others)
            raise self._failure(name, [name], decrypted=decrypted) from value
        register_secret(value)
        return value

    def _failure(
        self,
        name: str,
        failed: list[str],
        *,
        decrypted: bool,
        keys: SecretsKeys | None = None,
    ) -> SecretsError:
        keys = keys or self.keys
        if decrypted:
            names = ", ".join(repr(n) for n in failed)
            return SecretsError(
                f"secrets store {self.path}: entry {names} is damaged (it does not decrypt "
                "while the other entries do)",
                context={"store": str(self.path), "damaged": failed},
                hint="set the damaged secret again (rustybt secrets set NAME) or restore the "
                "store from a backup; the other entries are fine",
            )
        return SecretsError(
            f"the secrets key does not match the store {self.path}"
            + (f" (or its only entry {name!r} is damaged)" if len(failed) == 1 else ""),
            context={"store": str(self.path), "secret": name, "keys": repr(keys)},
            hint=f"use the key the store was written with ({KEY_ENV} or the key file); "
            "after a rotation keep the old key listed after the new one",
        )

    def _read(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SecretsError(
                f"secrets store {self.path} is unreadable ({exc})",
                context={"store": str(self.path)},
                hint="restore it from a backup",
            ) from exc
        secrets = data.get("secrets") if isinstance(data, dict) else None
        if not isinstance(secrets, dict) or not all(
            isinstance(name, str) and isinstance(token, str) for name, token in secrets.items()
        ):
            raise SecretsError(
                f"secrets store {self.path} is not a rustybt secrets file",
                context={"store": str(self.path)},
                hint="point --store (or secrets.store in the config) at the right file",
            )
        return dict(secrets)

    def _write(self, tokens: dict[str, str]) -> None:
        payload = {"format_version": FORMAT_VERSION, "secrets": dict(sorted(tokens.items()))}
        write_private(self.path, (json.dumps(payload, indent=2) + "\n").encode("utf-8"))
