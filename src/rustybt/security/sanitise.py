"""Checks for untrusted input: symbols, names, and paths that must stay inside a folder.

Each check returns its input unchanged when it is acceptable and raises
`ConfigError` (or `SecretsError` for secret names) with the rule otherwise, so
callers can write ``symbol = check_symbol(raw)``.
"""

from __future__ import annotations

import re
from pathlib import Path

from rustybt.errors import ConfigError, SecretsError, clip_text

__all__ = [
    "SECRET_NAME_PATTERN",
    "SYMBOL_PATTERN",
    "check_secret_name",
    "check_symbol",
    "contained_path",
    "is_valid_symbol",
]

# Letters, digits and the punctuation real tickers use: BRK.B, ^GSPC, BTC/USDT,
# BTC-USD, ES_F. At most 32 characters.
SYMBOL_PATTERN = re.compile(r"[A-Za-z0-9._^/-]{1,32}")
SECRET_NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")


def is_valid_symbol(symbol: object) -> bool:
    """True when ``symbol`` passes `check_symbol` (for checks that build their own error)."""
    return (
        isinstance(symbol, str)
        and SYMBOL_PATTERN.fullmatch(symbol) is not None
        and not symbol.startswith((".", "/"))
        and ".." not in symbol
    )


def check_symbol(symbol: str) -> str:
    """The symbol, or ConfigError when it is not a plausible ticker.

    Allowed: 1 to 32 of ``A-Z a-z 0-9 . _ ^ / -``; not starting with ``.`` or
    ``/`` and without ``..``, so a symbol can never name a parent folder even if
    someone later uses it in a path.
    """
    if not is_valid_symbol(symbol):
        raise ConfigError(
            f"invalid symbol {clip_text(repr(symbol))}",
            context={"symbol": clip_text(repr(symbol))},
            hint="symbols use letters, digits and . _ ^ / - (e.g. AAPL, BRK.B, ^GSPC, BTCUSDT)",
        )
    return symbol


def check_secret_name(name: str) -> str:
    """The secret's name, or SecretsError: a letter or ``_`` first, then letters,
    digits, ``_``, ``.``, ``-``; at most 64 characters (e.g. ``ALPACA_API_KEY``)."""
    if not isinstance(name, str) or not SECRET_NAME_PATTERN.fullmatch(name):
        raise SecretsError(
            f"invalid secret name {name!r}",
            context={"name": repr(name)},
            hint="use letters, digits, '_', '.', '-', starting with a letter, e.g. BROKER_API_KEY",
        )
    return name


def contained_path(root: Path, *parts: str) -> Path:
    """``root / parts...`` resolved, or ConfigError when it would leave ``root``.

    Symbolic links are followed before the check, so neither ``..`` nor an
    absolute part nor a link pointing elsewhere can escape the folder.

    Example:
        >>> contained_path(Path("/data/catalog"), "sp500", "bars.parquet").as_posix()
        '/data/catalog/sp500/bars.parquet'
    """
    base = root.expanduser().resolve()
    target = base.joinpath(*parts).resolve()
    if not target.is_relative_to(base):
        raise ConfigError(
            f"path {'/'.join(parts)!r} leads outside {base}",
            context={"root": str(base), "parts": list(parts), "resolved": str(target)},
            hint="use a plain name inside the folder, without '..' or a leading '/'",
        )
    return target
