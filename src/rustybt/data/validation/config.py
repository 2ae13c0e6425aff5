"""Validation thresholds: per-asset-class defaults and per-symbol overrides (pydantic).

Example::

    config = ValidationConfig(
        equity=Thresholds(spike_z=12.0),
        symbols={"TSLA": ThresholdOverride(spike_min_move=0.3)},
    )
    config.thresholds("TSLA", AssetClass.EQUITY).spike_min_move   # 0.3
"""

from __future__ import annotations

from collections.abc import Mapping

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator

from rustybt.assets import AssetClass
from rustybt.data.validation.rules import ADJUSTABLE, RULES, Rule, Severity
from rustybt.errors import ConfigError

__all__ = ["ThresholdOverride", "Thresholds", "ValidationConfig"]


def _check_severities(value: dict[Rule, Severity] | None) -> dict[Rule, Severity] | None:
    if value is None:
        return None
    fixed = sorted(rule.value for rule in value if rule not in ADJUSTABLE)
    if fixed:
        allowed = ", ".join(sorted(rule.value for rule in ADJUSTABLE))
        raise ValueError(f"the severity of {', '.join(fixed)} cannot change; adjustable: {allowed}")
    return value


class Thresholds(BaseModel):
    """The knobs of every layer for one asset class (or one symbol, after overrides).

    Attributes:
        max_price: layer 1 range: a price above it is an error (a unit or parsing slip).
        close_only_bars: layer 1 policy: a row whose open/high/low is missing or <= 0
            while its close is valid is kept with those fields set to NaN (WARNING
            ``close_only_bar``) instead of being quarantined (ERROR). On for indexes.
        body_tolerance: layer 2: relative slack before ``low > min(open, close)`` or
            ``high < max(open, close)`` fires (0.001 = 0.1%), for rounded prints.
        spike_z: layer 3: a close-to-close log return is an outlier when
            ``|r - median(r)| > spike_z * 1.4826 * MAD(r)`` for its asset ...
        spike_min_move: ... and ``|r| > spike_min_move`` (so very quiet assets do not
            flag ordinary moves).
        shift_min_move: an outlier that does not revert is a *level shift* only when
            ``|r| > shift_min_move`` too: earnings moves of 15-20% are routine for
            single stocks, while a reverting move of that size is rarely real.
        revert_fraction: an outlier at bar t is a *bad print* when the next return has
            the opposite sign and ``|r_t + r_t+1| <= revert_fraction * |r_t|`` (the
            price comes back); otherwise it is a *level shift*.
        volume_window: layer 3: a volume is compared with the rolling median of the
            ``volume_window`` previous volumes of its asset (none for an asset's first
            ``volume_window`` bars) ...
        volume_ratio: ... which a volume may exceed that many times; None disables it.
        detect_gaps: layer 4: compare bars with the trading calendar.
        gap_min_bars: report only gaps of at least this many missing bars.
        calendar: calendar name (``"XNYS"``, ``"24/7"``...); None: the asset class's
            default (`rustybt.data.calendars.calendar_for`).
        severity: rule -> severity overrides (only rules in ``ADJUSTABLE``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_price: float = Field(default=1e9, gt=0)
    close_only_bars: bool = False
    body_tolerance: float = Field(default=0.0, ge=0, lt=1)
    spike_z: float = Field(default=10.0, gt=0)
    spike_min_move: float = Field(default=0.15, ge=0)
    shift_min_move: float = Field(default=0.25, ge=0)
    revert_fraction: float = Field(default=0.5, gt=0, lt=1)
    volume_window: int = Field(default=20, ge=2)
    volume_ratio: float | None = Field(default=20.0, gt=1)
    detect_gaps: bool = True
    gap_min_bars: int = Field(default=1, ge=1)
    calendar: str | None = None
    severity: dict[Rule, Severity] = Field(default_factory=dict)

    _severities = field_validator("severity")(_check_severities)

    def severity_of(self, rule: Rule) -> Severity:
        """The severity this asset gives ``rule`` (override, else the registry's)."""
        return self.severity.get(rule, RULES[rule].severity)


class ThresholdOverride(BaseModel):
    """Per-symbol changes to its class's `Thresholds`; unset fields keep the class value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_price: float | None = Field(default=None, gt=0)
    close_only_bars: bool | None = None
    body_tolerance: float | None = Field(default=None, ge=0, lt=1)
    spike_z: float | None = Field(default=None, gt=0)
    spike_min_move: float | None = Field(default=None, ge=0)
    shift_min_move: float | None = Field(default=None, ge=0)
    revert_fraction: float | None = Field(default=None, gt=0, lt=1)
    volume_window: int | None = Field(default=None, ge=2)
    volume_ratio: float | None = Field(default=None, gt=1)
    detect_gaps: bool | None = None
    gap_min_bars: int | None = Field(default=None, ge=1)
    calendar: str | None = None
    severity: dict[Rule, Severity] | None = None

    _severities = field_validator("severity")(_check_severities)


def _equity() -> Thresholds:
    return Thresholds()


def _crypto() -> Thresholds:
    # Minute crypto bars: a tiny MAD (a few basis points) and fat tails, so a
    # higher z and a 5% floor; volume bursts of 20x are routine around news.
    return Thresholds(spike_z=20.0, spike_min_move=0.05, shift_min_move=0.05, volume_ratio=100.0)


def _future() -> Thresholds:
    return Thresholds(spike_z=10.0, spike_min_move=0.10, shift_min_move=0.15)


def _index() -> Thresholds:
    # Long index histories (^GSPC 1927-) hold close-only eras (opens recorded as 0)
    # and volumes that are 0 or not a traded volume: keep the closes, skip volume.
    return Thresholds(
        close_only_bars=True, spike_min_move=0.10, shift_min_move=0.10, volume_ratio=None
    )


class ValidationConfig(BaseModel):
    """Thresholds per asset class, with per-symbol overrides.

    Attributes:
        equity, crypto, future, index: the defaults of each `AssetClass`.
        symbols: symbol -> `ThresholdOverride`, applied over its class's thresholds.
        max_examples: example rows kept per rule in the report.
        max_gaps_listed: gaps written to the JSON report (all are in ``report.gaps``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    equity: Thresholds = Field(default_factory=_equity)
    crypto: Thresholds = Field(default_factory=_crypto)
    future: Thresholds = Field(default_factory=_future)
    index: Thresholds = Field(default_factory=_index)
    symbols: dict[str, ThresholdOverride] = Field(default_factory=dict)
    max_examples: int = Field(default=5, ge=0)
    max_gaps_listed: int = Field(default=1000, ge=0)

    def for_class(self, asset_class: AssetClass | str) -> Thresholds:
        """The thresholds of one asset class."""
        kind = AssetClass(asset_class)
        by_class = {
            AssetClass.EQUITY: self.equity,
            AssetClass.CRYPTO: self.crypto,
            AssetClass.FUTURE: self.future,
            AssetClass.INDEX: self.index,
        }
        return by_class[kind]

    def thresholds(self, symbol: str, asset_class: AssetClass | str) -> Thresholds:
        """The thresholds of ``symbol``: its class's, with its override applied."""
        base = self.for_class(asset_class)
        override = self.symbols.get(symbol)
        if override is None:
            return base
        return base.model_copy(update=override.model_dump(exclude_none=True))

    @classmethod
    def load(cls, data: Mapping[str, object]) -> ValidationConfig:
        """Build from a plain mapping (a parsed TOML/JSON/YAML file).

        Raises:
            ConfigError: unknown keys or values out of range, with pydantic's details.
        """
        try:
            return cls.model_validate(dict(data))
        except pydantic.ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ConfigError(
                f"validation config: {where}: {first['msg']}",
                context={"errors": exc.error_count(), "field": where},
                hint="see docs/validation.md for the fields and their ranges",
            ) from exc
