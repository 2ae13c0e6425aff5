"""A one-page tearsheet (SVG) composed from the report's own charts.

The same `Chart` objects the HTML and PDF reports show, laid out on one page:
equity and drawdown across the page, the monthly returns grid, then pairs
(distribution | rolling Sharpe, rolling volatility | rolling beta, MAE | holding
periods) where the data allows them. Written by ``rustybt run`` and ``demo``
beside the result; it needs no matplotlib and costs a few milliseconds because
the charts are already built for the report. (`rustybt.analytics.plots.tearsheet`
is the matplotlib figure of the same idea, for notebooks.)
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rustybt.report.model import Chart, Section
from rustybt.report.svg import chart_svg

if TYPE_CHECKING:
    from rustybt.report.generator import ReportGenerator

__all__ = ["LAYOUT", "tearsheet_svg"]

WIDTH = 1400.0
GAP = 18.0
HEADLINE = 56.0
#: Rows of chart keys: one key spans the page, two share it.
LAYOUT: tuple[tuple[str, ...], ...] = (
    ("equity",),
    ("underwater",),
    ("monthly_heatmap",),
    ("distribution", "rolling_sharpe"),
    ("rolling_volatility", "rolling_beta"),
    ("mae", "holding_periods"),
)


def _charts(sections: Sequence[Section]) -> dict[str, Chart]:
    return {chart.key: chart for section in sections for chart in section.charts}


def _place(svg: str, x: float, y: float, width: float) -> tuple[str, float]:
    """The chart's ``<svg>`` positioned at (x, y), ``width`` wide; returns it and its height."""
    found = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    box_w, box_h = (float(found.group(1)), float(found.group(2))) if found else (width, 300.0)
    height = box_h * width / box_w
    placed = svg.replace(
        "<svg ", f'<svg x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" ', 1
    )
    return placed, height


def tearsheet_svg(report: ReportGenerator) -> str:
    """The tearsheet of ``report`` as one standalone SVG document."""
    from rustybt.analytics.metrics import max_drawdown, sharpe_ratio, total_return

    sections, _ = report.build()
    charts = _charts(sections)
    returns = report.inputs.returns
    headline = (
        f"{report.title.removesuffix(' report')}: total return {total_return(returns):.1%}, "
        f"Sharpe {sharpe_ratio(returns):.2f}, max drawdown {max_drawdown(returns):.1%}"
    )
    parts = [
        f'<text x="{GAP:.0f}" y="34" font-size="24" fill="#1f4e79" font-weight="bold">'
        f"{html.escape(headline)}</text>",
        f'<text x="{GAP:.0f}" y="52" font-size="13" fill="#5b6673">'
        f"{html.escape(report.subtitle)}</text>",
    ]
    y = HEADLINE + GAP
    for row in LAYOUT:
        shown = [charts[key] for key in row if key in charts]
        if not shown:
            continue
        width = (WIDTH - GAP * (len(shown) + 1)) / len(shown)
        tallest = 0.0
        for i, chart in enumerate(shown):
            # Drawn at the width it is shown: every chart's text at the same size.
            placed, height = _place(chart_svg(chart, width), GAP + i * (width + GAP), y, width)
            parts.append(placed)
            tallest = max(tallest, height)
        y += tallest + GAP
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH:.0f}" height="{y:.0f}" '
        f'viewBox="0 0 {WIDTH:.0f} {y:.0f}" '
        'font-family="-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif">'
        f'<rect width="100%" height="100%" fill="#ffffff"/>{"".join(parts)}</svg>\n'
    )
