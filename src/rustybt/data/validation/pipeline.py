"""`validate`: the four layers over a long bar frame, split into stored and quarantined rows.

Order of work: layer 1 (schema) and layer 2 (OHLCV) on every row, layer 4
(temporal) on every usable row; the rows breaking an ERROR rule are set aside,
then layer 3 (outliers) runs on the rows that remain (a rejected bar must not
make its neighbours look like spikes), then calendar gaps are measured on the
rows that will be stored.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from rustybt.assets import AssetClass
from rustybt.data.bars import BAR_COLUMNS, Frequency
from rustybt.data.validation.config import ValidationConfig
from rustybt.data.validation.ohlc import ohlc_masks
from rustybt.data.validation.outliers import outlier_masks
from rustybt.data.validation.report import (
    FLAG_COLUMNS,
    RuleResult,
    ValidationFailed,
    ValidationReport,
    examples,
    json_value,
)
from rustybt.data.validation.rules import RULES, Rule, Severity
from rustybt.data.validation.schema import (
    apply_close_only,
    missing_symbol,
    normalise,
    require_columns,
    schema_masks,
)
from rustybt.data.validation.settings import ClassSpec, resolve_settings
from rustybt.data.validation.temporal import (
    CalendarCheck,
    duplicates,
    future,
    infer_frequency,
    misaligned,
    sort_rows,
)

__all__ = ["validate"]

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

#: Rules about the whole frame or about gaps: no row is "hit" by them.
_FRAME_RULES = frozenset({Rule.TZ_NAIVE, Rule.UNSORTED, Rule.CALENDAR_GAP})


def _codes(work: pd.DataFrame, no_symbol: BoolArray) -> tuple[IntArray, tuple[str, ...]]:
    """Symbol code per row (sorted symbols; -1 where the symbol is missing)."""
    symbols = work["symbol"].to_numpy()
    valid = ~no_symbol
    found, uniques = pd.factorize(symbols[valid].astype(str), sort=True)
    codes = np.full(len(work), -1, dtype=np.int64)
    codes[valid] = found
    return codes, tuple(str(s) for s in uniques)


def _reasons(errors: dict[Rule, BoolArray], rejected: BoolArray) -> npt.NDArray[np.object_]:
    positions = np.flatnonzero(rejected)
    reasons: npt.NDArray[np.object_] = np.full(len(positions), "", dtype=object)
    for rule, mask in errors.items():
        hit = mask[positions]
        reasons[hit] = [f"{r}; {rule.value}" if r else rule.value for r in reasons[hit]]
    return reasons


def _flagged(
    work: pd.DataFrame, masks: dict[Rule, BoolArray], errors: dict[Rule, BoolArray]
) -> pd.DataFrame:
    parts = []
    for rule in RULES:
        if rule not in masks or not masks[rule].any():
            continue
        hit = np.flatnonzero(masks[rule])
        severity = np.where(errors[rule][hit], Severity.ERROR.value, Severity.WARNING.value)
        part = work.iloc[hit][["row", "timestamp", "symbol"]].assign(rule=rule.value)
        parts.append(part.assign(severity=severity))
    if not parts:
        return pd.DataFrame(columns=list(FLAG_COLUMNS))
    return pd.concat(parts, ignore_index=True)[list(FLAG_COLUMNS)]


def _strict_failure(source: str, results: list[RuleResult], rows: int) -> ValidationFailed:
    fired = {r.rule.value: r.rejected for r in results if r.rejected}
    first = next(r for r in results if r.rejected)
    return ValidationFailed(
        f"{source}: {rows} row(s) break validation rules "
        f"({', '.join(f'{k}={v}' for k, v in fired.items())})",
        context={"source": source, "counts": fired, "first": first.examples[0]},
        hint="fix the data, or ingest without strict to quarantine these rows",
    )


def validate(
    frame: pd.DataFrame,
    *,
    source: str,
    frequency: Frequency | str | None = None,
    asset_class: ClassSpec = AssetClass.EQUITY,
    config: ValidationConfig | None = None,
    strict: bool = False,
    now: object | None = None,
) -> ValidationReport:
    """Run the four validation layers over a long bar frame.

    Args:
        frame: columns `BAR_COLUMNS` (an extra int ``line`` column is carried into
            the rejected rows); any order, tz-aware or naive timestamps.
        source: file path or description, used in messages and the report.
        frequency: ``"daily"`` or ``"minute"``; None infers it (daily when every
            label is at 00:00 UTC).
        asset_class: the class of every symbol, or a symbol -> class mapping
            (unlisted symbols are equities); picks thresholds and calendars.
        config: thresholds (default `ValidationConfig()`).
        strict: raise `ValidationFailed` instead of quarantining rows.
        now: the present, for ``future_timestamp`` (default: the clock).

    Returns:
        The report: ``clean`` rows (sorted, canonical dtypes, `BAR_COLUMNS` only),
        ``rejected`` rows (with ``row``, ``line`` and ``reason``), per-rule counts
        with examples, and the calendar ``gaps``.

    Raises:
        SchemaError: a required column is missing or has the wrong type.
        ValidationFailed: ``strict`` and at least one row broke an ERROR rule.
    """
    config = config or ValidationConfig()
    limit = config.max_examples
    require_columns(frame, source)
    work, naive = normalise(frame)
    work, was_sorted = sort_rows(work, missing_symbol(work["symbol"].to_numpy()))
    no_symbol = missing_symbol(work["symbol"].to_numpy())
    codes, symbols = _codes(work, no_symbol)
    settings = resolve_settings(symbols, asset_class, config)
    stamps = np.asarray(pd.DatetimeIndex(work["timestamp"]).asi8, dtype=np.int64)
    no_time = pd.isna(work["timestamp"]).to_numpy()
    usable = ~no_time & ~no_symbol
    freq = Frequency(frequency) if frequency is not None else infer_frequency(stamps, usable)
    clock = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)  # type: ignore[arg-type]  # any date scalar
    clock = clock.tz_localize("UTC") if clock.tzinfo is None else clock.tz_convert("UTC")

    masks = schema_masks(work, codes, settings)
    close_only_examples = examples(work, masks[Rule.CLOSE_ONLY_BAR], limit)
    apply_close_only(work, masks[Rule.CLOSE_ONLY_BAR])
    masks.update(
        ohlc_masks(
            *(work[name].to_numpy() for name in ("open", "high", "low", "close", "volume")),
            body_tolerance=settings.floats("body_tolerance", codes),
        )
    )
    calendar = CalendarCheck(settings, freq)
    masks[Rule.DUPLICATE_BAR] = duplicates(stamps, codes, usable)
    masks[Rule.FUTURE_TIMESTAMP] = future(stamps, usable, freq, clock)
    masks[Rule.MISALIGNED_TIMESTAMP] = misaligned(stamps, usable, freq)
    masks[Rule.OFF_CALENDAR] = calendar.off_calendar(stamps, codes, usable)

    errors = {rule: mask & settings.is_error(rule, codes) for rule, mask in masks.items()}
    rejected_mask: BoolArray = np.zeros(len(work), dtype=bool)
    for mask in errors.values():
        rejected_mask |= mask

    survivors = np.flatnonzero(~rejected_mask)
    layer3 = outlier_masks(
        stamps[survivors],
        codes[survivors],
        work["close"].to_numpy()[survivors],
        work["volume"].to_numpy()[survivors],
        settings,
    )
    for rule, partial in layer3.items():
        full: BoolArray = np.zeros(len(work), dtype=bool)
        full[survivors] = partial
        masks[rule] = full
        errors[rule] = full & settings.is_error(rule, codes)
        rejected_mask |= errors[rule]

    kept = ~rejected_mask
    gaps = calendar.gaps(stamps[kept], codes[kept])
    results: list[RuleResult] = []
    for rule, spec in RULES.items():
        if rule in _FRAME_RULES:
            count = {
                Rule.TZ_NAIVE: len(work) if naive else 0,
                Rule.UNSORTED: 0 if was_sorted else len(work),
                Rule.CALENDAR_GAP: len(gaps),
            }[rule]
            sample = (
                tuple(
                    {str(k): json_value(v) for k, v in record.items()}
                    for record in gaps.head(limit).to_dict("records")
                )
                if rule is Rule.CALENDAR_GAP
                else ()
            )
            results.append(RuleResult(rule, spec.severity, count, sample))
            continue
        mask = masks[rule]
        hits = int(mask.sum())
        blocked = int(errors[rule].sum())
        configured = settings.thresholds[-1].severity_of(rule)
        severity = Severity.ERROR if blocked else (Severity.WARNING if hits else configured)
        sample = close_only_examples if rule is Rule.CLOSE_ONLY_BAR else examples(work, mask, limit)
        results.append(RuleResult(rule, severity, hits, sample, blocked))

    if strict and rejected_mask.any():
        raise _strict_failure(source, results, int(rejected_mask.sum()))
    ordered_errors = {rule: errors[rule] for rule in RULES if rule in errors}
    rejected = work.loc[rejected_mask].copy()
    rejected["reason"] = _reasons(ordered_errors, rejected_mask)
    return ValidationReport(
        source=source,
        rows_in=len(frame),
        clean=work.loc[kept, list(BAR_COLUMNS)].reset_index(drop=True),
        rejected=rejected.reset_index(drop=True),
        results=tuple(results),
        gaps=gaps,
        flagged=_flagged(work, masks, errors),
        frequency=freq.value,
        max_gaps_listed=config.max_gaps_listed,
    )
