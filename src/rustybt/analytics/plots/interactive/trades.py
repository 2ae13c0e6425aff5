"""Interactive (plotly) figures of round trips; closed trades only, as the static ones.

Hovering a point of the excursion scatters shows its symbol, so an outlier can
be traced back to its trade.
"""

from __future__ import annotations

from typing import Literal

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
from rustybt.analytics.plots._style import OUTCOME_COLOURS, OUTCOME_LABELS, STRATEGY
from rustybt.analytics.plots.interactive._plotly import PlotlyFigure, graph_objects, new_figure
from rustybt.analytics.trades import holding_period_distribution, pnl_distribution

__all__ = [
    "plot_holding_periods",
    "plot_mae_scatter",
    "plot_mfe_scatter",
    "plot_trade_heatmap",
    "plot_trade_pnl",
]


def _scatter(
    trades: TradesSource, excursion: Excursion, pnl: PnlField, title: str | None
) -> PlotlyFigure:
    go = graph_objects()
    points = excursion_points(trades, excursion, pnl)
    name = excursion.upper()
    figure = new_figure(
        title or f"{name} vs {'PnL' if pnl == 'net_pnl' else 'return'} per trade",
        xaxis_title=f"{name} (% of entry price)",
        yaxis_title="Net PnL" if pnl == "net_pnl" else "Net return",
        x_percent=True,
        y_percent=pnl == "return",
    )
    y_format = "%{y:.2%}" if pnl == "return" else "%{y:,.2f}"
    for outcome in ("winner", "loser", "flat"):
        chosen = points[points["outcome"] == outcome]
        if len(chosen):
            figure.add_trace(
                go.Scatter(
                    x=chosen["x"].to_numpy(),
                    y=chosen["y"].to_numpy(),
                    mode="markers",
                    name=f"{OUTCOME_LABELS[outcome]} ({len(chosen)})",
                    marker={"color": OUTCOME_COLOURS[outcome], "size": 7, "opacity": 0.75},
                    text=chosen["symbol"].to_numpy(),
                    hovertemplate=f"%{{text}}<br>{name} %{{x:.2%}}<br>{y_format}<extra></extra>",
                )
            )
    figure.add_hline(y=0.0, line={"color": "black", "width": 0.8})
    return figure


def plot_mae_scatter(
    trades: TradesSource, *, pnl: PnlField = "net_pnl", title: str | None = None
) -> PlotlyFigure:
    """Maximum adverse excursion (``mae_pct``) against each closed trade's outcome."""
    return _scatter(trades, "mae", pnl, title)


def plot_mfe_scatter(
    trades: TradesSource, *, pnl: PnlField = "net_pnl", title: str | None = None
) -> PlotlyFigure:
    """Maximum favourable excursion (``mfe_pct``) against each closed trade's outcome."""
    return _scatter(trades, "mfe", pnl, title)


def plot_holding_periods(
    trades: TradesSource,
    *,
    unit: Literal["bars", "days"] = "bars",
    bins: int = 20,
    title: str | None = None,
) -> PlotlyFigure:
    """Histogram of closed trades' holding periods (see `holding_period_distribution`)."""
    go = graph_objects()
    histogram = holding_period_distribution(resolve_trades(trades), unit=unit, bins=bins).histogram
    figure = new_figure(
        title or "Holding periods", xaxis_title=f"Holding period ({unit})", yaxis_title="Trades"
    )
    left = histogram["bin_left"].to_numpy(np.float64)
    width = histogram["bin_right"].to_numpy(np.float64) - left
    figure.add_trace(
        go.Bar(
            x=left + width / 2.0,
            y=histogram["count"].to_numpy(),
            width=width,
            name="Trades",
            marker={"color": STRATEGY},
        )
    )
    return figure


def plot_trade_pnl(
    trades: TradesSource,
    *,
    field: PnlField = "net_pnl",
    bins: int = 30,
    title: str | None = None,
) -> PlotlyFigure:
    """Histogram of closed trades' net PnL (or return), stacked by winners and losers."""
    go = graph_objects()
    histogram = pnl_distribution(resolve_trades(trades), field=field, bins=bins).histogram
    figure = new_figure(
        title or ("Net PnL per trade" if field == "net_pnl" else "Net return per trade"),
        xaxis_title="Net PnL" if field == "net_pnl" else "Net return",
        yaxis_title="Trades",
        x_percent=field == "return",
    )
    left = histogram["bin_left"].to_numpy(np.float64)
    width = histogram["bin_right"].to_numpy(np.float64) - left
    losers = histogram["losers"].to_numpy(np.int64)
    winners = histogram["winners"].to_numpy(np.int64)
    flat = histogram["count"].to_numpy(np.int64) - losers - winners
    for counts, outcome in ((losers, "loser"), (flat, "flat"), (winners, "winner")):
        colour, label = OUTCOME_COLOURS[outcome], OUTCOME_LABELS[outcome]
        if counts.sum() > 0:
            figure.add_trace(
                go.Bar(
                    x=left + width / 2.0,
                    y=counts,
                    width=width,
                    marker={"color": colour},
                    name=f"{label} ({int(counts.sum())})",
                )
            )
    figure.update_layout(barmode="stack")
    return figure


def plot_trade_heatmap(
    trades: TradesSource,
    *,
    by: HeatmapBy = "asset_month",
    value: HeatmapValue = "count",
    tz: str = "UTC",
    title: str | None = None,
) -> PlotlyFigure:
    """Closed trades by asset x entry month or weekday x entry hour (count or net PnL)."""
    go = graph_objects()
    table = trade_heatmap_table(trades, by=by, value=value, tz=tz)
    what = "Trades" if value == "count" else "Net PnL"
    where = "asset x month" if by == "asset_month" else f"weekday x hour ({tz})"
    rows, columns = table.shape
    figure = new_figure(
        title or f"{what} by {where} of entry",
        xaxis_title=str(table.columns.name),
        yaxis_title=str(table.index.name),
        height=max(320, 120 + 22 * rows),
    )
    cells = table.to_numpy(dtype=np.float64)
    colours = (
        {"colorscale": "Blues", "zmin": 0.0}
        if value == "count"
        else {"colorscale": "RdYlGn", "zmid": 0.0}
    )
    figure.add_trace(
        go.Heatmap(
            z=cells,
            x=[str(c) for c in table.columns],
            y=[str(r) for r in table.index],
            colorbar={"title": {"text": what}},
            hovertemplate="%{y} %{x}: %{z:,.2f}<extra></extra>"
            if value == "pnl"
            else "%{y} %{x}: %{z:.0f} trades<extra></extra>",
            **colours,
        )
    )
    figure.update_xaxes(type="category")
    figure.update_yaxes(type="category", autorange="reversed")
    if rows * columns <= 300:
        figure.update_traces(texttemplate="%{z:.0f}" if value == "count" else "%{z:,.0f}")
    return figure
