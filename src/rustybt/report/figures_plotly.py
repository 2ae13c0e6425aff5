"""Draw a `Chart` with plotly (``interactive=True``): the same data as the static chart."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rustybt.errors import ConfigError
from rustybt.report.model import Chart, ValueFormat
from rustybt.report.style import LOSS, PALETTE, WIN

__all__ = ["plotly_figure", "require_plotly"]

# plotly has no type information: figures are handled as `object` here.


def require_plotly() -> None:
    try:
        import plotly  # noqa: F401  (imported only to test that it is installed)
    except ImportError as exc:
        raise ConfigError(
            "interactive reports need plotly, which is not installed",
            context={"module": "plotly"},
            hint="pip install rustybt[interactive], or leave interactive=False",
        ) from exc


def _tick(kind: ValueFormat) -> str:
    return ".1%" if kind == "pct" else ",.4g"


def _x(series: pd.Series) -> list[object]:
    index = series.index
    if isinstance(index, pd.DatetimeIndex):
        return [str(v) for v in (index.tz_localize(None) if index.tz is not None else index)]
    return list(index)


def plotly_figure(chart: Chart) -> object:
    """A plotly Figure of ``chart``."""
    require_plotly()
    import plotly.graph_objects as go

    figure = go.Figure()
    if chart.kind in ("lines", "underwater"):
        for i, (label, series) in enumerate(chart.series.items()):
            color = LOSS if chart.kind == "underwater" else PALETTE[i % len(PALETTE)]
            figure.add_trace(
                go.Scatter(
                    x=_x(series),
                    y=series.to_numpy(dtype=np.float64),
                    name=label,
                    mode="lines",
                    line={"color": color, "width": 1.4},
                    fill="tozeroy" if chart.kind == "underwater" else None,
                    stackgroup="one" if chart.stacked else None,
                )
            )
        for label, y in chart.markers.items():
            figure.add_hline(y=y, line_dash="dash", line_color="#444", annotation_text=label)
    elif chart.kind == "bars":
        for i, (label, series) in enumerate(chart.series.items()):
            figure.add_trace(
                go.Bar(
                    x=_x(series),
                    y=series.to_numpy(dtype=np.float64),
                    name=label,
                    marker_color=PALETTE[i % len(PALETTE)],
                )
            )
    elif chart.kind == "heatmap" and chart.frame is not None:
        values = chart.frame.to_numpy(dtype=np.float64)
        finite = values[np.isfinite(values)]
        limit = float(np.max(np.abs(finite))) if finite.size else 1.0
        figure.add_trace(
            go.Heatmap(
                z=values,  # NaN cells (months outside the run) stay blank
                x=[str(c) for c in chart.frame.columns],
                y=[str(i) for i in chart.frame.index],
                colorscale="RdYlGn",
                zmin=-limit,
                zmax=limit,
                texttemplate="%{z:.1%}",
            )
        )
    elif chart.kind == "histogram" and chart.values is not None:
        figure.add_trace(
            go.Histogram(
                x=chart.values.to_numpy(dtype=np.float64), marker_color=PALETTE[0], name="returns"
            )
        )
        for i, (label, x) in enumerate(chart.markers.items()):
            figure.add_vline(
                x=x, line_dash="dash", line_color=PALETTE[2 + i], annotation_text=label
            )
    elif chart.kind == "scatter":
        for label, series in chart.series.items():
            color = WIN if label == "Winners" else LOSS
            figure.add_trace(
                go.Scatter(
                    x=series.index.to_numpy(dtype=np.float64),
                    y=series.to_numpy(dtype=np.float64),
                    mode="markers",
                    name=label,
                    marker={"color": color, "size": 6, "opacity": 0.6},
                )
            )
    figure.update_layout(
        title={"text": chart.title, "x": 0.01, "font": {"size": 14}},
        height=int(chart.height * 100),
        margin={"l": 50, "r": 20, "t": 40, "b": 40},
        template="plotly_white",
        legend={"orientation": "h", "y": -0.15},
    )
    if chart.kind == "heatmap":
        figure.update_yaxes(autorange="reversed")
    elif chart.kind in ("histogram", "scatter"):
        figure.update_xaxes(tickformat=_tick(chart.x_format))
    if chart.kind != "heatmap":
        figure.update_yaxes(tickformat=_tick(chart.y_format), type="log" if chart.log_y else None)
    return figure
