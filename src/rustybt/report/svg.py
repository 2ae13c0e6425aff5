"""Charts drawn straight to SVG for the HTML report: fast, small, no matplotlib needed.

A `Chart` becomes one ``<svg>`` element with a ``viewBox`` (it scales to the
page width): a title, grid lines, axis ticks and the marks. Drawing a chart
takes about a millisecond, where a matplotlib figure takes a hundred, and the
HTML report works without the plotting extra. The PDF draws the very same SVG
(`rustybt.report.pdfgen.svgdraw`), so both formats show one drawing.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd

from rustybt.report.formatting import format_value
from rustybt.report.model import Chart
from rustybt.report.style import LOSS, PALETTE, WIN
from rustybt.report.svg_axes import Scale, date_ticks, log_ticks, nice_ticks, tick_label

__all__ = ["chart_svg"]

WIDTH = 900.0
LEFT, RIGHT, TOP, BOTTOM = 62.0, 16.0, 30.0, 28.0
LEGEND = 24.0
LEGEND_ROW = 16.0
FONT = 'font-family="-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif"'
Floats = np.ndarray[tuple[int], np.dtype[np.float64]]


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "middle",
    size: int = 11,
    fill: str = "#333",
    extra: str = "",
) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"{extra}>{_esc(text)}</text>'


def _line(
    x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 1.0, dash: str = ""
) -> str:
    pattern = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}" stroke-width="{width}"{pattern}/>'


def _path(xs: Floats, ys: Floats) -> str:
    """An SVG path through the points, broken where a value is missing."""
    parts, pen_down = [], False
    for x, y in zip(xs, ys, strict=True):
        if not (math.isfinite(x) and math.isfinite(y)):
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{x:.1f},{y:.1f}")
        pen_down = True
    return "".join(parts)


def _times(index: pd.Index) -> Floats:
    stamps = pd.DatetimeIndex(index)
    naive = stamps.tz_localize(None) if stamps.tz is not None else stamps
    seconds: Floats = naive.asi8.astype(np.float64) / 1e9
    return seconds


class _Frame:
    """Plot area geometry plus the pieces of SVG drawn so far."""

    def __init__(self, chart: Chart, width: float = WIDTH) -> None:
        self.chart = chart
        self.width = width
        self.height = chart.height * 100.0
        self.bottom = self.height - BOTTOM - (LEGEND if chart.legend_below else 0.0)
        self.parts: list[str] = []

    def y_axis(self, lo: float, hi: float) -> Scale:
        chart = self.chart
        if chart.log_y and lo > 0:
            scale = Scale(lo, hi, self.bottom, TOP, log=True)
            ticks = log_ticks(lo, hi)
        else:
            ticks = nice_ticks(lo, hi)
            if ticks:
                lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
            scale = Scale(lo, hi, self.bottom, TOP)
        step = ticks[1] - ticks[0] if len(ticks) > 1 else (hi - lo or 1.0)
        for tick in ticks:
            y = scale.one(tick)
            self.parts.append(_line(LEFT, y, self.width - RIGHT, y, "#e3e7ec"))
            label = tick_label(tick, chart.y_format, tick if chart.log_y else step)
            self.parts.append(_text(LEFT - 6, y + 4, label, anchor="end", size=10, fill="#555"))
        return scale

    def x_numeric(self, lo: float, hi: float) -> Scale:
        ticks = nice_ticks(lo, hi, 7)
        if ticks:
            lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
        scale = Scale(lo, hi, LEFT, self.width - RIGHT)
        step = ticks[1] - ticks[0] if len(ticks) > 1 else (hi - lo or 1.0)
        for tick in ticks:
            x = scale.one(tick)
            self.parts.append(_line(x, TOP, x, self.bottom, "#eef1f4"))
            self.parts.append(
                _text(
                    x,
                    self.bottom + 16,
                    tick_label(tick, self.chart.x_format, step),
                    size=10,
                    fill="#555",
                )
            )
        return scale

    def x_dates(self, lo: float, hi: float) -> Scale:
        scale = Scale(lo, hi if hi > lo else lo + 1.0, LEFT, self.width - RIGHT)
        start, end = pd.Timestamp(lo, unit="s"), pd.Timestamp(hi, unit="s")
        for stamp, label in date_ticks(start, end):
            x = scale.one(stamp.value / 1e9)
            self.parts.append(_line(x, TOP, x, self.bottom, "#eef1f4"))
            self.parts.append(_text(x, self.bottom + 16, label, size=10, fill="#555"))
        return scale

    def legend(self, entries: list[tuple[str, str]]) -> None:
        if len(entries) < 2:
            return
        widths = [30.0 + 6.2 * len(label) for label, _ in entries]
        title_end = LEFT - 50 + 7.0 * len(self.chart.title) + 24.0
        beside_title = self.width - RIGHT - sum(widths)
        if self.chart.legend_below:
            y, x = self.height - 8.0, LEFT + 10.0  # in the room reserved under the axes
        elif beside_title >= title_end:
            y, x = 18.0, beside_title  # in the title row, right-aligned: never over the data
        else:
            y, x = TOP + 12.0, LEFT + 10.0  # a long title: top left of the plot
        start = x
        for (label, color), width in zip(entries, widths, strict=True):
            if self.chart.legend_below and x > start and x + width > self.width - RIGHT:
                # A legend wider than the chart wraps: one more row, and the chart grows.
                x, y = start, y + LEGEND_ROW
                self.height += LEGEND_ROW
            self.parts.append(
                f'<rect x="{x:.1f}" y="{y - 8:.1f}" width="14" height="8" fill="{color}"/>'
            )
            self.parts.append(_text(x + 18, y, label, anchor="start", size=10))
            x += width

    def finish(self) -> str:
        title = _text(LEFT - 50, 18, self.chart.title, anchor="start", size=13, fill="#1d2733")
        axis = _line(LEFT, self.bottom, self.width - RIGHT, self.bottom, "#888")
        body = "".join(self.parts)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width:.0f} {self.height:.0f}" '
            f'role="img" aria-label="{_esc(self.chart.title)}" {FONT}>{title}{body}{axis}</svg>'
        )


def _bounds(values: list[Floats], pad_zero: bool = False) -> tuple[float, float]:
    finite = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.array([])
    if finite.size == 0:
        return 0.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    if pad_zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    return lo, hi


def _lines(frame: _Frame, chart: Chart) -> None:
    series = {k: v for k, v in chart.series.items() if len(v)}
    dated = all(isinstance(s.index, pd.DatetimeIndex) for s in series.values())
    if chart.stacked:
        table = pd.DataFrame(series).fillna(0.0)
        tops = table.cumsum(axis=1).to_numpy(dtype=np.float64)
        xs_all = _times(table.index) if dated else table.index.to_numpy(dtype=np.float64)
        y_lo, y_hi = _bounds([tops[:, -1], np.zeros(1)])
        x = (
            frame.x_dates(float(xs_all.min()), float(xs_all.max()))
            if dated
            else frame.x_numeric(float(xs_all.min()), float(xs_all.max()))
        )
        y = frame.y_axis(y_lo, y_hi)
        base = np.zeros(len(table))
        entries = []
        px = x(xs_all)
        for i, column in enumerate(table.columns):
            color = PALETTE[i % len(PALETTE)]
            upper = y(tops[:, i])
            lower = y(base)
            outline = (
                _path(px, upper)
                + "".join(f"L{a:.1f},{b:.1f}" for a, b in zip(px[::-1], lower[::-1], strict=True))
                + "Z"
            )
            frame.parts.append(
                f'<path d="{outline}" fill="{color}" fill-opacity="0.8" stroke="none"/>'
            )
            base = tops[:, i]
            entries.append((str(column), color))
        frame.legend(entries)
        return
    xs = {
        k: (_times(s.index) if dated else s.index.to_numpy(dtype=np.float64))
        for k, s in series.items()
    }
    ys = {k: s.to_numpy(dtype=np.float64) for k, s in series.items()}
    x_lo, x_hi = _bounds(list(xs.values()))
    y_lo, y_hi = _bounds([*ys.values(), np.array(list(chart.markers.values()), dtype=np.float64)])
    if chart.kind == "underwater":
        y_hi = 0.0
    x = frame.x_dates(x_lo, x_hi) if dated else frame.x_numeric(x_lo, x_hi)
    y = frame.y_axis(y_lo, y_hi)
    entries = []
    for i, (label, values) in enumerate(ys.items()):
        px, py = x(xs[label]), y(values)
        color = LOSS if chart.kind == "underwater" else PALETTE[i % len(PALETTE)]
        if chart.kind == "underwater":
            zero = y.one(0.0)
            area = _path(px, py) + f"L{px[-1]:.1f},{zero:.1f}L{px[0]:.1f},{zero:.1f}Z"
            frame.parts.append(f'<path d="{area}" fill="{LOSS}" fill-opacity="0.3" stroke="none"/>')
        frame.parts.append(
            f'<path d="{_path(px, py)}" fill="none" stroke="{color}" stroke-width="{1.6 if i == 0 else 1.2}"/>'
        )
        entries.append((label, color))
    for value in chart.markers.values():
        level = y.one(value)
        frame.parts.append(_line(LEFT, level, frame.width - RIGHT, level, "#444", 0.8, "4 3"))
    frame.legend(entries)


def _bars(frame: _Frame, chart: Chart) -> None:
    table = pd.DataFrame(chart.series)
    values = table.to_numpy(dtype=np.float64)
    lo, hi = _bounds([values.ravel()], pad_zero=True)
    y = frame.y_axis(lo, hi)
    slots = max(len(table), 4)
    slot = (frame.width - RIGHT - LEFT) / slots
    offset = (slots - len(table)) * slot / 2.0
    width = slot * 0.8 / max(table.shape[1], 1)
    zero = y.one(0.0)
    entries = []
    for j, column in enumerate(table.columns):
        color = PALETTE[j % len(PALETTE)]
        entries.append((str(column), color))
        for i, value in enumerate(values[:, j]):
            if not math.isfinite(value):
                continue
            x0 = LEFT + offset + i * slot + slot * 0.1 + j * width
            top, bottom = sorted((y.one(value), zero))
            frame.parts.append(
                f'<rect x="{x0:.1f}" y="{top:.1f}" width="{width:.1f}" height="{max(bottom - top, 0.5):.1f}" fill="{color}"><title>{_esc(f"{column} {table.index[i]}: {format_value(value, chart.y_format)}")}</title></rect>'
            )
    for i, label in enumerate(table.index):
        frame.parts.append(
            _text(
                LEFT + offset + (i + 0.5) * slot,
                frame.bottom + 16,
                str(label),
                size=10,
                fill="#555",
            )
        )
    frame.parts.append(_line(LEFT, zero, frame.width - RIGHT, zero, "#666"))
    frame.legend(entries)


def _heatmap(frame: _Frame, chart: Chart) -> None:
    grid = chart.frame if chart.frame is not None else pd.DataFrame()
    values = grid.to_numpy(dtype=np.float64)
    finite = values[np.isfinite(values)]
    limit = float(np.max(np.abs(finite))) if finite.size else 1.0
    rows, cols = values.shape
    cell_w = (frame.width - RIGHT - LEFT) / max(cols, 1)
    cell_h = (frame.bottom - TOP) / max(rows, 1)
    for r in range(rows):
        frame.parts.append(
            _text(
                LEFT - 6,
                TOP + (r + 0.5) * cell_h + 4,
                str(grid.index[r]),
                anchor="end",
                size=10,
                fill="#555",
            )
        )
        for c in range(cols):
            value = values[r, c]
            if not math.isfinite(value):
                continue
            x0, y0 = LEFT + c * cell_w, TOP + r * cell_h
            frame.parts.append(
                f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{cell_w - 1:.1f}" height="{cell_h - 1:.1f}" fill="{_diverging(value / limit if limit else 0.0)}"/>'
            )
            frame.parts.append(
                _text(
                    x0 + cell_w / 2,
                    y0 + cell_h / 2 + 4,
                    format_value(value, chart.y_format),
                    size=10,
                    fill="#111",
                )
            )
    for c in range(cols):
        frame.parts.append(
            _text(
                LEFT + (c + 0.5) * cell_w,
                frame.bottom + 16,
                str(grid.columns[c]),
                size=10,
                fill="#555",
            )
        )


def _diverging(t: float) -> str:
    """Red (loss) through pale yellow to green (gain) for t in [-1, 1]."""
    t = max(-1.0, min(1.0, t))
    low, mid, high = (215, 48, 39), (255, 255, 191), (26, 152, 80)
    end = high if t >= 0 else low
    weight = abs(t)
    red, green, blue = (round(m + (e - m) * weight) for m, e in zip(mid, end, strict=True))
    return f"#{red:02x}{green:02x}{blue:02x}"


def _histogram(frame: _Frame, chart: Chart) -> None:
    values = chart.values.to_numpy(dtype=np.float64) if chart.values is not None else np.array([])
    values = values[np.isfinite(values)]
    bins = int(min(60, max(10, np.sqrt(len(values)))))
    counts, edges = np.histogram(values, bins=bins)
    markers = np.array(list(chart.markers.values()), dtype=np.float64)
    x = frame.x_numeric(*_bounds([edges, markers]))
    y = frame.y_axis(0.0, float(counts.max()) if counts.size else 1.0)
    zero = y.one(0.0)
    for count, left, right in zip(counts, edges[:-1], edges[1:], strict=True):
        if count:
            top = y.one(float(count))
            frame.parts.append(
                f'<rect x="{x.one(left):.1f}" y="{top:.1f}" width="{max(x.one(right) - x.one(left) - 0.5, 0.5):.1f}" height="{zero - top:.1f}" fill="{PALETTE[0]}" fill-opacity="0.75"/>'
            )
    entries = []
    for i, (label, value) in enumerate(chart.markers.items()):
        color = PALETTE[2 + i]
        at = x.one(value)
        frame.parts.append(_line(at, TOP, at, frame.bottom, color, 1.4, "5 3"))
        entries.append((f"{label} {format_value(value, chart.x_format)}", color))
    frame.legend(entries)


def _scatter(frame: _Frame, chart: Chart) -> None:
    xs = [s.index.to_numpy(dtype=np.float64) for s in chart.series.values()]
    ys = [s.to_numpy(dtype=np.float64) for s in chart.series.values()]
    x = frame.x_numeric(*_bounds(xs))
    y = frame.y_axis(*_bounds(ys, pad_zero=True))
    entries = []
    for (label, _), px, py in zip(chart.series.items(), xs, ys, strict=True):
        color = WIN if label == "Winners" else LOSS if label == "Losers" else PALETTE[0]
        dots = "".join(
            f'<circle cx="{a:.1f}" cy="{b:.1f}" r="2.8"/>'
            for a, b in zip(x(px), y(py), strict=True)
        )
        frame.parts.append(f'<g fill="{color}" fill-opacity="0.65">{dots}</g>')
        entries.append((label, color))
    zero = y.one(0.0)
    frame.parts.append(_line(LEFT, zero, frame.width - RIGHT, zero, "#666"))
    frame.legend(entries)


_DRAWERS = {
    "lines": _lines,
    "underwater": _lines,
    "bars": _bars,
    "heatmap": _heatmap,
    "histogram": _histogram,
    "scatter": _scatter,
}


def _is_empty(chart: Chart) -> bool:
    if chart.kind == "heatmap":
        return chart.frame is None or chart.frame.empty
    if chart.kind == "histogram":
        return chart.values is None or chart.values.dropna().empty
    return not any(len(s.dropna()) for s in chart.series.values())


def chart_svg(chart: Chart, width: float = WIDTH) -> str:
    """``chart`` as one inline ``<svg>`` element, ``width`` units wide (the PDF draws it narrower)."""
    frame = _Frame(chart, width)
    if _is_empty(chart):
        frame.parts.append(
            _text(frame.width / 2, frame.height / 2, "not enough data to draw", fill="#777")
        )
    else:
        _DRAWERS[chart.kind](frame, chart)
    return frame.finish()
