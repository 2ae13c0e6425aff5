"""Every validation rule: its code, layer, default severity and meaning.

The registry order is the order of the report and of the ``reason`` column of
quarantined rows (codes joined by ``"; "``). Layers are numbered as in the design:
1 schema, 2 OHLCV relationships, 3 outliers, 4 temporal.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

__all__ = ["ADJUSTABLE", "RULES", "Layer", "Rule", "RuleSpec", "Severity"]


class Severity(StrEnum):
    """ERROR rows are quarantined (not stored); WARNING rows are stored and flagged."""

    ERROR = "error"
    WARNING = "warning"


class Layer(IntEnum):
    SCHEMA = 1
    OHLC = 2
    OUTLIERS = 3
    TEMPORAL = 4


class Rule(StrEnum):
    """Rule codes, as written in reports and in the quarantine's ``reason`` column."""

    # Layer 1: schema (types, required fields, value ranges)
    TZ_NAIVE = "tz_naive"
    TRUNCATED_LINE = "truncated_line"
    MISSING_TIMESTAMP = "missing_timestamp"
    MISSING_SYMBOL = "missing_symbol"
    MISSING_PRICE = "missing_price"
    MISSING_VOLUME = "missing_volume"
    CLOSE_ONLY_BAR = "close_only_bar"
    PRICE_ABOVE_MAX = "price_above_max"
    # Layer 2: OHLCV relationships
    NON_POSITIVE_PRICE = "non_positive_price"
    NEGATIVE_VOLUME = "negative_volume"
    HIGH_BELOW_LOW = "high_below_low"
    LOW_ABOVE_BODY = "low_above_body"
    HIGH_BELOW_BODY = "high_below_body"
    # Layer 3: outliers
    BAD_PRINT = "bad_print"
    LEVEL_SHIFT = "level_shift"
    VOLUME_SPIKE = "volume_spike"
    # Layer 4: temporal
    UNSORTED = "unsorted"
    DUPLICATE_BAR = "duplicate_bar"
    FUTURE_TIMESTAMP = "future_timestamp"
    MISALIGNED_TIMESTAMP = "misaligned_timestamp"
    OFF_CALENDAR = "off_calendar"
    CALENDAR_GAP = "calendar_gap"


@dataclass(frozen=True)
class RuleSpec:
    layer: Layer
    severity: Severity
    description: str


_E, _W = Severity.ERROR, Severity.WARNING

RULES: dict[Rule, RuleSpec] = {
    Rule.TZ_NAIVE: RuleSpec(Layer.SCHEMA, _W, "timestamps were tz-naive; taken as UTC"),
    Rule.TRUNCATED_LINE: RuleSpec(
        Layer.SCHEMA,
        _E,
        "last line of a file that does not end with a newline: it may be cut off "
        "(add the final newline if the file is complete)",
    ),
    Rule.MISSING_TIMESTAMP: RuleSpec(Layer.SCHEMA, _E, "timestamp is missing"),
    Rule.MISSING_SYMBOL: RuleSpec(Layer.SCHEMA, _E, "symbol is missing or empty"),
    Rule.MISSING_PRICE: RuleSpec(Layer.SCHEMA, _E, "open, high, low or close is NaN or infinite"),
    Rule.MISSING_VOLUME: RuleSpec(Layer.SCHEMA, _E, "volume is NaN or infinite"),
    Rule.CLOSE_ONLY_BAR: RuleSpec(
        Layer.SCHEMA,
        _W,
        "open, high or low missing or <= 0 with a valid close; kept as a close-only bar "
        "(those fields set to NaN)",
    ),
    Rule.PRICE_ABOVE_MAX: RuleSpec(Layer.SCHEMA, _E, "a price is above the configured max_price"),
    Rule.NON_POSITIVE_PRICE: RuleSpec(Layer.OHLC, _E, "open, high, low or close is <= 0"),
    Rule.NEGATIVE_VOLUME: RuleSpec(Layer.OHLC, _E, "volume is negative"),
    Rule.HIGH_BELOW_LOW: RuleSpec(Layer.OHLC, _E, "high is below low"),
    Rule.LOW_ABOVE_BODY: RuleSpec(Layer.OHLC, _W, "low is above min(open, close)"),
    Rule.HIGH_BELOW_BODY: RuleSpec(Layer.OHLC, _W, "high is below max(open, close)"),
    Rule.BAD_PRINT: RuleSpec(
        Layer.OUTLIERS,
        _W,
        "close-to-close log return is a robust outlier and the next bar reverts it "
        "(probable bad print)",
    ),
    Rule.LEVEL_SHIFT: RuleSpec(
        Layer.OUTLIERS,
        _W,
        "close-to-close log return is a robust outlier that does not revert "
        "(corporate action not adjusted, or a real move)",
    ),
    Rule.VOLUME_SPIKE: RuleSpec(
        Layer.OUTLIERS, _W, "volume is many times its rolling median of the previous bars"
    ),
    Rule.UNSORTED: RuleSpec(Layer.TEMPORAL, _W, "rows were not sorted by (timestamp, symbol)"),
    Rule.DUPLICATE_BAR: RuleSpec(
        Layer.TEMPORAL,
        _E,
        "more than one row for the same (timestamp, symbol); all copies rejected",
    ),
    Rule.FUTURE_TIMESTAMP: RuleSpec(Layer.TEMPORAL, _E, "timestamp is in the future"),
    Rule.MISALIGNED_TIMESTAMP: RuleSpec(
        Layer.TEMPORAL,
        _W,
        "timestamp is not a bar label (daily: 00:00 UTC; minute: a whole minute)",
    ),
    Rule.OFF_CALENDAR: RuleSpec(
        Layer.TEMPORAL, _W, "bar on a session or minute the asset's calendar does not trade"
    ),
    Rule.CALENDAR_GAP: RuleSpec(
        Layer.TEMPORAL,
        _W,
        "bars missing where the asset's calendar trades (counted in gaps; see the gap list)",
    ),
}

#: Rules whose severity a `ValidationConfig` may change. The others either protect
#: the catalog's integrity (a missing price or a duplicate cannot be stored) or are
#: not about rows at all (tz-naive input, sorting, gaps).
ADJUSTABLE: frozenset[Rule] = frozenset(
    {
        Rule.PRICE_ABOVE_MAX,
        Rule.HIGH_BELOW_LOW,
        Rule.LOW_ABOVE_BODY,
        Rule.HIGH_BELOW_BODY,
        Rule.BAD_PRINT,
        Rule.LEVEL_SHIFT,
        Rule.VOLUME_SPIKE,
        Rule.MISALIGNED_TIMESTAMP,
        Rule.OFF_CALENDAR,
    }
)
