"""The PDF writer: matplotlib `PdfPages`, A4 or Letter, vector charts, page numbers.

The report is laid out as a flow of blocks (headings, notes, table chunks,
charts) onto pages. A table that does not fit is split between whole rows and
its header repeated; a chart never straddles a page. User matplotlib figures get
a page of their own; raw HTML and plotly figures are shown in the HTML only.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from rustybt.errors import ConfigError
from rustybt.report.figures_static import draw_chart, require_matplotlib
from rustybt.report.model import Chart, CustomFigure, Html, Note, Section, Table
from rustybt.report.rendering import is_matplotlib_figure
from rustybt.report.tables import DisplayTable, display_table

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

__all__ = ["PAPER", "write_pdf"]

Paper = Literal["a4", "letter"]
PAPER: dict[str, tuple[float, float]] = {"a4": (8.27, 11.69), "letter": (8.5, 11.0)}
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 0.55, 0.65, 0.7
ROW = 0.17  # inches per table row
FONT = 7.5
CHAR = 0.06  # inches per character at FONT (DejaVu Sans, a mix of digits and letters)
HEADING, SUBHEADING, NOTE_LINE = 0.42, 0.26, 0.16
CHART_SCALE = 0.82


@dataclass(frozen=True)
class Block:
    kind: Literal["break", "heading", "note", "table", "chart", "figure"]
    height: float
    text: str = ""
    table: DisplayTable | None = None
    rows: tuple[int, int] = (0, 0)
    chart: Chart | None = None
    figure: object = None


def _note_lines(text: str, width: float) -> list[str]:
    return textwrap.wrap(text, width=max(int(width / (CHAR * 1.05)), 40)) or [""]


@dataclass(frozen=True)
class TableGeometry:
    """Column edges (inches from the left margin), font size and wrapped headers."""

    edges: tuple[tuple[float, float], ...]
    font: float
    headers: tuple[str, ...]
    header_lines: int


def _geometry(table: DisplayTable, available: float) -> TableGeometry:
    names = [table.index_name, *[c.replace("_", " ") for c in table.columns]]
    widths = [max([len(names[0]), *(len(label) for label, _ in table.rows), 4])]
    for i, column in enumerate(names[1:]):
        longest_word = max((len(word) for word in column.split()), default=1)
        cells = [len(cells[i]) for _, cells in table.rows]
        widths.append(max([longest_word, *cells, 3]))
    total = (sum(widths) + 2 * len(widths)) * CHAR
    scale = max(min(1.0, available / total), 0.6)
    char = CHAR * scale
    edges, x = [], 0.0
    for width in widths:
        edges.append((x, x + (width + 2) * char))
        x += (width + 2) * char
    headers = tuple(textwrap.fill(n, width=max(w, 6)) for n, w in zip(names, widths, strict=True))
    lines = max(h.count("\n") + 1 for h in headers)
    return TableGeometry(tuple(edges), FONT * scale, headers, lines)


def _table_blocks(table: Table, room: float, page_body: float, width: float) -> list[Block]:
    """The table as chunks of whole rows: the first fits ``room``, the rest full pages.

    A short table (up to 12 rows) is never split: it moves to the next page whole.
    """
    shown = display_table(table)
    geometry = _geometry(shown, width)
    blocks: list[Block] = []
    start, n = 0, len(shown.rows)
    header = SUBHEADING + ROW * (geometry.header_lines + 0.6)
    while True:
        fits = int((room - header) / ROW)
        short = n <= 12 and fits < n
        if (short or fits < min(3, n - start)) and room < page_body:
            blocks.append(Block("break", 0.0))
            room = page_body
            continue
        end = min(n, start + max(fits, 1))
        title = shown.title if start == 0 else f"{shown.title} (continued)"
        height = header + ROW * (end - start)
        blocks.append(Block("table", height, text=title, table=shown, rows=(start, end)))
        room -= height
        start = end
        if start >= n:
            return blocks


def _first_height(section: Section, width: float) -> float:
    """Room the section's first item needs, so a heading never ends a page alone."""
    for item in section.items:
        if isinstance(item, Chart):
            return _chart_height(item)
        if isinstance(item, Table):
            return SUBHEADING + ROW * (2.6 + min(len(item.frame), 12))
        if isinstance(item, Note):
            return NOTE_LINE * len(_note_lines(item.text, width)) + 0.08
    return 0.0


def _chart_height(chart: Chart) -> float:
    return chart.height * CHART_SCALE + 0.1 + (0.3 if chart.legend_below else 0.0)


def _layout(sections: Sequence[Section], width: float, body: float) -> list[list[Block]]:
    pages: list[list[Block]] = [[]]
    room = body

    def new_page() -> None:
        nonlocal room
        if pages[-1]:
            pages.append([])
        room = body

    def place(block: Block) -> None:
        nonlocal room
        if block.kind == "break":
            new_page()
            return
        if block.height > room:
            new_page()
        pages[-1].append(block)
        room -= block.height

    for section in sections:
        if room < HEADING + _first_height(section, width):  # keep the heading with its start
            new_page()
        place(Block("heading", HEADING, text=section.title))
        for item in section.items:
            if isinstance(item, Table):
                if room < SUBHEADING + ROW * 4:
                    new_page()
                for block in _table_blocks(item, room, body, width):
                    place(block)
            elif isinstance(item, Chart):
                place(Block("chart", _chart_height(item), chart=item))
            elif isinstance(item, Note):
                lines = _note_lines(item.text, width)
                place(Block("note", NOTE_LINE * len(lines) + 0.08, text="\n".join(lines)))
            elif isinstance(item, CustomFigure) and is_matplotlib_figure(item.figure):
                place(Block("figure", body + 1.0, text=item.title, figure=item.figure))
            elif isinstance(item, Html | CustomFigure):
                place(Block("note", NOTE_LINE + 0.08, text="(shown in the HTML report)"))
    return [page for page in pages if page]


