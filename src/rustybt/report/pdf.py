"""The PDF writer: A4 or Letter, vector charts, embedded Unicode fonts, page numbers.

The report is laid out as a flow of blocks (headings, notes, table chunks,
charts) onto pages. A table that does not fit is split between whole rows and
its header repeated; a chart never straddles a page. Charts are the same SVG
drawings as in the HTML report, converted to PDF vector paths
(`rustybt.report.pdfgen.svgdraw`); text uses DejaVu Sans, embedded as a subset
(`rustybt.report.pdfgen.fonts` says which scripts it covers). No matplotlib is
needed, except to rasterise a user's own matplotlib figure (a page of its own);
raw HTML and plotly figures are shown in the HTML only.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rustybt.errors import ConfigError
from rustybt.report.model import Chart, CustomFigure, Html, Note, Section, Table
from rustybt.report.pdfgen.document import Document, Page
from rustybt.report.pdfgen.fonts import FontSet
from rustybt.report.pdfgen.svgdraw import draw_svg, svg_size
from rustybt.report.rendering import is_matplotlib_figure
from rustybt.report.tables import DisplayTable, display_table

__all__ = ["PAPER", "write_pdf"]

Paper = Literal["a4", "letter"]
#: Page sizes in points (1/72 inch).
PAPER: dict[str, tuple[float, float]] = {"a4": (595.28, 841.89), "letter": (612.0, 792.0)}
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 40.0, 48.0, 50.0
FONT = 7.5  # table and note text, points
ROW = 12.5  # table row height
HEADER_LINE = 9.0  # one line of a (wrapped) column header
HEADING, SUBHEADING, NOTE_LINE = 30.0, 19.0, 11.0
CHART_WIDTH = 760.0  # SVG units across the page: ~7 pt tick labels on A4
PAD = 8.0  # points between table columns
ACCENT, MUTED, INK, RULE, BAND = "#1f4e79", "#5b6673", "#1d2733", "#dde3ea", "#f5f7fa"


@dataclass(frozen=True)
class TableGeometry:
    """Column right/left edges (points from the left margin), font size, wrapped headers."""

    edges: tuple[tuple[float, float], ...]
    font: float
    headers: tuple[tuple[str, ...], ...]
    header_lines: int


@dataclass(frozen=True)
class Block:
    kind: Literal["break", "heading", "note", "table", "chart", "figure"]
    height: float
    text: str = ""
    lines: tuple[str, ...] = ()
    table: DisplayTable | None = None
    geometry: TableGeometry | None = None
    rows: tuple[int, int] = (0, 0)
    svg: str = ""
    figure: object = None


def wrap(fonts: FontSet, text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """Greedy word wrap of ``text`` into lines at most ``width`` points wide."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if line and fonts.width(candidate, size, bold) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines or [""]


def _geometry(fonts: FontSet, table: DisplayTable, available: float) -> TableGeometry:
    names = [table.index_name, *[c.replace("_", " ") for c in table.columns]]
    columns = [[label for label, _ in table.rows]]
    columns += [[cells[i] for _, cells in table.rows] for i in range(len(table.columns))]
    widths = []
    for name, cells in zip(names, columns, strict=True):
        longest_word = max((fonts.width(w, FONT, True) for w in name.split()), default=0.0)
        widest_cell = max((fonts.width(c, FONT) for c in cells), default=0.0)
        widths.append(max(longest_word, widest_cell, 14.0))
    total = sum(widths) + PAD * len(widths)
    scale = max(min(1.0, available / total), 0.6)
    edges, x = [], 0.0
    for width in widths:
        edges.append((x, x + (width + PAD) * scale))
        x += (width + PAD) * scale
    headers = tuple(
        tuple(wrap(fonts, name, max(width, fonts.width(name, FONT, True) / 2), FONT, True))
        if fonts.width(name, FONT, True) > width
        else (name,)
        for name, width in zip(names, widths, strict=True)
    )
    return TableGeometry(tuple(edges), FONT * scale, headers, max(len(h) for h in headers))


def _header_height(geometry: TableGeometry) -> float:
    return SUBHEADING + HEADER_LINE * geometry.header_lines + 6.0


