"""Credentials encrypted at rest, key management, masking and input sanitisation.

See docs/security.md for the threat model and how to manage and rotate keys.
The store and keys need ``cryptography``; they are loaded on first use, so the
sanitisers and masking (used by data ingestion and the engine) stay light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from rustybt.security.masking import mask, mask_text, mask_value, register_secret
from rustybt.security.sanitise import (
    check_secret_name,
    check_symbol,
    contained_path,
    is_valid_symbol,
)

if TYPE_CHECKING:
    from rustybt.security.keys import (
        KEY_ENV,
        KeySource,
        SecretsKeys,
        generate_key,
        load_keys,
        parse_keys,
        read_key_file,
        write_key_file,
    )
    from rustybt.security.store import SecretsStore

__all__ = [
    "KEY_ENV",
    "KeySource",
    "SecretsKeys",
    "SecretsStore",
    "check_secret_name",
    "check_symbol",
    "contained_path",
    "generate_key",
    "is_valid_symbol",
    "load_keys",
    "mask",
    "mask_text",
    "mask_value",
    "parse_keys",
    "read_key_file",
    "register_secret",
    "write_key_file",
]

_LAZY = {
    "KEY_ENV": "keys",
    "KeySource": "keys",
    "SecretsKeys": "keys",
    "generate_key": "keys",
    "load_keys": "keys",
    "parse_keys": "keys",
    "read_key_file": "keys",
    "write_key_file": "keys",
    "SecretsStore": "store",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
