"""Four-layer data validation: schema, OHLCV relationships, outliers, temporal.

* `validate(frame, ...)` checks a long bar frame at ingestion and splits it into
  stored rows and quarantined rows (ERROR), flagging the rest (WARNING), with a
  JSON-friendly `ValidationReport`.
* `check_panel(panel, ...)` is the cheap pre-run check `run_backtest` does on the
  window it uses: bars breaking an ERROR rule are masked (set to NaN).

Thresholds live in `ValidationConfig` (per asset class, per symbol). See
docs/validation.md.
"""

from __future__ import annotations

from rustybt.data.validation.config import ThresholdOverride, Thresholds, ValidationConfig
from rustybt.data.validation.panel import PanelCheck, check_panel
from rustybt.data.validation.pipeline import validate
from rustybt.data.validation.report import RuleResult, ValidationFailed, ValidationReport
from rustybt.data.validation.rules import ADJUSTABLE, RULES, Layer, Rule, RuleSpec, Severity

__all__ = [
    "ADJUSTABLE",
    "RULES",
    "Layer",
    "PanelCheck",
    "Rule",
    "RuleResult",
    "RuleSpec",
    "Severity",
    "ThresholdOverride",
    "Thresholds",
    "ValidationConfig",
    "ValidationFailed",
    "ValidationReport",
    "check_panel",
    "validate",
]
