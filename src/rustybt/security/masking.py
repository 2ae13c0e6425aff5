"""Showing that a secret is set without showing the secret, and hiding secrets in output.

Two tools:

* `mask` shows a secret's presence for people (``"sk…yZ"``), as `rustybt secrets list` does;
* `mask_text` / `mask_value` hide secrets inside any text or value written out: the
  audit log, saved results (decisions, parameters, errors), the CLI's error line and
  `rustybt.log.get_logger` output all pass through them. The rules:

  - the values actually loaded from the secrets store (`register_secret`, called by
    `SecretsStore` on every decryption), and their URL-encoded forms, wherever they
    appear: under any key, inside a sentence, in a URL query;
  - a key whose name contains a secret word (``api_key``, ``secret``, ``token``,
    ``password``, ``passphrase``, ``private_key``, ... case-insensitive, ``-`` and
    ``_`` alike) has its whole value replaced, whatever its shape;
  - text that looks like a credential is replaced where it appears inside a string:
    ``sk-...`` style keys, AWS access key ids (``AKIA...``), GitHub and Slack tokens,
    JWTs, ``Bearer`` tokens, PEM private keys, and long high-entropy tokens: 32+
    characters of hex, or of base64/base62 mixing upper case, lower case and digits
    (a token starting with '/' is taken for a file path and kept).

Values that are not plain JSON types are turned into text first, so an object
whose ``str()`` holds a secret cannot slip through a renderer's fallback. This
module imports only the standard library: the engine uses it without loading
structlog.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Mapping
from urllib.parse import quote, quote_plus

__all__ = [
    "LOG_MASK",
    "MASK",
    "SECRET_KEY_WORDS",
    "forget_secrets",
    "is_secret_key",
    "looks_secret",
    "mask",
    "mask_text",
    "mask_value",
    "register_secret",
]

MASK = "****"
#: What replaces a secret inside logged or saved text.
LOG_MASK = "***"
# Below this length, even two characters at each end give away too much of the value.
_MIN_PARTIAL = 12
# Shorter loaded values are not registered: masking every "abc" in every line would
# garble the output without protecting anything a guess would not find.
MIN_REGISTERED = 4


def mask(value: str) -> str:
    """``"ab…yz"`` (first and last two characters) for values of 12+ characters, else ``"****"``.

    Example:
        >>> mask("sk_live_51HaBcDeFgXyZ")
        'sk…yZ'
        >>> mask("hunter2")
        '****'
    """
    if len(value) < _MIN_PARTIAL:
        return MASK
    return f"{value[:2]}…{value[-2:]}"


# -- values loaded from the secrets store ---------------------------------------------
_lock = threading.Lock()
_values: set[str] = set()
_registered: re.Pattern[str] | None = None


def register_secret(value: str) -> None:
    """Mask ``value`` (and its URL-encoded forms) wherever it appears from now on in
    this process. Values shorter than `MIN_REGISTERED` characters are ignored."""
    global _registered
    if not isinstance(value, str) or len(value) < MIN_REGISTERED:
        return
    forms = {value, quote(value, safe=""), quote_plus(value), quote(value)}
    with _lock:
        if forms <= _values:
            return
        _values.update(forms)
        # Longest first: a value containing another is replaced whole.
        ordered = sorted(_values, key=len, reverse=True)
        _registered = re.compile("|".join(re.escape(v) for v in ordered))


def forget_secrets() -> None:
    """Forget every registered value (for tests, or after the values were rotated)."""
    global _registered
    with _lock:
        _values.clear()
        _registered = None


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
        return LOG_MASK
    bearer = match.group("bearer")
    if bearer is not None:
        return bearer + LOG_MASK
    token = match.group(0)
    return LOG_MASK if not token.startswith("/") and looks_secret(token) else token


def mask_text(text: str) -> str:
    """``text`` with every loaded secret value (see `register_secret`) and every
    credential-looking part replaced by ``***``."""
    if _registered is not None and text:
        text = _registered.sub(LOG_MASK, text)
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
            key: (
                LOG_MASK if item is not None and is_secret_key(key) else mask_value(item, depth + 1)
            )
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
