"""Secret masking for the audit log: the structlog processor `mask_secrets`.

The rules live in `rustybt.security.masking` (one masking function for every output
channel: audit log, saved results, CLI errors, `get_logger`); this module applies
them to every value of every event, at any depth.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping

from rustybt.security.masking import (
    _PLAIN_KEYS,
    _SCALARS,
    _SECRET_KEYS,
    LOG_MASK,
    SECRET_KEY_WORDS,
    is_secret_key,
    looks_secret,
    mask_text,
    mask_value,
)

__all__ = [
    "MASK",
    "SECRET_KEY_WORDS",
    "is_secret_key",
    "looks_secret",
    "mask_secrets",
    "mask_text",
    "mask_value",
]

MASK = LOG_MASK


def _learn(keys: Iterable[object]) -> None:
    for key in keys:
        (_SECRET_KEYS if is_secret_key(key) else _PLAIN_KEYS).add(key)


def mask_secrets(
    logger: object, method_name: str, event_dict: MutableMapping[str, object]
) -> MutableMapping[str, object]:
    """structlog processor: mask secrets in every value of the event, at any depth."""
    keys = event_dict.keys()
    # Set operations run in C: the per-key name check happens once per new key name.
    if not _PLAIN_KEYS.issuperset(keys) and not (_PLAIN_KEYS | _SECRET_KEYS).issuperset(keys):
        _learn(keys)
    if not _SECRET_KEYS.isdisjoint(keys):
        for key in _SECRET_KEYS.intersection(keys):
            if isinstance(key, str) and event_dict[key] is not None and event_dict[key] != "":
                event_dict[key] = MASK
    for key, value in event_dict.items():
        if isinstance(value, str):
            event_dict[key] = mask_text(value)
        elif value is None or value.__class__ in _SCALARS:
            continue
        else:
            event_dict[key] = mask_value(value, 1)
    return event_dict
