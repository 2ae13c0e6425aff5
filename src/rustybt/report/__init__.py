"""Reports: one call gives an HTML, PDF and JSON report of a backtest, a paper run or returns.

    >>> from rustybt.report import ReportGenerator
    >>> report = ReportGenerator(result, title="Momentum")
    >>> report.to_html("out/report.html"); report.to_pdf("out/report.pdf")
    >>> result.report("out/report.html")          # the shortcut, format from the suffix

Sections are built once (`rustybt.report.sections`) as plain tables and charts;
the writers (`html`, `pdf`, `jsonout`) only lay them out, so the three formats
show the same numbers. See docs/reports.md.
"""

from __future__ import annotations

from rustybt.report.generator import FORMATS, ReportGenerator
from rustybt.report.sections import SECTION_KEYS

__all__ = ["FORMATS", "SECTION_KEYS", "ReportGenerator"]
