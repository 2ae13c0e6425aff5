"""Interactive (plotly) figures of a return series; same inputs and numbers as the
static ones in `rustybt.analytics.plots`, with hover values and zoom.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rustybt.analytics.metrics import (
    drawdown_series,
    rolling_beta,
    rolling_sharpe,
    rolling_volatility,
)
from rustybt.analytics.plots._data import MONTHS, distribution_data, equity_lines, monthly_grid
from rustybt.analytics.plots._inputs import ReturnsSource, resolve_benchmark, resolve_returns
from rustybt.analytics.plots._style import (
    BENCHMARK,
    DRAWDOWN,
    FIT_LINE,
    MEAN_LINE,
    STRATEGY,
    VAR_LINE,
)
from rustybt.analytics.plots.interactive._plotly import PlotlyFigure, graph_objects, new_figure
from rustybt.analytics.plots.rolling import resolve_window
from rustybt.errors import ConfigError

__all__ = [
    "plot_drawdown",
    "plot_equity_curve",
    "plot_monthly_returns",
    "plot_returns_distribution",
    "plot_rolling_beta",
    "plot_rolling_sharpe",
    "plot_rolling_volatility",
]


def plot_equity_curve(
    returns: ReturnsSource,
    benchmark: pd.Series[float] | None = None,
    *,
    title: str | None = None,
) -> PlotlyFigure:
    """Cumulative return ``prod(1 + r) - 1`` of the strategy (and benchmark)."""
    go = graph_objects()
    lines = equity_lines(resolve_returns(returns), resolve_benchmark(returns, benchmark))
    figure = new_figure(
        title or "Cumulative returns", yaxis_title="Cumulative return", y_percent=True
    )
    colours = {"Strategy": STRATEGY, "Benchmark": BENCHMARK}
    for label, path in lines.items():
        figure.add_trace(
            go.Scatter(
                x=path.index,
                y=path.to_numpy(),
                name=label,
                mode="lines",
                line={"color": colours[label]},
                hovertemplate="%{y:.2%}",
            )
        )
    figure.update_layout(hovermode="x unified")
    return figure


def plot_drawdown(returns: ReturnsSource, *, title: str | None = None) -> PlotlyFigure:
    """Underwater curve ``E_t / max(1, max_{s<=t} E_s) - 1`` (see `drawdown_series`)."""
    go = graph_objects()
    drawdown = drawdown_series(resolve_returns(returns))
    figure = new_figure(
        title or "Underwater (drawdown)", yaxis_title="Drawdown", y_percent=True, height=320
    )
    figure.add_trace(
        go.Scatter(
            x=drawdown.index,
            y=drawdown.to_numpy(),
            name="Drawdown",
            mode="lines",
            fill="tozeroy",
            line={"color": DRAWDOWN, "width": 1},
            hovertemplate="%{y:.2%}",
        )
    )
    return figure


def plot_returns_distribution(
    returns: ReturnsSource,
    *,
    bins: int = 50,
    cutoff: float = 0.05,
    title: str | None = None,
) -> PlotlyFigure:
    """Density histogram of returns with the normal fit and VaR/CVaR at ``cutoff``."""
    go = graph_objects()
    data = distribution_data(resolve_returns(returns), cutoff)
    figure = new_figure(
        title or "Distribution of returns",
        xaxis_title="Return per period",
        yaxis_title="Density",
        x_percent=True,
    )
    if data.values.shape[0] == 0:
        return figure
    density, edges = np.histogram(data.values, bins=bins, density=True)
    figure.add_trace(
        go.Bar(
            x=(edges[:-1] + edges[1:]) / 2.0,
            y=density,
            width=np.diff(edges),
            name="Returns",
            marker={"color": STRATEGY, "opacity": 0.55},
        )
    )
    grid = np.linspace(edges[0], edges[-1], 200)
    figure.add_trace(
        go.Scatter(
            x=grid,
            y=data.normal_pdf(grid),
            name="Normal fit",
            mode="lines",
            line={"color": FIT_LINE},
        )
    )
    level = f"{1.0 - cutoff:.0%}"
    figure.add_vline(
        x=data.var, line={"color": VAR_LINE}, annotation_text=f"VaR {level}: {data.var:.2%}"
    )
    figure.add_vline(
        x=data.cvar,
        line={"color": VAR_LINE, "dash": "dash"},
        annotation_text=f"CVaR {level}: {data.cvar:.2%}",
        annotation_position="bottom left",
    )
    figure.update_layout(bargap=0.0)
    return figure


def plot_monthly_returns(returns: ReturnsSource, *, title: str | None = None) -> PlotlyFigure:
    """Years x months heatmap of compounded monthly returns (year totals in the labels)."""
    go = graph_objects()
    table = monthly_grid(resolve_returns(returns))
    months = table[list(MONTHS)].to_numpy(dtype=np.float64)
    totals = table["Year"].to_numpy(dtype=np.float64)
    labels = [
        f"{year} ({total:+.1%})" if np.isfinite(total) else str(year)
        for year, total in zip(table.index, totals, strict=True)
    ]
    text = [[f"{v:.1%}" if np.isfinite(v) else "" for v in row] for row in months]
    bound = float(np.nanmax(np.abs(months))) if np.isfinite(months).any() else 0.01
    figure = new_figure(title or "Monthly returns", height=140 + 45 * max(len(table), 1))
    figure.add_trace(
        go.Heatmap(
            z=months,
            x=list(MONTHS),
            y=labels,
            text=text,
            texttemplate="%{text}",
            colorscale="RdYlGn",
            zmid=0.0,
            zmin=-bound,
            zmax=bound,
            colorbar={"tickformat": ".0%"},
            hovertemplate="%{y} %{x}: %{z:.2%}<extra></extra>",
        )
    )
    figure.update_yaxes(autorange="reversed", type="category")
    return figure


def _rolling(
    series: pd.Series[float], title: str, label: str, percent: bool, reference: float | None
) -> PlotlyFigure:
    go = graph_objects()
    figure = new_figure(title, yaxis_title=label, y_percent=percent, height=320)
    values = series.to_numpy(dtype=np.float64)
    figure.add_trace(
        go.Scatter(
            x=series.index,
            y=values,
            name=label,
            mode="lines",
            line={"color": STRATEGY},
            hovertemplate="%{y:.2%}" if percent else "%{y:.2f}",
        )
    )
    finite = values[np.isfinite(values)]
    if not finite.shape[0]:
        # Too short a history for the window: say so instead of an empty panel.
        figure.add_annotation(
            text=f"not enough data: {len(values)} observations, none with a full window",
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
            showarrow=False,
        )
    if finite.shape[0]:
        mean = float(finite.mean())
        shown = f"{mean:.1%}" if percent else f"{mean:.2f}"
        figure.add_hline(
            y=mean, line={"color": MEAN_LINE, "dash": "dash"}, annotation_text=f"mean {shown}"
        )
    if reference is not None:
        figure.add_hline(y=reference, line={"color": "black", "width": 0.8})
    return figure


def plot_rolling_sharpe(
    returns: ReturnsSource,
    *,
    window: int | None = None,
    risk_free: float = 0.0,
    periods_per_year: float | None = None,
    title: str | None = None,
) -> PlotlyFigure:
    """Rolling annualised Sharpe: ``mean(r_w - rf_p) / std(r_w, ddof=1) * sqrt(P)``."""
    window = resolve_window(window, len(resolve_returns(returns)))
    series = rolling_sharpe(
        resolve_returns(returns), window, risk_free=risk_free, periods_per_year=periods_per_year
    )
    return _rolling(
        series, title or f"Rolling Sharpe ratio ({window} periods)", "Sharpe", False, 0.0
    )


def plot_rolling_volatility(
    returns: ReturnsSource,
    *,
    window: int | None = None,
    periods_per_year: float | None = None,
    title: str | None = None,
) -> PlotlyFigure:
    """Rolling annualised volatility: ``std(r_w, ddof=1) * sqrt(P)``."""
    window = resolve_window(window, len(resolve_returns(returns)))
    series = rolling_volatility(resolve_returns(returns), window, periods_per_year=periods_per_year)
    return _rolling(
        series, title or f"Rolling volatility ({window} periods)", "Volatility", True, None
    )


def plot_rolling_beta(
    returns: ReturnsSource,
    benchmark: pd.Series[float] | None = None,
    *,
    window: int | None = None,
    title: str | None = None,
) -> PlotlyFigure:
    """Rolling beta ``cov(r_w, b_w) / var(b_w)``; `ConfigError` without a benchmark."""
    window = resolve_window(window, len(resolve_returns(returns)))
    bench = resolve_benchmark(returns, benchmark)
    if bench is None:
        raise ConfigError(
            "rolling beta needs a benchmark: pass benchmark= or run with a benchmark",
            context={"window": window},
        )
    series = rolling_beta(resolve_returns(returns), bench, window)
    return _rolling(
        series, title or f"Rolling beta to benchmark ({window} periods)", "Beta", False, 1.0
    )
