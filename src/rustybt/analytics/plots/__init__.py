"""Figures of performance and trades: static (matplotlib) here, interactive (plotly)
in `rustybt.analytics.plots.interactive`.

Every function takes a `BacktestResult` or the plain pandas object it needs (a
returns Series, the trades frame), returns the figure and never shows it. Static
functions accept ``ax=`` to draw into a panel of a larger figure; `tearsheet`
composes the main panels into one figure. matplotlib (the ``plot`` extra) and
plotly (the ``interactive`` extra) are imported on first use.

    >>> from rustybt.analytics.plots import plot_equity_curve, tearsheet
    >>> plot_equity_curve(result).savefig("equity.png")
    >>> tearsheet(result).savefig("tearsheet.png", dpi=100)
"""

from __future__ import annotations

from rustybt.analytics.plots._data import trade_heatmap_table
from rustybt.analytics.plots.performance import (
    plot_drawdown,
    plot_equity_curve,
    plot_monthly_returns,
    plot_returns_distribution,
)
from rustybt.analytics.plots.rolling import (
    plot_rolling_beta,
    plot_rolling_sharpe,
    plot_rolling_volatility,
)
from rustybt.analytics.plots.tearsheet import tearsheet
from rustybt.analytics.plots.trades import (
    plot_holding_periods,
    plot_mae_scatter,
    plot_mfe_scatter,
    plot_trade_heatmap,
    plot_trade_pnl,
)

__all__ = [
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
    "tearsheet",
    "trade_heatmap_table",
]
