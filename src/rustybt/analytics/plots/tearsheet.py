"""One static figure with the main panels of a backtest, for a report or a glance."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from rustybt.analytics.metrics import max_drawdown, sharpe_ratio, total_return
from rustybt.analytics.plots._data import monthly_grid
from rustybt.analytics.plots._inputs import (
    ReturnsSource,
    TradesSource,
    closed_trades,
    resolve_benchmark,
    resolve_returns,
)
from rustybt.analytics.plots._style import new_figure, note, require_matplotlib
from rustybt.analytics.plots.performance import (
    plot_drawdown,
    plot_equity_curve,
    plot_monthly_returns,
    plot_returns_distribution,
)
from rustybt.analytics.plots.rolling import (
    WINDOW_CHOICES,
    choose_window,
    plot_rolling_beta,
    plot_rolling_sharpe,
    plot_rolling_volatility,
)
from rustybt.analytics.plots.trades import plot_mae_scatter, plot_trade_pnl
from rustybt.engine.result import BacktestResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["tearsheet"]


def _headline(source: ReturnsSource, returns: pd.Series[float], title: str | None) -> str:
    if title is not None:
        return title
    name = "Strategy"
    if isinstance(source, BacktestResult):
        name = str(source.metadata.get("strategy") or name)
    return (
        f"{name}: total return {total_return(returns):.1%}, "
        f"Sharpe {sharpe_ratio(returns):.2f}, max drawdown {max_drawdown(returns):.1%}"
    )


def tearsheet(
    result: ReturnsSource,
    *,
    benchmark: pd.Series[float] | None = None,
    trades: TradesSource | None = None,
    window: int | None = None,
    title: str | None = None,
) -> Figure:
    """The main static panels of a backtest composed into one figure.

    Rows: cumulative returns (with the benchmark), drawdown, monthly returns
    heatmap, returns distribution | rolling Sharpe, rolling volatility | rolling
    beta (when there is a benchmark), and MAE scatter | trade PnL histogram
    (when there are closed trades). The headline gives total return, Sharpe
    (rf = 0) and max drawdown.

    Args:
        result: a `BacktestResult` (its returns, benchmark and trades are used)
            or a returns Series.
        benchmark: benchmark returns, overriding the result's.
        trades: a trades frame, overriding ``result.trades`` (or adding trades
            to a plain returns Series).
        window: observations in each rolling window; None chooses it from the
            history's length (`choose_window`: 126 on two years of sessions, 21 on
            90 days). When the history is too short for any window, the rolling
            panels are left out and a note says why.
        title: replaces the headline.
    """
    require_matplotlib()

    returns = resolve_returns(result)
    bench = resolve_benchmark(result, benchmark)
    trade_source = trades if trades is not None else result
    has_trades = isinstance(trade_source, BacktestResult | pd.DataFrame) and (
        len(closed_trades(trade_source, ("net_pnl",))) > 0
    )
    years = max(len(monthly_grid(returns)), 1)
    heights = [3.2, 2.0, 0.9 + 0.42 * years, 3.0, 2.6]
    if has_trades:
        heights.append(3.2)
    figure = new_figure((14.0, sum(heights) + 0.8))
    grid = figure.add_gridspec(len(heights), 2, height_ratios=heights)
    plot_equity_curve(returns, bench, ax=figure.add_subplot(grid[0, :]))
    plot_drawdown(returns, ax=figure.add_subplot(grid[1, :]))
    plot_monthly_returns(returns, ax=figure.add_subplot(grid[2, :]))
    plot_returns_distribution(returns, ax=figure.add_subplot(grid[3, 0]))
    chosen = window if window is not None else choose_window(len(returns))
    if chosen is None:
        shortest = WINDOW_CHOICES[-1]
        panel = figure.add_subplot(grid[3:5, 1])
        note(
            panel,
            f"rolling Sharpe, volatility and beta left out:\n{len(returns)} observations, "
            f"fewer than {2 * shortest} needed\nfor the shortest window ({shortest})",
        )
        panel.set_axis_off()
    else:
        plot_rolling_sharpe(returns, window=chosen, ax=figure.add_subplot(grid[3, 1]))
        if bench is not None:
            plot_rolling_volatility(returns, window=chosen, ax=figure.add_subplot(grid[4, 0]))
            plot_rolling_beta(returns, bench, window=chosen, ax=figure.add_subplot(grid[4, 1]))
        else:
            plot_rolling_volatility(returns, window=chosen, ax=figure.add_subplot(grid[4, :]))
    if has_trades and isinstance(trade_source, BacktestResult | pd.DataFrame):
        plot_mae_scatter(trade_source, ax=figure.add_subplot(grid[5, 0]))
        plot_trade_pnl(trade_source, ax=figure.add_subplot(grid[5, 1]))
    figure.suptitle(_headline(result, returns, title), x=0.01, ha="left", fontsize=14)
    return figure
