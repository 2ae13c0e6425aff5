"""Static (matplotlib) figures of round trips: excursions, holding periods, PnL, timing.

Each function takes a `BacktestResult` or its trades frame (``result.trades``)
and uses closed trades only (open trades have no final outcome yet). Winners
(PnL > 0) are green, losers red, flat trades grey.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from rustybt.analytics.plots._data import (
    Excursion,
    HeatmapBy,
    HeatmapValue,
    PnlField,
    excursion_points,
    trade_heatmap_table,
)
from rustybt.analytics.plots._inputs import TradesSource, resolve_trades
from rustybt.analytics.plots._style import (
    OUTCOME_COLOURS,
    OUTCOME_LABELS,
    STRATEGY,
    axes_for,
    finish,
    money_axis,
    note,
    percent_axis,
)
from rustybt.analytics.trades import holding_period_distribution, pnl_distribution

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "plot_holding_periods",
    "plot_mae_scatter",
    "plot_mfe_scatter",
    "plot_trade_heatmap",
    "plot_trade_pnl",
]

# Above this many cells the numbers no longer fit; the colours carry the message.
ANNOTATE_MAX_CELLS = 300


def _excursion_scatter(
    trades: TradesSource,
    excursion: Excursion,
    pnl: PnlField,
    ax: Axes | None,
    title: str | None,
) -> Figure:
    points = excursion_points(trades, excursion, pnl)
    figure, axes = axes_for(ax, (7.0, 5.0))
    name = excursion.upper()
    default = f"{name} vs {'PnL' if pnl == 'net_pnl' else 'return'} per trade"
    if len(points) == 0:
        note(axes, f"no closed trades with {name} (it needs the bars)")
        finish(axes, title, default)
        return figure
    for outcome in ("winner", "loser", "flat"):
        chosen = points[points["outcome"] == outcome]
        if len(chosen):
            axes.scatter(
                chosen["x"].to_numpy(),
                chosen["y"].to_numpy(),
                s=18,
                alpha=0.75,
                color=OUTCOME_COLOURS[outcome],
                edgecolors="none",
                label=f"{OUTCOME_LABELS[outcome]} ({len(chosen)})",
            )
    axes.axhline(0.0, color="black", lw=0.6)
    percent_axis(axes, "x")
    if pnl == "return":
        percent_axis(axes, "y")
    else:
        money_axis(axes, "y")
    axes.set_xlabel(f"{name} (% of entry price)")
    axes.set_ylabel("Net PnL" if pnl == "net_pnl" else "Net return")
    axes.legend(loc="best", frameon=False, fontsize=8)
    finish(axes, title, default)
    return figure


def plot_mae_scatter(
    trades: TradesSource,
    *,
    pnl: PnlField = "net_pnl",
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Maximum adverse excursion (``mae_pct``) against each closed trade's outcome.

    Losers far to the right of every winner suggest a stop (see `mae_stop_analysis`).
    ``pnl`` picks the y axis: ``"net_pnl"`` (currency) or ``"return"``.
    """
    return _excursion_scatter(trades, "mae", pnl, ax, title)


