"""Shared look and matplotlib plumbing: lazy import, figure creation, axis formats.

matplotlib is an optional extra (the ``plot`` extra), so nothing here imports it at
module level. Figures are built with ``matplotlib.figure.Figure()`` directly, never
through pyplot, so no display or GUI backend is ever touched and figures are not
kept alive by pyplot's global registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rustybt.analytics.inline import prepare_matplotlib
from rustybt.errors import ConfigError
from rustybt.install import extra_hint

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "BENCHMARK",
    "FLAT",
    "LOSS",
    "STRATEGY",
    "WIN",
    "axes_for",
    "finish",
    "money_axis",
    "new_figure",
    "note",
    "percent_axis",
    "require_matplotlib",
]

STRATEGY = "#1f4e9c"
BENCHMARK = "#8c8c8c"
WIN = "#2a9d4b"
LOSS = "#d1383d"
FLAT = "#9e9e9e"
# Closed trades by outcome, in both backends.
OUTCOME_COLOURS = {"winner": WIN, "loser": LOSS, "flat": FLAT}
OUTCOME_LABELS = {"winner": "Winners", "loser": "Losers", "flat": "Flat"}
DRAWDOWN = "#c0392b"
MEAN_LINE = "#444444"
VAR_LINE = "#d1383d"
FIT_LINE = "#e08a00"


def require_matplotlib() -> None:
    """Raise `ConfigError` with the install hint when matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401  (imported only to test that it is installed)
    except ImportError as exc:
        raise ConfigError(
            "static figures need matplotlib, which is not installed",
            context={"module": "matplotlib"},
            hint=extra_hint("plot"),
        ) from exc


def axes_for(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The figure and axes to draw on: ``ax`` and its root figure, or a new pair."""
    require_matplotlib()
    if ax is not None:
        figure = ax.get_figure(root=True)
        if figure is None:
            raise ConfigError(
                "ax is not attached to a figure; pass an axes made by figure.add_subplot()",
                context={"ax": type(ax).__name__},
            )
        return figure, ax
    figure = new_figure(figsize)
    return figure, figure.add_subplot()


def new_figure(figsize: tuple[float, float]) -> Figure:
    """A constrained-layout figure that displays itself inline in a notebook."""
    require_matplotlib()
    from matplotlib.figure import Figure

    prepare_matplotlib()
    return Figure(figsize=figsize, layout="constrained")


def percent_axis(ax: Axes, axis: str = "y", decimals: int | None = None) -> None:
    """Show fractions on ``axis`` ("x" or "y") as percentages (0.05 -> 5%)."""
    from matplotlib.ticker import PercentFormatter

    formatter = PercentFormatter(xmax=1.0, decimals=decimals)
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_formatter(formatter)


def money_axis(ax: Axes, axis: str = "y") -> None:
    """Show currency amounts on ``axis`` with thousands separators (12,500)."""
    from matplotlib.ticker import StrMethodFormatter

    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_formatter(StrMethodFormatter("{x:,.0f}"))


def finish(ax: Axes, title: str | None, default: str) -> None:
    """Title, light grid and tidy spines, the same on every panel."""
    ax.set_title(default if title is None else title, loc="left", fontsize=11)
    ax.grid(True, alpha=0.3, linewidth=0.6)
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)


def date_axis(ax: Axes, max_ticks: int = 6) -> None:
    """Dates on the x axis that never overlap: at most ``max_ticks`` ticks, labelled
    concisely (the year or month once, then days or hours)."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator(minticks=2, maxticks=max_ticks)  # type: ignore[no-untyped-call]  # matplotlib leaves these unannotated
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]  # as above


def note(ax: Axes, text: str) -> None:
    """A centred message on an empty panel (e.g. no closed trades)."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color=FLAT)
