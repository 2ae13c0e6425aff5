"""The report's sections, each built by one function from `ReportInputs`.

A builder returns a `Section`, or raises `Omitted` with the reason the data
does not allow it (plain returns have no trades), which the report lists.
"""

from __future__ import annotations

from collections.abc import Callable

from rustybt.report.inputs import ReportInputs
from rustybt.report.model import Section
from rustybt.report.sections.common import Omitted
from rustybt.report.sections.holdings import positions_section, trades_section
from rustybt.report.sections.performance import (
    calendar_section,
    distribution_section,
    drawdown_section,
    equity_section,
    header_section,
    metrics_section,
    rolling_section,
)
from rustybt.report.sections.risk import attribution_section, data_issues_section, risk_section

__all__ = ["BUILDERS", "SECTION_KEYS", "Omitted"]

Builder = Callable[[ReportInputs], Section]

#: Every built-in section, in report order.
BUILDERS: dict[str, Builder] = {
    "header": header_section,
    "metrics": metrics_section,
    "equity": equity_section,
    "drawdown": drawdown_section,
    "calendar": calendar_section,
    "distribution": distribution_section,
    "rolling": rolling_section,
    "trades": trades_section,
    "positions": positions_section,
    "risk": risk_section,
    "attribution": attribution_section,
    "data_issues": data_issues_section,
}
SECTION_KEYS: tuple[str, ...] = tuple(BUILDERS)
