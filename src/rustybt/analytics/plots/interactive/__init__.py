"""Interactive (plotly) versions of the figures, for notebooks and HTML reports.

Same names, inputs and numbers as `rustybt.analytics.plots`, without ``ax=``;
each returns a ``plotly.graph_objects.Figure`` (``fig.show()``,
``fig.write_html("x.html")``). plotly is an optional extra, imported on the first
call: without it the call raises `ConfigError` with the hint
the ``interactive`` extra (see docs/install.md).
"""

from __future__ import annotations

from rustybt.analytics.plots.interactive._plotly import PlotlyFigure
from rustybt.analytics.plots.interactive.performance import (
    plot_drawdown,
    plot_equity_curve,
    plot_monthly_returns,
    plot_returns_distribution,
    plot_rolling_beta,
    plot_rolling_sharpe,
    plot_rolling_volatility,
)
from rustybt.analytics.plots.interactive.trades import (
    plot_holding_periods,
    plot_mae_scatter,
    plot_mfe_scatter,
    plot_trade_heatmap,
    plot_trade_pnl,
)

__all__ = [
    "PlotlyFigure",
    "plot_drawdown",
    "plot_equity_curve",
    "plot_holding_periods",
    "plot_mae_scatter",
    "plot_mfe_scatter",
    "plot_monthly_returns",
    "plot_returns_distribution",
    "plot_rolling_beta",
    "plot_rolling_sharpe",
    "plot_rolling_volatility",
    "plot_trade_heatmap",
    "plot_trade_pnl",
]