class _Layout:
    """Places blocks onto pages, keeping headings with what follows them."""

    def __init__(self, fonts: FontSet, width: float, body: float) -> None:
        self.fonts, self.width, self.body = fonts, width, body
        self.pages: list[list[Block]] = [[]]
        self.room = body

    def new_page(self) -> None:
        if self.pages[-1]:
            self.pages.append([])
        self.room = self.body

    def place(self, block: Block) -> None:
        if block.kind == "break":
            self.new_page()
            return
        if block.height > self.room:
            self.new_page()
        self.pages[-1].append(block)
        self.room -= block.height

    def note(self, text: str) -> Block:
        lines = tuple(wrap(self.fonts, text, self.width, FONT))
        return Block("note", NOTE_LINE * len(lines) + 6.0, lines=lines)

    def chart(self, chart: Chart) -> Block:
        from rustybt.report.svg import chart_svg

        svg = chart_svg(chart, CHART_WIDTH)
        box_w, box_h = svg_size(svg)  # a wrapped legend makes a chart taller than asked
        return Block("chart", box_h * self.width / box_w + 8.0, svg=svg)

    def table(self, table: Table) -> list[Block]:
        """The table as chunks of whole rows; a short one (up to 12 rows) is never split."""
        shown = display_table(table)
        geometry = _geometry(self.fonts, shown, self.width)
        header = _header_height(geometry)
        blocks: list[Block] = []
        start, n, room = 0, len(shown.rows), self.room
        while True:
            fits = int((room - header) / ROW)
            short = n <= 12 and fits < n
            if (short or fits < min(3, n - start)) and room < self.body:
                blocks.append(Block("break", 0.0))
                room = self.body
                continue
            end = min(n, start + max(fits, 1))
            title = shown.title if start == 0 else f"{shown.title} (continued)"
            height = header + ROW * (end - start)
            blocks.append(
                Block(
                    "table", height, text=title, table=shown, geometry=geometry, rows=(start, end)
                )
            )
            room -= height
            start = end
            if start >= n:
                return blocks

    def first_height(self, section: Section) -> float:
        """Room the section's first item needs, so a heading never ends a page alone."""
        for item in section.items:
            if isinstance(item, Chart):
                return item.height * 100.0 * self.width / CHART_WIDTH + 8.0
            if isinstance(item, Table):
                return SUBHEADING + ROW * (2.5 + min(len(item.frame), 12))
            if isinstance(item, Note):
                return self.note(item.text).height
        return 0.0

    def section(self, section: Section) -> None:
        if self.room < HEADING + self.first_height(section):
            self.new_page()
        self.place(Block("heading", HEADING, text=section.title))
        for item in section.items:
            if isinstance(item, Table):
                if self.room < SUBHEADING + ROW * 4:
                    self.new_page()
                for block in self.table(item):
                    self.place(block)
            elif isinstance(item, Chart):
                self.place(self.chart(item))
            elif isinstance(item, Note):
                self.place(self.note(item.text))
            elif isinstance(item, CustomFigure) and is_matplotlib_figure(item.figure):
                self.place(Block("figure", self.body + 1.0, text=item.title, figure=item.figure))
            elif isinstance(item, Html | CustomFigure):
                self.place(self.note("(shown in the HTML report)"))


