"""Structural validation: the one boundary every ingestion passes through.

`check_structure(frame, source=...)` checks a long bar frame against an explicit
set of `Rule`s and splits it into *clean* rows (they go on to the catalog) and
*rejected* rows (kept, with a ``reason``, for the quarantine file). Nothing is
dropped silently and nothing broken is used silently. Later validation layers
(outliers, OHLC consistency, temporal gaps) plug in behind the same function.

Policy:

* frame-level problems that make the frame unreadable (a missing column, prices
  that are not numbers, timestamps that are not datetimes) raise `SchemaError`;
* ERROR rules reject the rows that break them;
* WARNING rules are counted and listed with examples; their rows stay clean;
* tz-naive timestamps are taken as UTC and unsorted input is sorted (both warned);
* ``strict=True`` raises `StructuralError` on the first report holding an ERROR.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt
import pandas as pd

from rustybt.data.bars import BAR_COLUMNS, BAR_FIELDS, PRICE_FIELDS
from rustybt.errors import SchemaError, ValidationError

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

BoolArray = npt.NDArray[np.bool_]

_LINE = "line"
_EXAMPLES = 5


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Rule(StrEnum):
    """Every structural rule, by the code written in reports and ``reason`` columns."""

    TZ_NAIVE = "tz_naive"
    UNSORTED = "unsorted"
    MISSING_TIMESTAMP = "missing_timestamp"
    MISSING_SYMBOL = "missing_symbol"
    DUPLICATE_BAR = "duplicate_bar"
    MISSING_PRICE = "missing_price"
    NON_POSITIVE_PRICE = "non_positive_price"
    MISSING_VOLUME = "missing_volume"
    NEGATIVE_VOLUME = "negative_volume"
    HIGH_BELOW_LOW = "high_below_low"
    LOW_ABOVE_BODY = "low_above_body"
    HIGH_BELOW_BODY = "high_below_body"


@dataclass(frozen=True)
class RuleSpec:
    severity: Severity
    description: str


RULES: dict[Rule, RuleSpec] = {
    Rule.TZ_NAIVE: RuleSpec(Severity.WARNING, "timestamps were tz-naive; taken as UTC"),
    Rule.UNSORTED: RuleSpec(Severity.WARNING, "rows were not sorted by (timestamp, symbol)"),
    Rule.MISSING_TIMESTAMP: RuleSpec(Severity.ERROR, "timestamp is missing"),
    Rule.MISSING_SYMBOL: RuleSpec(Severity.ERROR, "symbol is missing or empty"),
    Rule.DUPLICATE_BAR: RuleSpec(
        Severity.ERROR, "more than one row for the same (timestamp, symbol); all copies rejected"
    ),
    Rule.MISSING_PRICE: RuleSpec(Severity.ERROR, "open, high, low or close is NaN or infinite"),
    Rule.NON_POSITIVE_PRICE: RuleSpec(Severity.ERROR, "open, high, low or close is <= 0"),
    Rule.MISSING_VOLUME: RuleSpec(Severity.ERROR, "volume is NaN or infinite"),
    Rule.NEGATIVE_VOLUME: RuleSpec(Severity.ERROR, "volume is negative"),
    Rule.HIGH_BELOW_LOW: RuleSpec(Severity.ERROR, "high is below low"),
    Rule.LOW_ABOVE_BODY: RuleSpec(Severity.WARNING, "low is above min(open, close)"),
    Rule.HIGH_BELOW_BODY: RuleSpec(Severity.WARNING, "high is below max(open, close)"),
}


class StructuralError(ValidationError, SchemaError):
    """Strict structural validation found ERROR-level rows (both a ValidationError
    and a SchemaError, so either family catches it)."""


@dataclass(frozen=True)
class RuleResult:
    """How often one rule fired, with a few example rows (JSON-friendly dicts)."""

    rule: Rule
    severity: Severity
    count: int
    examples: tuple[dict[str, object], ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule.value,
            "severity": self.severity.value,
            "description": RULES[self.rule].description,
            "count": self.count,
            "examples": list(self.examples),
        }


@dataclass(frozen=True)
class StructuralReport:
    """The outcome of `check_structure`.

    Attributes:
        source: what was checked (file path or description).
        clean: the rows that passed every ERROR rule, columns `BAR_COLUMNS`, sorted.
        rejected: the other rows, with ``row`` (0-based position in the input),
            ``line`` (1-based file line, when the input carried it) and ``reason``
            (the broken rule codes joined by ``"; "``).
        results: one entry per rule in `RULES`, in that order (count 0 when quiet).
    """

    source: str
    rows_in: int
    clean: pd.DataFrame
    rejected: pd.DataFrame
    results: tuple[RuleResult, ...] = field(default=())

    @property
    def rows_clean(self) -> int:
        return len(self.clean)

    @property
    def rows_rejected(self) -> int:
        return len(self.rejected)

    @property
    def ok(self) -> bool:
        """True when no ERROR rule fired (warnings allowed)."""
        return self.rows_rejected == 0

    def count(self, rule: Rule) -> int:
        """How many rows broke ``rule`` (frame-level rules count affected rows)."""
        for result in self.results:
            if result.rule is rule:
                return result.count
        return 0

    def fired(self) -> list[RuleResult]:
        """The rules with a non-zero count."""
        return [result for result in self.results if result.count]

    def to_dict(self) -> dict[str, object]:
        """A JSON-friendly summary (the frames are not included)."""
        return {
            "source": self.source,
            "rows_in": self.rows_in,
            "rows_clean": self.rows_clean,
            "rows_rejected": self.rows_rejected,
            "rules": [result.to_dict() for result in self.results],
        }

    def summary(self) -> str:
        """A few human lines: totals, then each rule that fired."""
        lines = [
            f"{self.source}: {self.rows_in} rows, {self.rows_clean} clean, "
            f"{self.rows_rejected} rejected"
        ]
        lines.extend(
            f"  {r.severity.value:7} {r.rule.value}: {r.count} ({RULES[r.rule].description})"
            for r in self.fired()
        )
        return "\n".join(lines)


def _require_columns(frame: pd.DataFrame, source: str) -> None:
    missing = [c for c in BAR_COLUMNS if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"{source}: bar frame lacks required column(s): {', '.join(missing)}",
            context={"source": source, "missing": missing, "columns": list(frame.columns)},
            hint=f"a bar frame has the columns {', '.join(BAR_COLUMNS)}",
        )
    for name in BAR_FIELDS:
        dtype = frame[name].dtype
        if not (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)):
            raise SchemaError(
                f"{source}: column {name!r} holds {dtype}, expected numbers",
                context={"source": source, "column": name, "dtype": str(dtype)},
                hint="read the data with a rustybt source, which parses numbers",
            )
    if not pd.api.types.is_datetime64_any_dtype(frame["timestamp"].dtype):
        raise SchemaError(
            f"{source}: column 'timestamp' holds {frame['timestamp'].dtype}, expected datetimes",
            context={"source": source, "column": "timestamp"},
            hint="convert with pandas.to_datetime(..., utc=True)",
        )


def _normalised(frame: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """A copy in canonical dtypes (UTC ns timestamps, object symbols, float64 fields),
    with ``row`` = position in the input."""
    stamps = frame["timestamp"]
    naive = stamps.dt.tz is None
    stamps = stamps.dt.tz_localize("UTC") if naive else stamps.dt.tz_convert("UTC")
    data: dict[str, object] = {
        "row": np.arange(len(frame), dtype=np.int64),
        "timestamp": stamps.dt.as_unit("ns").array,
        "symbol": frame["symbol"].astype(object).to_numpy(),
    }
    if _LINE in frame.columns:
        data[_LINE] = frame[_LINE].to_numpy()
    for name in BAR_FIELDS:
        data[name] = frame[name].to_numpy(dtype=np.float64)
    return pd.DataFrame(data), naive


def _missing_symbol(symbols: npt.NDArray[np.object_]) -> BoolArray:
    missing: BoolArray = pd.isna(symbols) | (symbols == "")
    return missing


def _sorted(frame: pd.DataFrame, missing_symbol: BoolArray) -> tuple[pd.DataFrame, bool]:
    """The frame sorted by (timestamp, symbol), and whether it already was."""
    stamps = pd.DatetimeIndex(frame["timestamp"]).asi8
    keys = np.where(missing_symbol, "", frame["symbol"].to_numpy())
    ordered = not pd.isna(frame["timestamp"]).any() and not missing_symbol.any()
    if ordered and len(stamps) > 1:
        steps = np.diff(stamps)
        if (steps < 0).any():
            ordered = False
        else:
            ties = np.flatnonzero(steps == 0)
            ordered = bool(np.all(keys[ties + 1] >= keys[ties]))
    if ordered:
        return frame, True
    resorted = frame.sort_values(
        ["timestamp", "symbol"], kind="stable", na_position="last", ignore_index=True
    )
    return resorted, False


def _duplicates(frame: pd.DataFrame, usable: BoolArray) -> BoolArray:
    """Every copy of a repeated (timestamp, symbol) pair, in a sorted frame."""
    stamps = pd.DatetimeIndex(frame["timestamp"]).asi8
    symbols = frame["symbol"].to_numpy()
    same = (stamps[1:] == stamps[:-1]) & (symbols[1:] == symbols[:-1]) & usable[1:] & usable[:-1]
    duplicate: BoolArray = np.zeros(len(frame), dtype=bool)
    duplicate[1:] |= same
    duplicate[:-1] |= same
    return duplicate


def _row_masks(frame: pd.DataFrame) -> dict[Rule, BoolArray]:
    prices = np.column_stack([frame[name].to_numpy() for name in PRICE_FIELDS])
    open_, high, low, close = prices.T
    volume = frame["volume"].to_numpy()
    missing_ts: BoolArray = pd.isna(frame["timestamp"]).to_numpy()
    missing_sym = _missing_symbol(frame["symbol"].to_numpy())
    with np.errstate(invalid="ignore"):
        return {
            Rule.MISSING_TIMESTAMP: missing_ts,
            Rule.MISSING_SYMBOL: missing_sym,
            Rule.DUPLICATE_BAR: _duplicates(frame, ~missing_ts & ~missing_sym),
            Rule.MISSING_PRICE: ~np.isfinite(prices).all(axis=1),
            Rule.NON_POSITIVE_PRICE: (prices <= 0).any(axis=1),
            Rule.MISSING_VOLUME: ~np.isfinite(volume),
            Rule.NEGATIVE_VOLUME: volume < 0,
            Rule.HIGH_BELOW_LOW: high < low,
            Rule.LOW_ABOVE_BODY: low > np.minimum(open_, close),
            Rule.HIGH_BELOW_BODY: high < np.maximum(open_, close),
        }


def _json_value(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if value is None or value is pd.NaT:
        return None
    return value if isinstance(value, str | int) else str(value)


def _examples(frame: pd.DataFrame, mask: BoolArray) -> tuple[dict[str, object], ...]:
    rows = frame.iloc[np.flatnonzero(mask)[:_EXAMPLES]]
    return tuple(
        {str(key): _json_value(value) for key, value in record.items()}
        for record in rows.to_dict("records")
    )


def _reasons(masks: dict[Rule, BoolArray], rejected: BoolArray) -> npt.NDArray[np.object_]:
    positions = np.flatnonzero(rejected)
    reasons: npt.NDArray[np.object_] = np.full(len(positions), "", dtype=object)
    for rule, mask in masks.items():
        if RULES[rule].severity is not Severity.ERROR:
            continue
        hit = mask[positions]
        reasons[hit] = [f"{r}; {rule.value}" if r else rule.value for r in reasons[hit]]
    return reasons


def check_structure(frame: pd.DataFrame, *, source: str, strict: bool = False) -> StructuralReport:
    """Check a long bar frame against `RULES`; split it into clean and rejected rows.

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
    _require_columns(frame, source)
    work, naive = _normalised(frame)
    work, was_sorted = _sorted(work, _missing_symbol(work["symbol"].to_numpy()))
    masks = _row_masks(work)
    rejected_mask: BoolArray = np.zeros(len(work), dtype=bool)
    for rule, mask in masks.items():
        if RULES[rule].severity is Severity.ERROR:
            rejected_mask |= mask
    results = [
        RuleResult(Rule.TZ_NAIVE, Severity.WARNING, len(work) if naive else 0),
        RuleResult(Rule.UNSORTED, Severity.WARNING, 0 if was_sorted else len(work)),
    ]
    results.extend(
        RuleResult(rule, RULES[rule].severity, int(mask.sum()), _examples(work, mask))
        for rule, mask in masks.items()
    )
    if strict and rejected_mask.any():
        fired = {r.rule.value: r.count for r in results if r.severity is Severity.ERROR and r.count}
        first = next(r for r in results if r.severity is Severity.ERROR and r.count)
        raise StructuralError(
            f"{source}: {int(rejected_mask.sum())} row(s) break structural rules "
            f"({', '.join(f'{k}={v}' for k, v in fired.items())})",
            context={"source": source, "counts": fired, "first": first.examples[0]},
            hint="fix the data, or ingest without strict to quarantine these rows",
        )
    rejected = work.loc[rejected_mask].copy()
    rejected["reason"] = _reasons(masks, rejected_mask)
    rejected = rejected.reset_index(drop=True)
    clean = work.loc[~rejected_mask, list(BAR_COLUMNS)].reset_index(drop=True)
    return StructuralReport(
        source=source,
        rows_in=len(frame),
        clean=clean,
        rejected=rejected,
        results=tuple(results),
    )
