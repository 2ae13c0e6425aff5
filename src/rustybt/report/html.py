"""The HTML writer: one self-contained file (CSS inline, charts inline), via Jinja2.

Static charts are inline SVG. With ``interactive=True`` they are plotly divs and
plotly.js is embedded once in the page head, so the file opens without network.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from typing import TYPE_CHECKING

import pandas as pd

from rustybt.errors import ConfigError
from rustybt.report.model import Chart, CustomFigure, Html, Note, Section, Table
from rustybt.report.tables import display_table

if TYPE_CHECKING:
    from rustybt.report.rendering import ChartRenderer

__all__ = ["render_html"]


def _environment() -> object:
    try:
        import jinja2
    except ImportError as exc:  # jinja2 is a dependency; a broken install lands here
        raise ConfigError(
            "HTML reports need jinja2, which is not installed",
            context={"module": "jinja2"},
            hint="pip install jinja2",
        ) from exc
    return jinja2.Environment(
        loader=jinja2.PackageLoader("rustybt.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _item(item: object, charts: ChartRenderer) -> dict[str, object] | None:
    if isinstance(item, Table):
        shown = display_table(item)
        return {
            "type": "table",
            "key": shown.key,
            "title": shown.title,
            "index_name": shown.index_name,
            "columns": shown.columns,
            "rows": [{"label": label, "cells": cells} for label, cells in shown.rows],
            "align": ["text" if text else "num" for text in shown.text_columns],
        }
    if isinstance(item, Chart | CustomFigure):
        return {"type": "chart", "key": item.key, "body": charts.html(item)}
    if isinstance(item, Note):
        return {"type": "note", "text": item.text}
    if isinstance(item, Html):
        return {"type": "html", "body": item.html}
    return None


def render_html(
    sections: Sequence[Section],
    omitted: Sequence[tuple[str, str]],
    *,
    title: str,
    subtitle: str,
    charts: ChartRenderer,
) -> str:
    """The whole report as one HTML document."""
    import jinja2

    import rustybt

    env = _environment()
    assert isinstance(env, jinja2.Environment)
    css = resources.files("rustybt.report").joinpath("templates/report.css").read_text("utf-8")
    context = {
        "title": title,
        "subtitle": subtitle,
        "css": css,
        "version": rustybt.__version__,
        "generated": pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M UTC"),
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "parts": [x for x in (_item(i, charts) for i in section.items) if x is not None],
            }
            for section in sections
        ],
        "omitted": list(omitted),
        "plotly_js": "",
    }
    # After the sections: a custom plotly figure needs plotly.js even in a static report.
    context["plotly_js"] = charts.plotly_js() if charts.uses_plotly else ""
    return env.get_template("report.html.j2").render(**context)