def plot_mfe_scatter(
    trades: TradesSource,
    *,
    pnl: PnlField = "net_pnl",
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Maximum favourable excursion (``mfe_pct``) against each closed trade's outcome.

    Losers with a large MFE gave back a gain: a target or trailing stop may help.
    """
    return _excursion_scatter(trades, "mfe", pnl, ax, title)


def plot_holding_periods(
    trades: TradesSource,
    *,
    unit: Literal["bars", "days"] = "bars",
    bins: int = 20,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Histogram of closed trades' holding periods (see `holding_period_distribution`)."""
    distribution = holding_period_distribution(resolve_trades(trades), unit=unit, bins=bins)
    histogram = distribution.histogram
    figure, axes = axes_for(ax, (7.0, 4.0))
    if len(histogram) == 0:
        note(axes, "no closed trades")
    else:
        left = histogram["bin_left"].to_numpy(np.float64)
        width = histogram["bin_right"].to_numpy(np.float64) - left
        axes.bar(
            left,
            histogram["count"].to_numpy(),
            width=width,
            align="edge",
            color=STRATEGY,
            alpha=0.8,
            edgecolor="white",
            linewidth=0.5,
        )
        median = float(np.asarray(distribution.stats.loc["50%"], dtype=np.float64)[0])
        axes.axvline(median, color="black", lw=1.0, ls="--", label=f"median {median:g} {unit}")
        axes.legend(loc="upper right", frameon=False, fontsize=8)
    axes.set_xlabel(f"Holding period ({unit})")
    axes.set_ylabel("Trades")
    finish(axes, title, "Holding periods")
    return figure


def plot_trade_pnl(
    trades: TradesSource,
    *,
    field: PnlField = "net_pnl",
    bins: int = 30,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Histogram of closed trades' net PnL (or return), stacked by winners and losers.

    Bins come from `pnl_distribution`; a bin straddling 0 can hold both.
    """
    histogram = pnl_distribution(resolve_trades(trades), field=field, bins=bins).histogram
    figure, axes = axes_for(ax, (7.0, 4.0))
    default = "Net PnL per trade" if field == "net_pnl" else "Net return per trade"
    if len(histogram) == 0:
        note(axes, "no closed trades")
        finish(axes, title, default)
        return figure
    left = histogram["bin_left"].to_numpy(np.float64)
    width = histogram["bin_right"].to_numpy(np.float64) - left
    losers = histogram["losers"].to_numpy(np.float64)
    winners = histogram["winners"].to_numpy(np.float64)
    flat = histogram["count"].to_numpy(np.float64) - losers - winners
    bottom = np.zeros(len(histogram))
    for counts, outcome in ((losers, "loser"), (flat, "flat"), (winners, "winner")):
        colour, label = OUTCOME_COLOURS[outcome], OUTCOME_LABELS[outcome]
        if counts.sum() > 0:
            axes.bar(
                left,
                counts,
                width=width,
                bottom=bottom,
                align="edge",
                color=colour,
                alpha=0.85,
                edgecolor="white",
                linewidth=0.5,
                label=f"{label} ({int(counts.sum())})",
            )
        bottom = bottom + counts
    axes.axvline(0.0, color="black", lw=0.6)
    if field == "return":
        percent_axis(axes, "x")
    else:
        money_axis(axes, "x")
    axes.set_xlabel("Net PnL" if field == "net_pnl" else "Net return")
    axes.set_ylabel("Trades")
    axes.legend(loc="upper right", frameon=False, fontsize=8)
    finish(axes, title, default)
    return figure


def plot_trade_heatmap(
    trades: TradesSource,
    *,
    by: HeatmapBy = "asset_month",
    value: HeatmapValue = "count",
    tz: str = "UTC",
    annotate: bool | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Heatmap of closed trades by asset x entry month or by weekday x entry hour.

    Cells are trade counts (``value="count"``) or summed net PnL (``"pnl"``,
    red-green centred on 0, blank where no trade); see `trade_heatmap_table`.
    ``annotate`` writes the numbers in the cells (default: when at most 300 cells).
    """
    table = trade_heatmap_table(trades, by=by, value=value, tz=tz)
    rows, columns = table.shape
    width = min(14.0, max(6.0, 1.5 + 0.35 * columns))
    figure, axes = axes_for(ax, (width, min(12.0, max(3.0, 1.2 + 0.3 * rows))))
    what = "Trades" if value == "count" else "Net PnL"
    where = "asset x month" if by == "asset_month" else f"weekday x hour ({tz})"
    default = f"{what} by {where} of entry"
    if table.size == 0:
        note(axes, "no closed trades")
        finish(axes, title, default)
        return figure
    cells = table.to_numpy(dtype=np.float64)
    if value == "count":
        image = axes.imshow(cells, cmap="Blues", vmin=0.0, aspect="auto", interpolation="nearest")
    else:
        bound = float(np.nanmax(np.abs(cells))) or 1.0
        image = axes.imshow(
            np.ma.masked_invalid(cells),
            cmap="RdYlGn",
            vmin=-bound,
            vmax=bound,
            aspect="auto",
            interpolation="nearest",
        )
    step = max(1, columns // 24)
    axes.set_xticks(
        range(0, columns, step),
        [str(c) for c in table.columns[::step]],
        rotation=90 if by == "asset_month" else 0,
        fontsize=8,
    )
    axes.set_yticks(range(rows), [str(r) for r in table.index], fontsize=8)
    axes.tick_params(length=0)
    if annotate if annotate is not None else table.size <= ANNOTATE_MAX_CELLS:
        peak = float(np.nanmax(np.abs(cells))) or 1.0
        for row, column in zip(*np.nonzero(np.isfinite(cells)), strict=True):
            number = float(cells[row, column])
            text = f"{number:.0f}" if value == "count" else f"{number:,.0f}"
            axes.text(
                int(column),
                int(row),
                text,
                ha="center",
                va="center",
                fontsize=7,
                color="white" if abs(number) > 0.6 * peak else "black",
            )
    colorbar = figure.colorbar(image, ax=axes, shrink=0.9, pad=0.01, label=what)
    if value == "count":
        from matplotlib.ticker import MaxNLocator

        colorbar.locator = MaxNLocator(integer=True)
        colorbar.update_ticks()
    else:
        money_axis(colorbar.ax, "y")
    axes.set_xlabel(str(table.columns.name))
    axes.set_ylabel(str(table.index.name))
    axes.set_title(default if title is None else title, loc="left", fontsize=11)
    return figure
