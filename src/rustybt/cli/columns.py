"""The ingest command's file-layout options: ``--columns``, ``--sep``,
``--date-format`` and ``--symbol``, turned into a `ColumnMap`."""

from __future__ import annotations

from dataclasses import replace

from rustybt.data.sources.mapping import ColumnMap
from rustybt.errors import ConfigError
from rustybt.security import check_symbol

__all__ = ["FIELD_KEYS", "apply_layout", "parse_columns"]

#: ``--columns`` keys -> ColumnMap attribute (``date`` and ``timestamp`` are one).
FIELD_KEYS = {
    "date": "timestamp",
    "timestamp": "timestamp",
    "time": "timestamp",
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "volume": "volume",
    "symbol": "symbol",
}

_EXAMPLE = "--columns date=Date,open=Open,high=High,low=Low,close=Close,volume=Volume"


def parse_columns(text: str) -> dict[str, str]:
    """``"date=Date,close=Close"`` -> ``{"timestamp": "Date", "close": "Close"}``."""
    mapping: dict[str, str] = {}
    for item in text.split(","):
        key, sep, column = (part.strip() for part in item.partition("="))
        if not sep or not key or not column:
            raise ConfigError(
                f"bad --columns item {item.strip()!r}", hint=f"write FIELD=COLUMN, e.g. {_EXAMPLE}"
            )
        field = FIELD_KEYS.get(key.lower())
        if field is None:
            raise ConfigError(
                f"--columns: unknown field {key!r}",
                hint=f"fields are {', '.join(sorted(set(FIELD_KEYS) - {'time'}))}",
            )
        if field in mapping:
            raise ConfigError(f"--columns names {key!r} twice", hint=_EXAMPLE)
        mapping[field] = column
    return mapping


def apply_layout(
    base: ColumnMap,
    *,
    columns: str | None,
    separator: str | None,
    date_format: str | None,
    symbol: str | None,
) -> ColumnMap:
    """``base`` with the command line's layout options applied.

    ``--symbol`` names the one instrument of a file without a symbol column; it
    cannot be combined with a mapped symbol column.
    """
    changes: dict[str, object] = dict(parse_columns(columns)) if columns else {}
    if separator is not None:
        if separator in ("\\t", "tab"):
            separator = "\t"
        if len(separator) != 1:
            raise ConfigError(
                f"--sep must be one character, not {separator!r}", hint="e.g. --sep ';'"
            )
        changes["separator"] = separator
    if date_format is not None:
        changes["timestamp_format"] = date_format
        changes["timestamp_unit"] = None
    if symbol is not None:
        if "symbol" in changes:
            raise ConfigError(
                "--symbol names the one instrument of a file; it cannot be combined with "
                "a symbol column in --columns",
                hint="drop one of them",
            )
        changes["symbol"] = None
        changes["constant_symbol"] = check_symbol(symbol)
    elif "symbol" in changes:
        changes["constant_symbol"] = None
    return replace(base, **changes)  # type: ignore[arg-type]  # keys are ColumnMap fields, checked above
