"""Structural validation: the boundary every ingestion passes through.

Since the four-layer validation (`rustybt.data.validation`) the rules live in
its layers (schema, OHLCV relationships, outliers, temporal); this module keeps
the names ingestion and older code use. `check_structure(frame, source=...)` runs
all four layers with the default thresholds for equities and splits the frame
into *clean* rows (they go on to the catalog) and *rejected* rows (kept, with a
``reason``, for the quarantine file). Nothing is dropped silently and nothing
broken is used silently.

Policy:

* frame-level problems that make the frame unreadable (a missing column, prices
  that are not numbers, timestamps that are not datetimes) raise `SchemaError`;
* ERROR rules reject the rows that break them;
* WARNING rules are counted and listed with examples; their rows stay clean;
* tz-naive timestamps are taken as UTC and unsorted input is sorted (both warned);
* ``strict=True`` raises `StructuralError` on the first report holding an ERROR.

Use `rustybt.data.validation.validate` directly for other asset classes,
frequencies or thresholds.
"""

from __future__ import annotations

import pandas as pd

from rustybt.data.validation import (
    RULES,
    Rule,
    RuleResult,
    RuleSpec,
    Severity,
    validate,
)
from rustybt.data.validation import ValidationFailed as StructuralError
from rustybt.data.validation import ValidationReport as StructuralReport

__all__ = [
    "RULES",
    "Rule",
    "RuleResult",
    "RuleSpec",
    "Severity",
    "StructuralError",
    "StructuralReport",
    "check_structure",
]


def check_structure(frame: pd.DataFrame, *, source: str, strict: bool = False) -> StructuralReport:
    """Check a long bar frame against `RULES` (all four layers, equity thresholds,
    frequency inferred); split it into clean and rejected rows.

    Args:
        frame: columns `BAR_COLUMNS` (an extra int ``line`` column is carried into
            the rejected rows); any order, tz-aware or naive timestamps.
        source: file path or description, used in messages and the report.
        strict: raise `StructuralError` instead of rejecting rows.

    Returns:
        The report: ``clean`` (sorted, canonical dtypes, `BAR_COLUMNS` only),
        ``rejected`` (with ``row``, ``line`` and ``reason``) and per-rule counts.

    Raises:
        SchemaError: a required column is missing or has the wrong type.
        StructuralError: ``strict`` and at least one row broke an ERROR rule.
    """
    return validate(frame, source=source, strict=strict)
