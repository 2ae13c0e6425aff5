"""Draw a `Chart` with matplotlib onto an axes of a PDF page; a user's figure as SVG.

Dates use matplotlib's concise formatter, so labels never overlap however long
or short the history; an empty chart says so instead of showing a blank panel.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rustybt.errors import ConfigError
from rustybt.install import extra_hint
from rustybt.report.formatting import format_value
from rustybt.report.model import Chart, ValueFormat
from rustybt.report.style import LOSS, PALETTE, WIN

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["draw_chart", "figure_svg", "require_matplotlib"]


def require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401  (imported only to test that it is installed)
    except ImportError as exc:
        raise ConfigError(
            "report charts and PDF need matplotlib, which is not installed",
            context={"module": "matplotlib"},
            hint=extra_hint("plot"),
        ) from exc


def _axis_format(ax: Axes, axis: str, kind: ValueFormat) -> None:
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    target = ax.xaxis if axis == "x" else ax.yaxis
    if kind == "pct":
        target.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))
    elif kind in ("num", "money", "int"):
        target.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.4g}"))


def _dates(ax: Axes) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]  # untyped in matplotlib
    ax.xaxis.set_major_locator(locator)
    formatter = mdates.ConciseDateFormatter(locator)  # type: ignore[no-untyped-call]  # untyped in matplotlib
    ax.xaxis.set_major_formatter(formatter)


def _x(series: pd.Series) -> np.ndarray[tuple[int], np.dtype[np.generic]]:
    """x values matplotlib understands: naive UTC datetimes, or the index as is."""
    index = series.index
    if isinstance(index, pd.DatetimeIndex):
        naive = index.tz_localize(None) if index.tz is not None else index
        return naive.to_numpy()
    return index.to_numpy()


def _lines(ax: Axes, chart: Chart) -> None:
    dated = any(isinstance(s.index, pd.DatetimeIndex) for s in chart.series.values())
    if chart.stacked and chart.series:
        frame = pd.DataFrame(chart.series).fillna(0.0)
        # A numpy array, not the index: matplotlib would iterate a DatetimeIndex element
        # by element (Timestamp objects) to find its units, ~0.1 s on 10 years.
        x = (
            frame.index.tz_localize(None)
            if isinstance(frame.index, pd.DatetimeIndex) and frame.index.tz is not None
            else frame.index
        ).to_numpy()
        colors = [PALETTE[i % len(PALETTE)] for i in range(frame.shape[1])]
        ax.stackplot(
            x, frame.to_numpy().T, labels=[str(c) for c in frame.columns], colors=colors, alpha=0.8
        )
    else:
        for i, (label, series) in enumerate(chart.series.items()):
            ax.plot(
                _x(series),
                series.to_numpy(dtype=np.float64),
                label=label,
                color=PALETTE[i % len(PALETTE)],
                linewidth=1.3 if i == 0 else 1.0,
            )
    for label, y in chart.markers.items():
        ax.axhline(
            y,
            color="#444444",
            linewidth=0.7,
            linestyle="--",
            label=None if label in ("0", "1") else label,
        )
    if chart.log_y:
        ax.set_yscale("log")
    if dated:
        _dates(ax)
    _axis_format(ax, "y", chart.y_format)
    if len(chart.series) > 1 and chart.legend_below:
        ax.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.1),
            fontsize=8,
            frameon=False,
            ncol=min(len(chart.series), 6),
        )
    elif len(chart.series) > 1:
        ax.legend(loc="best", fontsize=8, frameon=False, ncol=min(len(chart.series), 4))


def _underwater(ax: Axes, chart: Chart) -> None:
    for series in chart.series.values():
        x = _x(series)
        y = series.to_numpy(dtype=np.float64)
        ax.fill_between(x, y, 0.0, color=LOSS, alpha=0.35, linewidth=0)
        ax.plot(x, y, color=LOSS, linewidth=0.8)
    _dates(ax)
    _axis_format(ax, "y", "pct")


def _bars(ax: Axes, chart: Chart) -> None:
    frame = pd.DataFrame(chart.series)
    n = max(frame.shape[1], 1)
    width = 0.8 / n
    positions = np.arange(len(frame))
    for i, column in enumerate(frame.columns):
        ax.bar(
            positions + (i - (n - 1) / 2) * width,
            frame[column].to_numpy(dtype=np.float64),
            width,
            label=str(column),
            color=PALETTE[i % len(PALETTE)],
        )
    ax.set_xticks(positions, [str(v) for v in frame.index], rotation=0 if len(frame) <= 12 else 45)
    ax.axhline(0.0, color="#444444", linewidth=0.6)
    if len(frame) < 4:  # one or two years: keep the bars bar-shaped, not a wall
        ax.set_xlim(-2.0, len(frame) + 1.0)
    _axis_format(ax, "y", chart.y_format)
    if n > 1:
        ax.legend(loc="best", fontsize=8, frameon=False)


def _heatmap(ax: Axes, chart: Chart) -> None:
    frame = chart.frame if chart.frame is not None else pd.DataFrame()
    values = frame.to_numpy(dtype=np.float64)
    finite = values[np.isfinite(values)]
    limit = float(np.max(np.abs(finite))) if finite.size else 1.0
    ax.imshow(values, cmap="RdYlGn", vmin=-limit, vmax=limit, aspect="auto")
    ax.set_xticks(range(frame.shape[1]), [str(c) for c in frame.columns], fontsize=8)
    ax.set_yticks(range(frame.shape[0]), [str(i) for i in frame.index], fontsize=8)
    if values.size <= 400:
        for (row, col), value in np.ndenumerate(values):
            if np.isfinite(value):
                ax.text(
                    col,
                    row,
                    format_value(value, chart.y_format),
                    ha="center",
                    va="center",
                    fontsize=7,
                )
    ax.grid(False)


def _histogram(ax: Axes, chart: Chart) -> None:
    values = chart.values.to_numpy(dtype=np.float64) if chart.values is not None else np.array([])
    values = values[np.isfinite(values)]
    bins = int(min(60, max(10, np.sqrt(len(values)))))
    ax.hist(values, bins=bins, color=PALETTE[0], alpha=0.75)
    for i, (label, x) in enumerate(chart.markers.items()):
        ax.axvline(
            x,
            color=PALETTE[2 + i],
            linewidth=1.1,
            linestyle="--",
            label=f"{label} {format_value(x, chart.x_format)}",
        )
    _axis_format(ax, "x", chart.x_format)
    if chart.markers:
        ax.legend(loc="upper left", fontsize=8, frameon=False)


def _scatter(ax: Axes, chart: Chart) -> None:
    for label, series in chart.series.items():
        color = WIN if label == "Winners" else LOSS if label == "Losers" else PALETTE[0]
        ax.scatter(
            series.index.to_numpy(dtype=np.float64),
            series.to_numpy(dtype=np.float64),
            s=12,
            alpha=0.6,
            color=color,
            label=label,
        )
    ax.axhline(0.0, color="#444444", linewidth=0.6)
    _axis_format(ax, "x", chart.x_format)
    _axis_format(ax, "y", chart.y_format)
    ax.legend(loc="best", fontsize=8, frameon=False)


_DRAWERS = {
    "lines": _lines,
    "underwater": _underwater,
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


def draw_chart(ax: Axes, chart: Chart) -> None:
    """Draw ``chart`` on ``ax`` with its title, grid and axis formats."""
    ax.set_title(chart.title, loc="left", fontsize=10)
    if _is_empty(chart):
        ax.text(
            0.5,
            0.5,
            "not enough data to draw",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="#777777",
        )
        ax.set_xticks([])
        ax.set_yticks([])
        return
    _DRAWERS[chart.kind](ax, chart)
    if chart.kind != "heatmap":
        ax.grid(True, alpha=0.3, linewidth=0.6)
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.tick_params(labelsize=8)


def figure_svg(figure: Figure) -> str:
    """The figure as an inline ``<svg>`` element (text kept as text: small and searchable)."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "rustybt"}):
        figure.savefig(buffer, format="svg")
    text = buffer.getvalue()
    return text[text.index("<svg") :]
