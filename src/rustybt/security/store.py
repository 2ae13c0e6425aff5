"""`SecretsStore`: named secrets encrypted at rest in one JSON file.

The file maps each name to a Fernet token (AES-128-CBC + HMAC-SHA256, with a
timestamp). Names are visible, values are not. The file is rewritten
atomically with mode 0600 on every change.
"""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.fernet import InvalidToken

from rustybt.errors import SecretsError
from rustybt.security.files import write_private
from rustybt.security.keys import KEY_ENV, SecretsKeys
from rustybt.security.sanitise import check_secret_name

__all__ = ["FORMAT_VERSION", "SecretsStore"]

FORMAT_VERSION = 1


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
        """Every name and its decrypted value (for `rustybt secrets list`, which masks them)."""
        return {name: self._decrypt(name, token) for name, token in sorted(self._read().items())}

    def set(self, name: str, value: str) -> None:
        """Encrypt ``value`` under ``name`` (replacing any old value) and save the store.

        Refuses (SecretsError) when the current keys cannot decrypt the secrets
        already stored, so one store never mixes values under unrelated keys.
        """
        check_secret_name(name)
        if not value:
            raise SecretsError(f"the value for {name!r} is empty", context={"name": name})
        tokens = self._read()
        self.values()  # proves the keys match before anything is added
        tokens[name] = self.keys.fernet().encrypt(value.encode("utf-8")).decode("ascii")
        self._write(tokens)

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
        for name, token in tokens.items():
            try:
                rotated[name] = fernet.rotate(token.encode("ascii")).decode("ascii")
            except InvalidToken as exc:
                raise self._mismatch(name, keys) from exc
        if tokens:
            self._write(rotated)
        self.keys = keys
        return len(rotated)

    def _decrypt(self, name: str, token: str) -> str:
        try:
            return self.keys.fernet().decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise self._mismatch(name, self.keys) from exc

    def _mismatch(self, name: str, keys: SecretsKeys) -> SecretsError:
        return SecretsError(
            f"the secrets key does not match the store {self.path}",
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
