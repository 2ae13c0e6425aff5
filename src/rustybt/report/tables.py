"""A `Table` as rows of display strings (shared by the HTML and PDF writers)."""

from __future__ import annotations

from dataclasses import dataclass

from rustybt.report.formatting import format_value
from rustybt.report.model import Table

__all__ = ["DisplayTable", "display_table"]


@dataclass(frozen=True)
class DisplayTable:
    key: str
    title: str
    index_name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]  # (row label, cells)
    text_columns: tuple[bool, ...]  # per column: left-aligned text rather than a number


def display_table(table: Table) -> DisplayTable:
    frame = table.frame
    columns = tuple(str(c) for c in frame.columns)
    rows = []
    for label, values in zip(frame.index, frame.itertuples(index=False, name=None), strict=True):
        row = str(label)
        cells = tuple(
            format_value(value, table.format_of(row, column))
            for column, value in zip(columns, values, strict=True)
        )
        shown = format_value(label, "date") if not isinstance(label, str) else row
        rows.append((shown.replace("_", " ") if table.by_row else shown, cells))
    name = str(frame.index.name) if frame.index.name is not None else ""
    text = tuple(not table.by_row and table.formats.get(column) == "text" for column in columns)
    return DisplayTable(table.key, table.title, name, columns, tuple(rows), text)