def _draw_table(page: Page, block: Block, top: float) -> None:
    assert block.table is not None
    assert block.geometry is not None
    table, geometry = block.table, block.geometry
    font = geometry.font
    page.text(MARGIN_X, top + 12.0, block.text, size=8.5, bold=True, color=MUTED)
    right = MARGIN_X + geometry.edges[-1][1]
    header_top = top + SUBHEADING - 2.0
    header_bottom = top + _header_height(geometry)
    page.rect(MARGIN_X, header_top, right - MARGIN_X, header_bottom - header_top, fill=BAND)
    aligned_left = (True, *table.text_columns)
    pad = PAD * font / FONT / 2.0
    for i, lines in enumerate(geometry.headers):
        lo, hi = geometry.edges[i]
        left = aligned_left[i]
        for j, line in enumerate(lines):
            page.text(
                MARGIN_X + (lo + pad / 2 if left else hi - pad),
                header_top + HEADER_LINE * (j + 1),
                line,
                size=font,
                bold=True,
                color=INK,
                anchor="start" if left else "end",
            )
    y = header_bottom
    page.line(MARGIN_X, y, right, y, color="#999999", width=0.6)
    start, end = block.rows
    for label, cells in table.rows[start:end]:
        page.text(MARGIN_X + pad / 2, y + ROW - 3.8, label, size=font, color=MUTED)
        for i, cell in enumerate(cells):
            lo, hi = geometry.edges[i + 1]
            left = aligned_left[i + 1]
            page.text(
                MARGIN_X + (lo + pad / 2 if left else hi - pad),
                y + ROW - 3.8,
                cell,
                size=font,
                color=INK,
                anchor="start" if left else "end",
            )
        y += ROW
        page.line(MARGIN_X, y, right, y, color=RULE, width=0.4)


def _draw_figure(page: Page, figure: object, title: str, width: float, body: float) -> None:
    """A user's matplotlib figure, rasterised at 150 dpi and fitted to the page body."""
    page.text(MARGIN_X, MARGIN_TOP + 20.0, title, size=13, bold=True, color=ACCENT)
    buffer = io.BytesIO()
    dpi = 150
    figure.savefig(buffer, format="rgba", dpi=dpi)  # type: ignore[attr-defined]  # a matplotlib Figure (checked by the layout)
    inches = figure.get_size_inches()  # type: ignore[attr-defined]  # as above
    px_w, px_h = round(float(inches[0]) * dpi), round(float(inches[1]) * dpi)
    rgba = buffer.getvalue()
    if len(rgba) != px_w * px_h * 4:
        raise ConfigError(
            "could not rasterise the custom matplotlib figure", context={"title": title}
        )
    rgb = bytearray(px_w * px_h * 3)
    for channel in range(3):
        rgb[channel::3] = rgba[channel::4]
    fit = min(width / px_w, (body - 40.0) / px_h)
    page.image(MARGIN_X, MARGIN_TOP + 34.0, px_w * fit, px_h * fit, bytes(rgb), px_w, px_h)


def _draw_page(page: Page, blocks: list[Block], title: str, number: int, total: int) -> None:
    w, h = page.width, page.height
    page.text(MARGIN_X, 26.0, title, size=8, color="#777777")
    page.line(MARGIN_X, 31.0, w - MARGIN_X, 31.0, color=ACCENT, width=0.8)
    page.text(
        w / 2, h - 22.0, f"page {number} of {total}", size=8, color="#777777", anchor="middle"
    )
    y = MARGIN_TOP
    width = w - 2 * MARGIN_X
    for block in blocks:
        if block.kind == "heading":
            page.text(MARGIN_X, y + 21.0, block.text, size=13, bold=True, color=ACCENT)
        elif block.kind == "note":
            for i, line in enumerate(block.lines):
                page.text(MARGIN_X, y + 8.5 + NOTE_LINE * i, line, size=FONT, color=MUTED)
        elif block.kind == "table":
            _draw_table(page, block, y)
        elif block.kind == "chart":
            draw_svg(page, block.svg, MARGIN_X, y + 2.0, width)
        elif block.kind == "figure":
            _draw_figure(page, block.figure, block.text, width, h - MARGIN_TOP - MARGIN_BOTTOM)
        y += block.height


def write_pdf(sections: Sequence[Section], path: Path, *, title: str, paper: Paper = "a4") -> Path:
    """Lay out and write the report; returns ``path``."""
    if paper not in PAPER:
        raise ConfigError(
            f"unknown paper size {paper!r}; use 'a4' or 'letter'", context={"paper": paper}
        )
    document = Document(PAPER[paper])
    w, h = PAPER[paper]
    layout = _Layout(document.fonts, w - 2 * MARGIN_X, h - MARGIN_TOP - MARGIN_BOTTOM)
    for section in sections:
        layout.section(section)
    pages = [blocks for blocks in layout.pages if blocks]
    for number, blocks in enumerate(pages, start=1):
        _draw_page(document.page(), blocks, title, number, len(pages))
    return document.save(path, title=title)
