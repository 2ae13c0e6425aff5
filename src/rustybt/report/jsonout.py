"""The JSON writer: every number of the report, unrounded, in a stable layout.

Floats are written at full precision (NaN as null, infinities as "inf" /
"-inf"), ledger Decimals as their exact strings, dates as ISO 8601 and
durations in seconds, so two reports can be diffed and every value recomputed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal

import numpy as np
import pandas as pd

from rustybt.report.model import Chart, Html, Note, Section, Table

__all__ = ["FORMAT", "jsonable", "report_dict"]

FORMAT = "rustybt.report/1"


def jsonable(value: object) -> object:
    """One raw value as JSON (see the module docstring for the conventions)."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return None
        if math.isinf(number):
            return "inf" if number > 0 else "-inf"
        return number
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).isoformat()
    if isinstance(value, pd.Timedelta):
        return value.total_seconds()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return str(value)


def _series(series: pd.Series) -> dict[str, object]:
    return {
        "x": [jsonable(v) for v in series.index],
        "y": [jsonable(v) for v in series.to_numpy()],
    }


def table_dict(table: Table) -> dict[str, object]:
    frame = table.frame
    return {
        "title": table.title,
        "index_name": None if frame.index.name is None else str(frame.index.name),
        "columns": [str(c) for c in frame.columns],
        "index": [jsonable(v) for v in frame.index],
        "data": [[jsonable(v) for v in row] for row in frame.itertuples(index=False, name=None)],
    }


def chart_dict(chart: Chart) -> dict[str, object]:
    out: dict[str, object] = {"title": chart.title, "kind": chart.kind}
    if chart.series:
        out["series"] = {label: _series(s) for label, s in chart.series.items()}
    if chart.frame is not None:
        out["grid"] = table_dict(Table(chart.key, chart.title, chart.frame))
    if chart.values is not None:
        out["values"] = [jsonable(v) for v in chart.values.to_numpy()]
    if chart.markers:
        out["markers"] = {k: jsonable(v) for k, v in chart.markers.items()}
    return out


def section_dict(section: Section) -> dict[str, object]:
    return {
        "title": section.title,
        "tables": {t.key: table_dict(t) for t in section.items if isinstance(t, Table)},
        "charts": {c.key: chart_dict(c) for c in section.items if isinstance(c, Chart)},
        "notes": [n.text for n in section.items if isinstance(n, Note)],
        "html": [h.key for h in section.items if isinstance(h, Html)],
    }


def report_dict(
    sections: Sequence[Section],
    omitted: Sequence[tuple[str, str]],
    *,
    title: str,
    options: Mapping[str, object],
) -> dict[str, object]:
    import rustybt

    return {
        "format": FORMAT,
        "title": title,
        "rustybt_version": rustybt.__version__,
        "options": jsonable(dict(options)),
        "sections": {section.key: section_dict(section) for section in sections},
        "omitted": {key: reason for key, reason in omitted},
    }
