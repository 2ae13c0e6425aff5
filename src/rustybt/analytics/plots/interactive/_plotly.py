"""plotly plumbing: the lazy import with its install hint, and the shared layout.

plotly is an optional extra (``interactive``) and ships no type
information, so its objects are typed ``Any`` here and only here.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from rustybt.analytics.inline import prepare_plotly
from rustybt.errors import ConfigError
from rustybt.install import extra_hint

__all__ = ["PlotlyFigure", "graph_objects", "new_figure"]

# Any: a plotly.graph_objects.Figure; plotly ships no type stubs (mypy sees Any).
PlotlyFigure: TypeAlias = Any

INSTALL_HINT = extra_hint("interactive")


def graph_objects() -> Any:  # Any: the untyped plotly.graph_objects module
    """``plotly.graph_objects``, or `ConfigError` with the install hint when missing."""
    try:
        import plotly.graph_objects as go
    except ImportError as exc:
        raise ConfigError(
            f"interactive figures need plotly, which is not installed: {INSTALL_HINT}",
            context={"module": "plotly"},
            hint=INSTALL_HINT,
        ) from exc
    return go


def new_figure(
    title: str,
    *,
    xaxis_title: str = "",
    yaxis_title: str = "",
    x_percent: bool = False,
    y_percent: bool = False,
    height: int = 420,
) -> PlotlyFigure:
    """An empty figure with the house layout (white template, left title, % axes)."""
    go = graph_objects()
    prepare_plotly()
    figure = go.Figure()
    figure.update_layout(
        template="plotly_white",
        title={"text": title, "x": 0.01, "xanchor": "left"},
        height=height,
        margin={"l": 60, "r": 30, "t": 60, "b": 50},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 1.0, "xanchor": "right"},
    )
    figure.update_xaxes(title_text=xaxis_title, tickformat=".0%" if x_percent else None)
    figure.update_yaxes(title_text=yaxis_title, tickformat=".0%" if y_percent else None)
    return figure
