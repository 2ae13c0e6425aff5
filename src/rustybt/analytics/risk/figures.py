"""Matplotlib figures of the risk tables.

matplotlib is imported when a figure is drawn, never at package import, and the
figures are built with ``matplotlib.figure.Figure`` (no pyplot, no global
state), so they work headless: ``fig.savefig("var.png")``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rustybt.analytics.inline import prepare_matplotlib
from rustybt.analytics.metrics.conventions import ReturnsInput, prepare_returns
from rustybt.analytics.risk.decomposition import RiskDecomposition
from rustybt.analytics.risk.montecarlo import MonteCarloVaR
from rustybt.analytics.risk.stress import StressResult
from rustybt.analytics.risk.var import estimate_var
from rustybt.errors import DataNotFound

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "contribution_figure",
    "correlation_heatmap",
    "stress_figure",
    "var_distribution_figure",
]

_LOSS = "#c0392b"
_GAIN = "#2e86c1"


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    prepare_matplotlib()
    return Figure(figsize=(width, height), layout="constrained")


def var_distribution_figure(
    returns: ReturnsInput | MonteCarloVaR, level: float = 0.95, *, bins: int = 80
) -> Figure:
    """Histogram of returns (or simulated returns) with the historical VaR and CVaR lines."""
    values = (
        returns.simulated
        if isinstance(returns, MonteCarloVaR)
        else prepare_returns(returns, 1.0).values
    )
    if values.shape[0] == 0:
        raise DataNotFound("no returns to plot")
    estimate = estimate_var(values, level)
    figure = _figure(8, 4.5)
    axes = figure.add_subplot()
    axes.hist(values, bins=bins, color="#95a5a6", edgecolor="white")
    axes.axvline(estimate.var, color=_LOSS, label=f"VaR {level:.0%}: {estimate.var:.2%}")
    axes.axvline(
        estimate.cvar, color=_LOSS, linestyle="--", label=f"CVaR {level:.0%}: {estimate.cvar:.2%}"
    )
    axes.set_xlabel("return")
    axes.set_ylabel("count")
    axes.set_title("Return distribution")
    axes.legend()
    return figure


def stress_figure(stress: StressResult | pd.DataFrame, *, column: str = "return") -> Figure:
    """Horizontal bars of each scenario's result (default: return on portfolio value)."""
    table = stress.table if isinstance(stress, StressResult) else stress
    values = table[column].astype(np.float64)
    figure = _figure(8, 0.5 * len(values) + 1.5)
    axes = figure.add_subplot()
    colors = [_LOSS if v < 0 else _GAIN for v in values.fillna(0.0)]
    axes.barh([str(i) for i in table.index], values.fillna(0.0), color=colors)
    if "strategy_return" in table.columns and column == "return":
        actual = table["strategy_return"].astype(np.float64)
        shown = actual.notna().to_numpy()
        if shown.any():
            positions = np.flatnonzero(shown)
            axes.scatter(
                actual.to_numpy()[shown], positions, color="black", zorder=3, label="strategy did"
            )
            axes.legend()
    axes.axvline(0.0, color="black", linewidth=0.8)
    axes.invert_yaxis()
    axes.set_xlabel(column)
    axes.set_title("Stress tests")
    return figure


def contribution_figure(
    decomposition: RiskDecomposition, *, top: int = 20, column: str = "component_var"
) -> Figure:
    """Bars of the ``top`` positions by contribution (default: component VaR)."""
    table = decomposition.table.sort_values(column).head(top)
    figure = _figure(8, 0.3 * len(table) + 1.5)
    axes = figure.add_subplot()
    values = table[column].astype(np.float64)
    axes.barh(
        [str(i) for i in table.index], values, color=[_LOSS if v < 0 else _GAIN for v in values]
    )
    axes.invert_yaxis()
    axes.set_xlabel(column)
    axes.set_title(f"Risk contributions ({decomposition.method}, {decomposition.level:.0%})")
    return figure


def correlation_heatmap(correlation: pd.DataFrame, *, labels: bool | None = None) -> Figure:
    """Heatmap of a correlation matrix on a fixed -1..1 scale (labels up to 40 assets)."""
    n = correlation.shape[0]
    show = n <= 40 if labels is None else labels
    figure = _figure(7, 6)
    axes = figure.add_subplot()
    image = axes.imshow(correlation.to_numpy(dtype=np.float64), cmap="RdBu_r", vmin=-1.0, vmax=1.0)
    figure.colorbar(image, ax=axes, shrink=0.8)
    if show:
        ticks = np.arange(n)
        axes.set_xticks(ticks, [str(c) for c in correlation.columns], rotation=90, fontsize=7)
        axes.set_yticks(ticks, [str(c) for c in correlation.index], fontsize=7)
    axes.set_title("Correlation")
    return figure
