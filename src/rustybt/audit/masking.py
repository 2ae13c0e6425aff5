"""Secret masking: a structlog processor that hides credentials at any depth.

Two rules, applied to every value of every event (nested dicts, lists, tuples):

* a key whose name contains a secret word (``api_key``, ``secret``, ``token``,
  ``password``, ``passphrase``, ``private_key``, ... case-insensitive, ``-`` and
  ``_`` alike) has its whole value replaced, whatever its shape;
* text that looks like a credential is replaced where it appears inside a string:
  ``sk-...`` style keys, AWS access key ids (``AKIA...``), GitHub and Slack tokens,
  JWTs, ``Bearer`` tokens, PEM private keys, and long high-entropy tokens: 32+
  characters of hex, or of base64/base62 mixing upper case, lower case and digits
  (a token starting with '/' is taken for a file path and kept).

Values that are not plain JSON types are turned into text first, so an object
whose ``str()`` holds a secret cannot slip through the renderer's fallback.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, MutableMapping

__all__ = ["MASK", "SECRET_KEY_WORDS", "looks_secret", "mask_secrets", "mask_text", "mask_value"]

MASK = "***"

SECRET_KEY_WORDS = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "api_key",
    "apikey",
    "private_key",
    "privatekey",
    "access_key",
    "accesskey",
    "signing_key",
    "credential",
    "authorization",
    "cookie",
)

_KNOWN = (
    r"\b(?:sk|pk|rk)[-_](?:live_|test_|proj-)?[A-Za-z0-9_-]{16,}"  # OpenAI / Stripe style
    r"|\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}\b"  # AWS access key ids
    r"|\bgh[pousr]_[A-Za-z0-9]{30,}"  # GitHub tokens
    r"|\bxox[abprs]-[A-Za-z0-9-]{10,}"  # Slack tokens
    r"|\beyJ[A-Za-z0-9_-]{11,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"  # JWT
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"
)
_PATTERN = re.compile(
    rf"(?P<known>{_KNOWN})"
    r"|(?P<bearer>(?i:bearer)\s+)[A-Za-z0-9._~+/=-]{8,}"
    # '/' belongs to base64 (AWS secret keys); a token starting with '/' is a path.
    r"|(?P<candidate>(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_=-]{32,})"
)
_HEX = frozenset("0123456789abcdefABCDEF")
# Shortest text any rule can match ("Bearer " + 8 characters): shorter strings skip the regex.
_MIN_LENGTH = 15
# A cheap first look: every rule needs a run of 14 token characters, a PEM header or
# "bearer"; ISO timestamps and decimals have none, so they skip the full pattern.
_HINT = re.compile(r"[A-Za-z0-9+/_=-]{14}|-----BEGIN|(?i:bearer)")
_MAX_DEPTH = 32


def _entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    counts: dict[str, int] = {}
    for char in text:
        counts[char] = counts.get(char, 0) + 1
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def looks_secret(token: str) -> bool:
    """True for a 32+ character token that looks random: hex mixing digits and
    letters, or text mixing upper case, lower case and digits with high entropy."""
    body = token.rstrip("=").replace("/", "").replace("+", "")
    if len(body) < 32:
        return False
    has_digit = any(c.isdigit() for c in body)
    if all(c in _HEX for c in body):
        return has_digit and any(c.isalpha() for c in body)
    if not (has_digit and any(c.isupper() for c in body) and any(c.islower() for c in body)):
        return False
    return _entropy(body) >= 4.0


def _replace(match: re.Match[str]) -> str:
    if match.group("known") is not None:
        return MASK
    bearer = match.group("bearer")
    if bearer is not None:
        return bearer + MASK
    token = match.group(0)
    return MASK if not token.startswith("/") and looks_secret(token) else token


def mask_text(text: str) -> str:
    """``text`` with every credential-looking part replaced by ``***``."""
    if len(text) < _MIN_LENGTH or _HINT.search(text) is None:
        return text
    return _PATTERN.sub(_replace, text)


# Event keys repeat endlessly; a plain dict lookup is the cheapest cache.
_KEY_CACHE: dict[object, bool] = {}
# The top-level keys seen so far, split by the rule (for set operations per event).
_PLAIN_KEYS: set[object] = set()
_SECRET_KEYS: set[object] = set()  # object: any hashable key a caller used
_SCALARS = frozenset({int, float, bool})


def is_secret_key(key: object) -> bool:
    """True when a key's name says its value is a credential."""
    known = _KEY_CACHE.get(key)
    if known is None:
        name = key.lower().replace("-", "_") if isinstance(key, str) else ""
        known = any(word in name for word in SECRET_KEY_WORDS)
        if len(_KEY_CACHE) > 10_000:  # user-made keys could grow it without bound
            _KEY_CACHE.clear()
            _PLAIN_KEYS.clear()
            _SECRET_KEYS.clear()
        _KEY_CACHE[key] = known
    return known


def mask_value(value: object, depth: int = 0) -> object:
    """A copy of ``value`` with secrets masked at any depth (see the module doc)."""
    if isinstance(value, str) and value.__class__ is str:
        return mask_text(value)
    if value is None or value.__class__ in _SCALARS:
        return value
    if depth >= _MAX_DEPTH:
        return "<too deeply nested>"
    if isinstance(value, Mapping):
        return {
            key: (MASK if item is not None and is_secret_key(key) else mask_value(item, depth + 1))
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [mask_value(item, depth + 1) for item in value]
    # Subclasses (enums, numpy scalars) become plain numbers or text; anything else
    # becomes its text, masked, so the renderer's str() fallback cannot leak.
    if isinstance(value, float):
        return float(value)
    if isinstance(value, int):
        return int(value)
    return mask_text(str(value))


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
            if len(value) >= _MIN_LENGTH and _HINT.search(value) is not None:
                event_dict[key] = _PATTERN.sub(_replace, value)
        elif value is None or value.__class__ in _SCALARS:
            continue
        else:
            event_dict[key] = mask_value(value, 1)
    return event_dict