def _draw_table(figure: Figure, block: Block, top: float, page: tuple[float, float]) -> None:
    assert block.table is not None
    table = block.table
    w, h = page
    geometry = _geometry(table, w - 2 * MARGIN_X)
    start, end = block.rows
    font = geometry.font
    pad = 2 * CHAR * font / FONT
    figure.text(
        MARGIN_X / w, 1 - (top + 0.16) / h, block.text, fontsize=8.5, weight="bold", color="#5b6673"
    )
    y = top + SUBHEADING + ROW * geometry.header_lines
    text_columns = (True, *table.text_columns)
    for i, header in enumerate(geometry.headers):
        lo, hi = geometry.edges[i]
        left = text_columns[i]
        x = MARGIN_X + (lo if left else hi - pad)
        figure.text(
            x / w,
            1 - y / h,
            header,
            fontsize=font,
            weight="bold",
            ha="left" if left else "right",
            va="baseline",
            linespacing=1.05,
            multialignment="left" if left else "right",
        )
    right_edge = MARGIN_X + geometry.edges[-1][1]
    figure.add_artist(_hline(MARGIN_X / w, min(right_edge, w - MARGIN_X) / w, 1 - (y + 0.05) / h))
    for label, cells in table.rows[start:end]:
        y += ROW
        figure.text(
            (MARGIN_X + geometry.edges[0][0]) / w, 1 - y / h, label, fontsize=font, color="#333333"
        )
        for i, cell in enumerate(cells):
            lo, hi = geometry.edges[i + 1]
            left = text_columns[i + 1]
            x = MARGIN_X + (lo if left else hi - pad)
            figure.text(x / w, 1 - y / h, cell, fontsize=font, ha="left" if left else "right")


def _hline(x0: float, x1: float, y: float) -> Line2D:
    from matplotlib.lines import Line2D

    return Line2D([x0, x1], [y, y], color="#999999", linewidth=0.5)


def _draw_page(
    blocks: list[Block], page: tuple[float, float], title: str, number: int, total: int
) -> Figure:
    from matplotlib.figure import Figure

    w, h = page
    figure = Figure(figsize=page)
    figure.text(MARGIN_X / w, 1 - 0.35 / h, title, fontsize=8, color="#777777")
    figure.text(0.5, 0.3 / h, f"page {number} of {total}", fontsize=8, color="#777777", ha="center")
    y = MARGIN_TOP
    for block in blocks:
        if block.kind == "heading":
            figure.text(
                MARGIN_X / w,
                1 - (y + 0.3) / h,
                block.text,
                fontsize=13,
                weight="bold",
                color="#1f4e79",
            )
        elif block.kind == "note":
            figure.text(
                MARGIN_X / w,
                1 - (y + 0.05) / h,
                block.text,
                fontsize=7.5,
                color="#5b6673",
                va="top",
                linespacing=1.4,
            )
        elif block.kind == "table":
            _draw_table(figure, block, y, page)
        elif block.kind == "chart" and block.chart is not None:
            chart_h = block.height - 0.1
            left, right, top_pad, bottom_pad = 0.75, 0.25, 0.3, 0.35
            if block.chart.legend_below:
                bottom_pad += 0.3
            axes = figure.add_axes(
                (
                    (MARGIN_X + left) / w,
                    1 - (y + chart_h - bottom_pad) / h,
                    (w - 2 * MARGIN_X - left - right) / w,
                    (chart_h - top_pad - bottom_pad) / h,
                )
            )
            draw_chart(axes, block.chart)
        y += block.height
    return figure


def write_pdf(sections: Sequence[Section], path: Path, *, title: str, paper: Paper = "a4") -> Path:
    """Lay out and write the report; returns ``path``."""
    require_matplotlib()
    if paper not in PAPER:
        raise ConfigError(
            f"unknown paper size {paper!r}; use 'a4' or 'letter'", context={"paper": paper}
        )
    import logging

    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages

    # Helvetica's core-font metrics come in weight "medium"; matplotlib warns once
    # per style that it uses them for "normal", which is exactly what we want.
    font_log = logging.getLogger("matplotlib.font_manager")
    level = font_log.level
    font_log.setLevel(logging.ERROR)

    page = PAPER[paper]
    body = page[1] - MARGIN_TOP - MARGIN_BOTTOM
    pages = _layout(sections, page[0] - 2 * MARGIN_X, body)
    try:
        with (
            # The PDF's 14 core fonts (Helvetica) need no embedding: several times faster
            # than subsetting TrueType fonts into the file, and smaller. They cover
            # Latin-1, so axes use the ASCII minus sign.
            matplotlib.rc_context(
                {
                    "pdf.use14corefonts": True,
                    "font.family": "sans-serif",
                    "font.sans-serif": ["Helvetica", "DejaVu Sans"],
                    "axes.unicode_minus": False,
                    # Titles at the top edge (where matplotlib's automatic placement
                    # puts them: no ticks above the axes) without measuring every
                    # axis' tick labels to find that out (~0.1 s a report).
                    "axes.titley": 1.0,
                }
            ),
            PdfPages(path, metadata={"Title": title, "Creator": "rustybt"}) as pdf,
        ):
            for number, blocks in enumerate(pages, start=1):
                if len(blocks) == 1 and blocks[0].kind == "figure":
                    pdf.savefig(blocks[0].figure)
                    continue
                pdf.savefig(_draw_page(blocks, page, title, number, len(pages)))
    finally:
        font_log.setLevel(level)
    return path
