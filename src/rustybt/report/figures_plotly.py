"""Draw a `Chart` with plotly (``interactive=True``): the same data as the static chart."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rustybt.errors import ConfigError
from rustybt.install import extra_hint
from rustybt.report.display import thin, thin_frame
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
            hint=extra_hint("interactive") + "; or leave interactive=False",
        ) from exc


def _tick(kind: ValueFormat) -> str:
    return ".1%" if kind == "pct" else ",.4g"


# plotly.js alone is 4.8 MB, so the traces must stay small for the page to stay
# under 5 MB: at most this many points a line, values to 5 significant digits
# and dates without a time of day where there is none. The JSON report keeps
# the exact values; this is display only.
MAX_POINTS = 200


def _compact(series: pd.Series) -> pd.Series:
    return thin(series, MAX_POINTS)


def _x(series: pd.Series) -> list[object]:
    index = series.index
    if isinstance(index, pd.DatetimeIndex):
        naive = index.tz_localize(None) if index.tz is not None else index
        daily = bool((naive == naive.normalize()).all())
        return list(naive.strftime("%Y-%m-%d" if daily else "%Y-%m-%d %H:%M"))
    return [float(f"{v:.5g}") for v in index.to_numpy(dtype=np.float64)]


def _y(values: object) -> list[float | None]:
    array = np.asarray(values, dtype=np.float64)
    return [float(f"{v:.5g}") if np.isfinite(v) else None for v in array]


def plotly_figure(chart: Chart) -> object:
    """A plotly Figure of ``chart``."""
    require_plotly()
    import plotly.graph_objects as go

    figure = go.Figure()
    if chart.kind in ("lines", "underwater"):
        frame = pd.DataFrame(chart.series) if chart.stacked else None
        for i, (label, raw) in enumerate(chart.series.items()):
            color = LOSS if chart.kind == "underwater" else PALETTE[i % len(PALETTE)]
            # stacked areas share one index: thin them together, by stride
            series = (
                thin_frame(frame.fillna(0.0), MAX_POINTS)[label]
                if frame is not None
                else _compact(raw)
            )
            figure.add_trace(
                go.Scatter(
                    x=_x(series),
                    y=_y(series),
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
                    y=_y(series),
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
                z=[_y(row) for row in values],  # NaN cells (months outside the run) stay blank
                x=[str(c) for c in chart.frame.columns],
                y=[str(i) for i in chart.frame.index],
                colorscale="RdYlGn",
                zmin=-limit,
                zmax=limit,
                texttemplate="%{z:.1%}",
            )
        )
    elif chart.kind == "histogram" and chart.values is not None:
        # Bins computed here (as the SVG chart does), not thousands of raw values.
        observed = chart.values.to_numpy(dtype=np.float64)
        observed = observed[np.isfinite(observed)]
        counts, edges = np.histogram(observed, bins=int(min(60, max(10, np.sqrt(len(observed))))))
        figure.add_trace(
            go.Bar(
                x=_y((edges[:-1] + edges[1:]) / 2.0),
                y=counts.tolist(),
                width=float(edges[1] - edges[0]),
                marker_color=PALETTE[0],
                name="count",
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
                    x=_x(series),
                    y=_y(series),
                    mode="markers",
                    name=label,
                    marker={"color": color, "size": 6, "opacity": 0.6},
                )
            )
    figure.update_layout(
        title={"text": chart.title, "x": 0.01, "font": {"size": 14}},
        height=int(chart.height * 100),
        margin={"l": 50, "r": 20, "t": 40, "b": 40},
        # No named template: plotly would copy its whole definition into every figure.
        template="none",
        plot_bgcolor="white",
        paper_bgcolor="white",
        font={"family": "Helvetica, Arial, sans-serif", "size": 11},
        legend={"orientation": "h", "y": -0.15},
    )
    if chart.kind == "heatmap":
        figure.update_yaxes(autorange="reversed", type="category", dtick=1)
    elif chart.kind in ("histogram", "scatter"):
        figure.update_xaxes(tickformat=_tick(chart.x_format))
    figure.update_xaxes(gridcolor="#eef1f4", zeroline=False)
    if chart.kind != "heatmap":
        figure.update_yaxes(
            gridcolor="#e3e7ec",
            zerolinecolor="#888",
            tickformat=_tick(chart.y_format),
            type="log" if chart.log_y else None,
        )
    return figure
