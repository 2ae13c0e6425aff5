"""Credentials encrypted at rest, key management, masking and input sanitisation.

See docs/security.md for the threat model and how to manage and rotate keys.
"""

from __future__ import annotations

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
from rustybt.security.masking import mask
from rustybt.security.sanitise import check_secret_name, check_symbol, contained_path
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
    "load_keys",
    "mask",
    "parse_keys",
    "read_key_file",
    "write_key_file",
]
