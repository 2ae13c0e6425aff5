"""Static (matplotlib) figures of a return series: equity, drawdown, distribution, months.

Each function takes a `BacktestResult` or a returns Series, draws on ``ax`` when
given (to compose panels) or on a new figure, and returns the figure. Nothing is
shown: save it with ``fig.savefig("x.png")`` or let a notebook display it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rustybt.analytics.metrics import drawdown_series
from rustybt.analytics.plots._data import (
    MONTHS,
    distribution_data,
    equity_lines,
    monthly_grid,
)
from rustybt.analytics.plots._inputs import ReturnsSource, resolve_benchmark, resolve_returns
from rustybt.analytics.plots._style import (
    BENCHMARK,
    DRAWDOWN,
    FIT_LINE,
    STRATEGY,
    VAR_LINE,
    axes_for,
    finish,
    note,
    percent_axis,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "plot_drawdown",
    "plot_equity_curve",
    "plot_monthly_returns",
    "plot_returns_distribution",
]


def plot_equity_curve(
    returns: ReturnsSource,
    benchmark: pd.Series[float] | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Cumulative return of the strategy (and benchmark) over time, in percent.

    Formula: ``C_t = prod_{i<=t} (1 + r_i) - 1`` (see `cumulative_returns`). The
    benchmark defaults to the result's ``benchmark_returns`` when it has one.
    """
    series = resolve_returns(returns)
    lines = equity_lines(series, resolve_benchmark(returns, benchmark))
    figure, axes = axes_for(ax, (10.0, 4.0))
    colours = {"Strategy": STRATEGY, "Benchmark": BENCHMARK}
    widths = {"Strategy": 1.6, "Benchmark": 1.1}
    for label, path in lines.items():
        axes.plot(path.index, path.to_numpy(), color=colours[label], lw=widths[label], label=label)
    axes.axhline(0.0, color="black", lw=0.6)
    percent_axis(axes)
    axes.set_ylabel("Cumulative return")
    if len(lines) > 1:
        axes.legend(loc="upper left", frameon=False)
    finish(axes, title, "Cumulative returns")
    return figure


def plot_drawdown(
    returns: ReturnsSource, *, ax: Axes | None = None, title: str | None = None
) -> Figure:
    """Underwater curve: the drawdown from the running high-water mark, in percent.

    Formula: ``D_t = E_t / max(1, max_{s<=t} E_s) - 1`` with ``E_t = prod(1 + r)``
    (see `drawdown_series`); the deepest point is marked with the max drawdown.
    """
    drawdown = drawdown_series(resolve_returns(returns))
    figure, axes = axes_for(ax, (10.0, 3.0))
    values = drawdown.to_numpy()
    axes.fill_between(drawdown.index, values, 0.0, color=DRAWDOWN, alpha=0.3, lw=0)
    axes.plot(drawdown.index, values, color=DRAWDOWN, lw=1.0, label="Drawdown")
    if len(values):
        worst = int(np.argmin(values))
        axes.annotate(
            f"max {values[worst]:.1%}",
            xy=(drawdown.index[worst], values[worst]),
            xytext=(8, -2),
            textcoords="offset points",
            fontsize=8,
            color=DRAWDOWN,
            va="top",
        )
        axes.set_ylim(min(values[worst] * 1.15, -0.001), 0.0)
    percent_axis(axes)
    axes.set_ylabel("Drawdown")
    finish(axes, title, "Underwater (drawdown)")
    return figure


def plot_returns_distribution(
    returns: ReturnsSource,
    *,
    bins: int = 50,
    cutoff: float = 0.05,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Histogram of returns (as a density) with a fitted normal and VaR/CVaR lines.

    The normal has the sample mean and ``ddof=1`` standard deviation; VaR is the
    historical ``cutoff`` quantile and CVaR the mean beyond it (see
    `value_at_risk`, `conditional_value_at_risk`), both negative for a loss.
    """
    data = distribution_data(resolve_returns(returns), cutoff)
    figure, axes = axes_for(ax, (8.0, 4.0))
    if data.values.shape[0] == 0:
        note(axes, "no returns")
        finish(axes, title, "Distribution of returns")
        return figure
    axes.hist(data.values, bins=bins, density=True, color=STRATEGY, alpha=0.55, label="Returns")
    low, high = float(data.values.min()), float(data.values.max())
    grid = np.linspace(low, high, 200)
    axes.plot(grid, data.normal_pdf(grid), color=FIT_LINE, lw=1.4, label="Normal fit")
    level = f"{1.0 - cutoff:.0%}"
    axes.axvline(data.var, color=VAR_LINE, lw=1.3, label=f"VaR {level}: {data.var:.2%}")
    axes.axvline(data.cvar, color=VAR_LINE, lw=1.0, ls="--", label=f"CVaR {level}: {data.cvar:.2%}")
    percent_axis(axes, "x")
    axes.set_xlabel("Return per period")
    axes.set_ylabel("Density")
    axes.legend(loc="upper left", frameon=False, fontsize=8)
    finish(axes, title, "Distribution of returns")
    return figure


def plot_monthly_returns(
    returns: ReturnsSource,
    *,
    annotate: bool = True,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Heatmap of compounded monthly returns, one row per year and one column per month.

    Formula per cell: ``R_month = prod_{t in month}(1 + r_t) - 1`` (see
    `monthly_returns_table`); each year's total is in its row label. Months with
    no data are blank; colours are centred on 0 (red losses, green gains).
    """
    table = monthly_grid(resolve_returns(returns))
    figure, axes = axes_for(ax, (10.0, 1.2 + 0.45 * max(len(table), 1)))
    months = table[list(MONTHS)].to_numpy(dtype=np.float64)
    if months.size == 0:
        note(axes, "no returns")
        finish(axes, title, "Monthly returns")
        return figure
    bound = float(np.nanmax(np.abs(months))) if np.isfinite(months).any() else 0.01
    image = axes.imshow(
        np.ma.masked_invalid(months),
        cmap="RdYlGn",
        vmin=-bound,
        vmax=bound,
        aspect="auto",
        interpolation="nearest",
    )
    axes.set_xticks(range(12), list(MONTHS))
    labels = [
        f"{year}  ({total:+.1%})" if np.isfinite(total) else str(year)
        for year, total in zip(table.index, table["Year"].to_numpy(dtype=np.float64), strict=True)
    ]
    axes.set_yticks(range(len(table)), labels)
    axes.tick_params(length=0)
    if annotate:
        for row, column in zip(*np.nonzero(np.isfinite(months)), strict=True):
            value = float(months[row, column])
            strong = abs(value) > 0.6 * bound
            axes.text(
                int(column),
                int(row),
                f"{value:.1%}",
                ha="center",
                va="center",
                fontsize=7.5,
                color="white" if strong else "black",
            )
    colorbar = figure.colorbar(image, ax=axes, shrink=0.9, pad=0.01)
    from matplotlib.ticker import PercentFormatter

    colorbar.ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    axes.set_title("Monthly returns" if title is None else title, loc="left", fontsize=11)
    for side in ("top", "right", "bottom", "left"):
        axes.spines[side].set_visible(False)
    return figure
