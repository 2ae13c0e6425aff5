"""The validation report: counts per rule and severity, examples, gaps, and the split.

Frames stay in memory (``clean`` goes to the catalog, ``rejected`` to the
quarantine file); `ValidationReport.to_dict` is the JSON saved next to the dataset.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from rustybt.data.validation.rules import RULES, Rule, Severity
from rustybt.errors import SchemaError, ValidationError

__all__ = [
    "FLAG_COLUMNS",
    "GAP_COLUMNS",
    "RuleResult",
    "ValidationFailed",
    "ValidationReport",
    "empty_gaps",
    "examples",
    "json_value",
]

BoolArray = npt.NDArray[np.bool_]

#: Columns of `ValidationReport.gaps`: first and last missing bar label, inclusive.
GAP_COLUMNS: tuple[str, ...] = ("symbol", "start", "end", "bars")
#: Columns of `ValidationReport.flagged`: one row per (input row, rule) hit.
FLAG_COLUMNS: tuple[str, ...] = ("row", "timestamp", "symbol", "rule", "severity")


class ValidationFailed(ValidationError, SchemaError):
    """Strict validation found rows breaking an ERROR rule (both a ValidationError
    and a SchemaError, so either family catches it)."""


def json_value(value: object) -> object:
    """A scalar as JSON: timestamps as ISO text, NaN as null, numpy numbers as Python."""
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if value is None or value is pd.NaT:
        return None
    return value if isinstance(value, str | int) else str(value)


def examples(frame: pd.DataFrame, mask: BoolArray, limit: int) -> tuple[dict[str, object], ...]:
    """The first ``limit`` rows of ``frame`` where ``mask`` holds, as JSON-friendly dicts."""
    rows = frame.iloc[np.flatnonzero(mask)[:limit]]
    return tuple(
        {str(key): json_value(value) for key, value in record.items()}
        for record in rows.to_dict("records")
    )


@dataclass(frozen=True)
class RuleResult:
    """How often one rule fired, with a few example rows.

    Attributes:
        severity: ERROR when rows were quarantined for it, else its configured
            severity (a per-symbol override can make one rule both: ``rejected``
            counts the quarantined part of ``count``).
        count: rows hit (for ``calendar_gap``: gaps; ``tz_naive``/``unsorted``: rows
            of the frame).
    """

    rule: Rule
    severity: Severity
    count: int
    examples: tuple[dict[str, object], ...] = ()
    rejected: int = 0

    def to_dict(self) -> dict[str, object]:
        spec = RULES[self.rule]
        return {
            "rule": self.rule.value,
            "layer": int(spec.layer),
            "severity": self.severity.value,
            "description": spec.description,
            "count": self.count,
            "rejected": self.rejected,
            "examples": list(self.examples),
        }


def empty_gaps() -> pd.DataFrame:
    """A gap table with no rows (the columns of `GAP_COLUMNS`)."""
    return pd.DataFrame(
        {
            "symbol": pd.Series([], dtype=object),
            "start": pd.Series([], dtype="datetime64[ns, UTC]"),
            "end": pd.Series([], dtype="datetime64[ns, UTC]"),
            "bars": pd.Series([], dtype=np.int64),
        }
    )


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of `rustybt.data.validation.validate`.

    Attributes:
        source: what was checked (file path or description).
        rows_in: rows of the input frame.
        clean: the rows stored: they passed every ERROR rule; columns `BAR_COLUMNS`,
            sorted by (timestamp, symbol); close-only bars have NaN open/high/low.
        rejected: the quarantined rows, with ``row`` (0-based position in the input),
            ``line`` (1-based file line, when the input carried it) and ``reason``
            (the broken ERROR rule codes joined by ``"; "``).
        results: one entry per rule in `RULES`, in that order (count 0 when quiet).
        gaps: calendar gaps of the stored rows (``symbol, start, end, bars``).
        flagged: every row-rule hit, errors and warnings (``row, timestamp,
            symbol, rule, severity``), to find all the rows a rule flagged.
        frequency: ``"daily"`` or ``"minute"`` (given, or inferred from the labels).
        max_gaps_listed: how many gaps `to_dict` writes out.
    """

    source: str
    rows_in: int
    clean: pd.DataFrame
    rejected: pd.DataFrame
    results: tuple[RuleResult, ...] = ()
    gaps: pd.DataFrame = field(default_factory=empty_gaps)
    flagged: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FLAG_COLUMNS))
    frequency: str = "daily"
    max_gaps_listed: int = 1000

    @property
    def rows_clean(self) -> int:
        return len(self.clean)

    @property
    def rows_rejected(self) -> int:
        return len(self.rejected)

    @property
    def ok(self) -> bool:
        """True when no row was rejected (warnings allowed)."""
        return self.rows_rejected == 0

    def result(self, rule: Rule | str) -> RuleResult:
        """The entry of ``rule``."""
        for entry in self.results:
            if entry.rule == rule:
                return entry
        return RuleResult(Rule(rule), RULES[Rule(rule)].severity, 0)

    def count(self, rule: Rule | str) -> int:
        """How many rows broke ``rule`` (gaps for ``calendar_gap``)."""
        return self.result(rule).count

    def fired(self) -> list[RuleResult]:
        """The rules with a non-zero count."""
        return [entry for entry in self.results if entry.count]

    def by_severity(self) -> dict[str, int]:
        """Rows quarantined (``error``) and warning hits (``warning``, gaps counted once)."""
        warnings = sum(entry.count - entry.rejected for entry in self.results)
        return {Severity.ERROR.value: self.rows_rejected, Severity.WARNING.value: warnings}

    def to_dict(self) -> dict[str, object]:
        """The JSON report (the frames are not included; gaps up to ``max_gaps_listed``)."""
        listed = self.gaps.head(self.max_gaps_listed)
        return {
            "source": self.source,
            "frequency": self.frequency,
            "rows_in": self.rows_in,
            "rows_clean": self.rows_clean,
            "rows_rejected": self.rows_rejected,
            "by_severity": self.by_severity(),
            "rules": [entry.to_dict() for entry in self.results],
            "gaps": {
                "count": len(self.gaps),
                "missing_bars": int(self.gaps["bars"].sum()),
                "listed": [
                    {str(k): json_value(v) for k, v in record.items()}
                    for record in listed.to_dict("records")
                ],
                "truncated": len(self.gaps) > len(listed),
            },
        }

    def summary(self) -> str:
        """Human lines: totals, each rule that fired, and the largest gaps."""
        lines = [
            f"{self.source}: {self.rows_in} rows, {self.rows_clean} clean, "
            f"{self.rows_rejected} rejected"
        ]
        for entry in self.fired():
            unit = "gaps" if entry.rule is Rule.CALENDAR_GAP else ""
            count = f"{entry.count} {unit}".strip()
            if entry.rejected and entry.rejected != entry.count:
                count += f" ({entry.rejected} rejected)"
            lines.append(
                f"  {entry.severity.value:7} {entry.rule.value}: {count} "
                f"({RULES[entry.rule].description})"
            )
        if len(self.gaps):
            largest = self.gaps.sort_values("bars", ascending=False, kind="stable").head(5)
            lines.append(
                f"  gaps: {len(self.gaps)}, {int(self.gaps['bars'].sum())} missing bars; largest:"
            )
            lines.extend(
                f"    {symbol} {pd.Timestamp(start).isoformat()} .. "
                f"{pd.Timestamp(end).isoformat()} ({bars} bars)"
                for symbol, start, end, bars in zip(
                    largest["symbol"],
                    largest["start"],
                    largest["end"],
                    largest["bars"],
                    strict=True,
                )
            )
        return "\n".join(lines)
