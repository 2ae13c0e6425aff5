"""The desktop keyring as a home for the secrets key (optional: the ``keyring`` extra).

`keyring` is imported only when used, so servers without a keyring daemon (or
without the package) never load it.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Protocol, cast

from rustybt.errors import SecretsError
from rustybt.install import extra_hint

__all__ = ["LOCATION", "SERVICE", "USERNAME", "get_keys", "set_keys"]

SERVICE = "rustybt"
USERNAME = "secrets-key"
LOCATION = f"keyring {SERVICE}/{USERNAME}"


class _KeyringAPI(Protocol):
    def get_password(self, service_name: str, username: str) -> str | None: ...

    def set_password(self, service_name: str, username: str, password: str) -> None: ...


def _keyring() -> _KeyringAPI:
    try:
        module: ModuleType = importlib.import_module("keyring")
    except ImportError as exc:
        raise SecretsError(
            "the OS keyring support is not installed",
            hint=f"{extra_hint('keyring')}; or use RUSTYBT_SECRETS_KEY or a key file",
        ) from exc
    # The module's get_password/set_password functions match the protocol.
    return cast(_KeyringAPI, module)


def get_keys() -> str | None:
    """The comma-separated key list stored in the keyring, or None when there is none."""
    api = _keyring()
    try:
        return api.get_password(SERVICE, USERNAME)
    except Exception as exc:  # keyring backends raise their own error types
        raise SecretsError(
            f"the OS keyring could not be read ({type(exc).__name__}: {exc})",
            context={"location": LOCATION},
            hint="unlock the keyring, or use RUSTYBT_SECRETS_KEY or a key file instead",
        ) from exc


def set_keys(keys: tuple[str, ...]) -> None:
    """Store the key list (newest first) in the keyring."""
    api = _keyring()
    try:
        api.set_password(SERVICE, USERNAME, ",".join(keys))
    except Exception as exc:  # keyring backends raise their own error types
        raise SecretsError(
            f"the OS keyring could not be written ({type(exc).__name__}: {exc})",
            context={"location": LOCATION},
            hint="unlock the keyring, or use a key file instead",
        ) from exc
