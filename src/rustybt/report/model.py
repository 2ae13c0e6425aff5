"""What a report is made of: sections holding tables, charts, notes and raw HTML.

The section builders produce these plain objects once; the HTML, PDF and JSON
writers only lay them out, so the three formats always show the same numbers.
Tables keep the *raw* values (floats, Decimals, dates); formatting for display
happens in the writers (`rustybt.report.formatting`), and the JSON keeps them
unrounded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

import pandas as pd

__all__ = [
    "Chart",
    "ChartKind",
    "CustomFigure",
    "Html",
    "Item",
    "Note",
    "Section",
    "Table",
    "ValueFormat",
]

ValueFormat: TypeAlias = Literal["pct", "num", "int", "money", "price", "date", "text", "days"]
ChartKind: TypeAlias = Literal["lines", "underwater", "bars", "heatmap", "histogram", "scatter"]


@dataclass(frozen=True)
class Table:
    """A table of raw values.

    Attributes:
        key: stable name in the JSON (``"drawdowns"``).
        title: caption.
        frame: rows x columns of raw values; the index is the first column.
        formats: display format per column (or per row when ``by_row``);
            missing names are shown as ``"num"``.
        by_row: formats apply to rows (a metrics table: one metric per row).
    """

    key: str
    title: str
    frame: pd.DataFrame
    formats: Mapping[str, ValueFormat] = field(default_factory=dict)
    by_row: bool = False

    def format_of(self, row: str, column: str) -> ValueFormat:
        return self.formats.get(row if self.by_row else column, "num")


@dataclass(frozen=True)
class Chart:
    """A chart described by its data, drawn by matplotlib (static) or plotly (interactive).

    Attributes:
        key, title: as for `Table`.
        kind: ``lines`` (one line per series), ``underwater`` (filled to 0),
            ``bars`` (grouped bars, categories on x), ``heatmap`` (``frame``),
            ``histogram`` (``values``), ``scatter`` (x = index, y = values).
        series: label -> Series (already downsampled for display).
        frame: the heatmap's grid.
        values: the histogram's observations.
        markers: label -> x (histogram) or y (others) of a reference line.
        y_format: how the y axis (or heatmap cells) is labelled.
        x_format: x axis of a scatter or histogram.
        log_y: log-scaled y axis (growth of 1).
        stacked: stack the ``lines`` as areas (exposure by sector).
    """

    key: str
    title: str
    kind: ChartKind
    series: Mapping[str, pd.Series] = field(default_factory=dict)
    frame: pd.DataFrame | None = None
    values: pd.Series | None = None
    markers: Mapping[str, float] = field(default_factory=dict)
    y_format: ValueFormat = "pct"
    x_format: ValueFormat = "date"
    log_y: bool = False
    stacked: bool = False
    height: float = 3.0
    legend_below: bool = False


@dataclass(frozen=True)
class Note:
    """A sentence: what a table means, or why something is left out."""

    text: str


@dataclass(frozen=True)
class Html:
    """Raw HTML from the user (custom sections); shown in the HTML report only."""

    key: str
    html: str


@dataclass(frozen=True)
class CustomFigure:
    """A user's matplotlib or plotly figure (custom sections)."""

    key: str
    title: str
    figure: object  # object: a matplotlib Figure or a plotly Figure, checked when drawn


Item: TypeAlias = Table | Chart | Note | Html | CustomFigure


@dataclass(frozen=True)
class Section:
    """One titled part of the report, its items in display order."""

    key: str
    title: str
    items: tuple[Item, ...]

    @property
    def tables(self) -> tuple[Table, ...]:
        return tuple(item for item in self.items if isinstance(item, Table))

    @property
    def charts(self) -> tuple[Chart, ...]:
        return tuple(item for item in self.items if isinstance(item, Chart))
