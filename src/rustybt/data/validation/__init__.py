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

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rustybt.data.validation.config import ThresholdOverride, Thresholds, ValidationConfig
    from rustybt.data.validation.panel import PanelCheck, check_panel
    from rustybt.data.validation.pipeline import validate
    from rustybt.data.validation.report import RuleResult, ValidationFailed, ValidationReport
    from rustybt.data.validation.rules import (
        ADJUSTABLE,
        RULES,
        Layer,
        Rule,
        RuleSpec,
        Severity,
    )

# Imported on first use: the pre-run `check_panel` with default thresholds must not
# pay for pydantic (behind `ValidationConfig`, ~80 ms) on every backtest.
_LAZY = {
    "ThresholdOverride": "config",
    "Thresholds": "config",
    "ValidationConfig": "config",
    "PanelCheck": "panel",
    "check_panel": "panel",
    "validate": "pipeline",
    "RuleResult": "report",
    "ValidationFailed": "report",
    "ValidationReport": "report",
    "ADJUSTABLE": "rules",
    "RULES": "rules",
    "Layer": "rules",
    "Rule": "rules",
    "RuleSpec": "rules",
    "Severity": "rules",
}

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


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
