"""Showing that a secret is set without showing the secret."""

from __future__ import annotations

__all__ = ["MASK", "mask"]

MASK = "****"
# Below this length, even two characters at each end give away too much of the value.
_MIN_PARTIAL = 12


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
