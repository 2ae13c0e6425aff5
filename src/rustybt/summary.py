"""Compact summaries of objects for people: a text ``__repr__`` and a notebook table.

Notebooks call ``_repr_html_`` and terminals ``__repr__``; both come from the same
ordered ``label -> text`` rows, so the two never disagree. Long lists (a panel's
500 symbols) are clipped to their first few names and a count: a summary is a
glance, never every row.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping

__all__ = ["clip_names", "summary_html", "summary_text"]

_TABLE_STYLE = "border-collapse:collapse;font-size:0.9em"
_CELL = "padding:1px 8px;text-align:left;vertical-align:top"


def clip_names(names: Iterable[object], limit: int = 6) -> str:
    """``"AAPL, MSFT, ... (+495 more)"``: the first ``limit`` names and how many are left."""
    items = [str(name) for name in names]
    if len(items) <= limit:
        return ", ".join(items) if items else "-"
    return ", ".join(items[:limit]) + f", ... (+{len(items) - limit:,} more)"


def summary_text(title: str, rows: Mapping[str, str]) -> str:
    """``Title(\\n  label  value\\n  ...)``: the text form, one line per row."""
    if not rows:
        return f"{title}()"
    width = max(len(label) for label in rows)
    lines = [f"  {label:<{width}}  {value}" for label, value in rows.items()]
    return f"{title}(\n" + "\n".join(lines) + "\n)"


def summary_html(title: str, rows: Mapping[str, str], *, extra_html: str = "") -> str:
    """A two-column HTML table with ``title`` as its caption (values escaped);
    ``extra_html`` (already safe HTML, e.g. a small pandas table) follows it."""
    body = "".join(
        f"<tr><th style='{_CELL}'>{html.escape(label)}</th>"
        f"<td style='{_CELL}'>{html.escape(value)}</td></tr>"
        for label, value in rows.items()
    )
    caption = f"<caption style='text-align:left;font-weight:bold'>{html.escape(title)}</caption>"
    return (
        f"<div class='rustybt-summary'><table style='{_TABLE_STYLE}'>{caption}"
        f"<tbody>{body}</tbody></table>{extra_html}</div>"
    )
