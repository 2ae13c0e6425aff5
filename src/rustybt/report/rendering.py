"""Charts turned into HTML bodies: inline SVG (static) or plotly divs (interactive).

Each chart is drawn once per report and cached, so writing HTML and PDF from
one generator does not draw it twice for the HTML.
"""

from __future__ import annotations

from rustybt.errors import ConfigError
from rustybt.report.model import Chart, CustomFigure

__all__ = ["ChartRenderer"]


class ChartRenderer:
    """Renders charts and user figures to HTML, caching by key."""

    def __init__(self, *, interactive: bool = False) -> None:
        self.interactive = interactive
        self.uses_plotly = False
        self._cache: dict[int, str] = {}

    def html(self, item: Chart | CustomFigure) -> str:
        key = id(item)
        if key not in self._cache:
            self._cache[key] = self._render(item)
        return self._cache[key]

    def _render(self, item: Chart | CustomFigure) -> str:
        if isinstance(item, CustomFigure):
            return self._custom(item)
        if self.interactive:
            from rustybt.report.figures_plotly import plotly_figure

            return self._plotly_div(plotly_figure(item))
        from rustybt.report.svg import chart_svg

        return chart_svg(item)

    def _plotly_div(self, figure: object) -> str:
        self.uses_plotly = True
        to_html = getattr(figure, "to_html")  # noqa: B009  (plotly is untyped)
        return str(
            to_html(
                full_html=False,
                include_plotlyjs=False,
                config={"responsive": True, "displaylogo": False},
            )
        )

    def _custom(self, item: CustomFigure) -> str:
        from rustybt.report.figures_static import figure_svg

        figure = item.figure
        if is_matplotlib_figure(figure):
            return figure_svg(figure)  # type: ignore[arg-type]  # checked just above
        if is_plotly_figure(figure):
            return self._plotly_div(figure)
        raise ConfigError(
            "a custom figure must be a matplotlib Figure or a plotly Figure",
            context={"type": type(figure).__name__},
        )

    def plotly_js(self) -> str:
        """plotly.js itself, embedded once in the page (no network needed to open it)."""
        from plotly.offline import get_plotlyjs

        return str(get_plotlyjs())


def is_matplotlib_figure(figure: object) -> bool:
    return type(figure).__module__.startswith("matplotlib") and hasattr(figure, "savefig")


def is_plotly_figure(figure: object) -> bool:
    return type(figure).__module__.startswith("plotly") and hasattr(figure, "to_html")
