"""Draw the report's own SVG charts (`rustybt.report.svg`) onto a PDF page.

The HTML and the PDF show the same chart from the same drawing code: the SVG
writer emits a small, known subset of SVG (``text``, ``line``, ``rect``,
``circle``, ``path`` with M/L/Z, ``g`` carrying a fill), and this module maps
each element to the PDF page's vector operations, scaled to the width given.
It is not a general SVG renderer. Opacity is blended onto the white page.
ElementTree only ever parses SVG that `rustybt.report.svg` wrote itself, from
escaped strings (hence the bandit exemptions).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # nosec B405
from typing import Literal, cast

from rustybt.report.pdfgen.document import Page

__all__ = ["draw_svg", "svg_size"]

_NS = "{http://www.w3.org/2000/svg}"
_COMMAND = re.compile(r"([MLZ])([^MLZ]*)")


def svg_size(svg: str) -> tuple[float, float]:
    """(width, height) of the ``viewBox``."""
    found = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    if found is None:
        return 900.0, 300.0
    return float(found.group(1)), float(found.group(2))


def _subpaths(
    d: str, scale: float, x0: float, y0: float
) -> list[tuple[list[tuple[float, float]], bool]]:
    subpaths: list[tuple[list[tuple[float, float]], bool]] = []
    for command, args in _COMMAND.findall(d):
        if command == "Z":
            if subpaths:
                subpaths[-1] = (subpaths[-1][0], True)
            continue
        x, y = args.split(",")
        point = (x0 + float(x) * scale, y0 + float(y) * scale)
        if command == "M" or not subpaths:
            subpaths.append(([point], False))
        else:
            subpaths[-1][0].append(point)
    return subpaths


def _float(element: ET.Element, name: str, default: float = 0.0) -> float:
    value = element.get(name)
    return float(value) if value is not None else default


def _dash(element: ET.Element, scale: float) -> tuple[float, ...]:
    pattern = element.get("stroke-dasharray")
    return tuple(float(v) * scale for v in pattern.split()) if pattern else ()


def draw_svg(page: Page, svg: str, x0: float, y0: float, width: float) -> float:
    """Draw ``svg`` with its top-left corner at (x0, y0), ``width`` points wide; returns its height."""
    root = ET.fromstring(svg)  # nosec B314
    box_w, box_h = svg_size(svg)
    scale = width / box_w

    def walk(element: ET.Element, fill: str | None, opacity: float) -> None:
        for child in element:
            tag = child.tag.removeprefix(_NS)
            own_fill = child.get("fill", fill)
            own_opacity = float(child.get("fill-opacity", opacity))
            if tag == "g":
                walk(child, own_fill, own_opacity)
            elif tag == "text":
                anchor = cast(Literal["start", "middle", "end"], child.get("text-anchor", "start"))
                page.text(
                    x0 + _float(child, "x") * scale,
                    y0 + _float(child, "y") * scale,
                    child.text or "",
                    size=_float(child, "font-size", 11.0) * scale,
                    color=own_fill or "#333333",
                    anchor=anchor,
                )
            elif tag == "line":
                page.line(
                    x0 + _float(child, "x1") * scale,
                    y0 + _float(child, "y1") * scale,
                    x0 + _float(child, "x2") * scale,
                    y0 + _float(child, "y2") * scale,
                    color=child.get("stroke", "#000000"),
                    width=_float(child, "stroke-width", 1.0) * scale,
                    dash=_dash(child, scale),
                )
            elif tag == "rect" and own_fill and own_fill != "none":
                page.rect(
                    x0 + _float(child, "x") * scale,
                    y0 + _float(child, "y") * scale,
                    _float(child, "width") * scale,
                    _float(child, "height") * scale,
                    fill=own_fill,
                    fill_opacity=own_opacity,
                )
            elif tag == "circle" and own_fill and own_fill != "none":
                page.circle(
                    x0 + _float(child, "cx") * scale,
                    y0 + _float(child, "cy") * scale,
                    _float(child, "r") * scale,
                    fill=own_fill,
                    fill_opacity=own_opacity,
                )
            elif tag == "path":
                stroke = child.get("stroke")
                page.path(
                    _subpaths(child.get("d", ""), scale, x0, y0),
                    fill=own_fill if own_fill not in (None, "none") else None,
                    fill_opacity=own_opacity,
                    stroke=stroke if stroke not in (None, "none") else None,
                    width=_float(child, "stroke-width", 1.0) * scale,
                )

    walk(root, None, 1.0)
    return box_h * scale
