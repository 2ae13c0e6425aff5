"""Figures of a search (matplotlib): heatmap of two parameters, parallel
coordinates, objective vs trial. Each returns a `matplotlib.figure.Figure`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rustybt.analytics.plots._style import axes_for
from rustybt.errors import ConfigError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["heatmap", "objective_history", "parallel_coordinates"]


def heatmap(trials: pd.DataFrame, x: str, y: str, value: str = "value") -> Figure:
    """Mean ``value`` over the trials at each (``x``, ``y``) pair of parameters."""
    for name in (x, y, value):
        if name not in trials.columns:
            raise ConfigError(f"the trials table has no column {name!r}")
    table = trials.pivot_table(index=y, columns=x, values=value, aggfunc="mean")
    figure, ax = axes_for(None, (7.0, 5.0))
    image = ax.imshow(table.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(table.columns)), [str(c) for c in table.columns], rotation=90)
    ax.set_yticks(range(len(table.index)), [str(i) for i in table.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    figure.colorbar(image, ax=ax, label=value)
    return figure


def parallel_coordinates(trials: pd.DataFrame, names: list[str]) -> Figure:
    """One line per trial through its (min-max scaled) parameters, coloured by value."""
    columns = [n for n in names if pd.api.types.is_numeric_dtype(trials[n])] + ["value"]
    frame = trials[columns].astype(float)
    span = (frame.max() - frame.min()).replace(0.0, 1.0)
    scaled = (frame - frame.min()) / span
    figure, ax = axes_for(None, (8.0, 4.5))
    from matplotlib import colormaps

    colours = colormaps["viridis"](scaled["value"].fillna(0.0).to_numpy())
    positions = np.arange(len(columns))
    for row, colour in zip(scaled.to_numpy(), colours, strict=True):
        ax.plot(positions, row, color=colour, alpha=0.5, linewidth=0.8)
    ax.set_xticks(positions, columns)
    ax.set_ylabel("scaled (min to max)")
    return figure


def objective_history(trials: pd.DataFrame, direction: str = "maximize") -> Figure:
    """Objective of each trial in order, and the best so far."""
    values = trials.sort_values("trial")["value"].astype(float)
    best = values.cummax() if direction == "maximize" else values.cummin()
    figure, ax = axes_for(None, (8.0, 4.0))
    ax.scatter(range(len(values)), values, s=10, label="trial")
    ax.plot(range(len(values)), best.to_numpy(), color="black", label="best so far")
    ax.set_xlabel("trial")
    ax.set_ylabel("objective")
    ax.legend()
    return figure
