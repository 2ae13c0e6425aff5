"""Attribution figures (matplotlib, imported lazily; built with ``Figure()``, never pyplot).

* `brinson_figure`: stacked bars of allocation / selection / interaction, one bar
  per group (Carino-linked over the span) or per period (e.g. per month).
* `factor_contribution_figure`: cumulative (Carino-linked) contribution of alpha,
  each factor, the risk-free rate and the residual, with the total return on top.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rustybt.analytics.attribution.brinson import EFFECTS, BrinsonAttribution
from rustybt.analytics.attribution.factors import FactorRegression
from rustybt.analytics.inline import prepare_matplotlib
from rustybt.errors import ConfigError
from rustybt.install import extra_hint

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["brinson_figure", "factor_contribution_figure"]

EFFECT_COLOURS = {"allocation": "#1f4e9c", "selection": "#2a9d4b", "interaction": "#e08a00"}


def _new_figure(figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ConfigError(
            "attribution figures need matplotlib, which is not installed",
            context={"module": "matplotlib"},
            hint=extra_hint("plot"),
        ) from exc
    prepare_matplotlib()
    figure = Figure(figsize=figsize, layout="constrained")
    return figure, figure.add_subplot()


def _percent_axis(ax: Axes) -> None:
    from matplotlib.ticker import PercentFormatter

    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    ax.axhline(0.0, color="#444444", linewidth=0.8)
    ax.grid(axis="y", alpha=0.3)


def _stacked_bars(ax: Axes, table: pd.DataFrame) -> None:
    positions = np.arange(len(table))
    positive = np.zeros(len(table))
    negative = np.zeros(len(table))
    for effect in EFFECTS:
        values = table[effect].to_numpy(dtype=np.float64)
        base = np.where(values >= 0, positive, negative)
        ax.bar(positions, values, bottom=base, color=EFFECT_COLOURS[effect], label=effect)
        positive += np.where(values >= 0, values, 0.0)
        negative += np.where(values < 0, values, 0.0)
    ax.plot(
        positions, table[list(EFFECTS)].sum(axis=1).to_numpy(), "k_", markersize=14, label="total"
    )


def brinson_figure(
    attribution: BrinsonAttribution,
    *,
    by: str = "group",
    period: str = "ME",
    figsize: tuple[float, float] = (9.0, 4.5),
    title: str | None = None,
) -> Figure:
    """Stacked Brinson effects per group (``by="group"``) or per period (``by="period"``).

    With ``by="period"`` and a dated index the periods are resampled to
    ``period`` (pandas alias, default month end) by compounding: each bucket's
    effects are Carino-linked within it, so a bar's height is the bucket's
    active return.
    """
    if by == "group":
        table = attribution.linked()
        labels = [str(g) for g in table.index]
    elif by == "period":
        table = _per_bucket(attribution, period)
        labels = [_label(x) for x in table.index]
    else:
        raise ConfigError("by must be 'group' or 'period'", context={"by": by})
    figure, ax = _new_figure(figsize)
    _stacked_bars(ax, table)
    ax.set_xticks(np.arange(len(table)))
    step = max(1, len(labels) // 24)
    ax.set_xticklabels(
        [lab if i % step == 0 else "" for i, lab in enumerate(labels)], rotation=45, ha="right"
    )
    _percent_axis(ax)
    ax.legend(loc="best", fontsize="small")
    ax.set_title(title or f"Brinson-Fachler attribution by {by}")
    return figure


def _label(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m")
    return str(value)


def _per_bucket(attribution: BrinsonAttribution, period: str) -> pd.DataFrame:
    from rustybt.analytics.attribution.linking import link_carino

    per_period = attribution.per_period()
    if not isinstance(per_period.index, pd.DatetimeIndex):
        return per_period
    port = attribution.portfolio_return
    bench = attribution.benchmark_return
    rows = {}
    for label, chunk in per_period.groupby(pd.Grouper(freq=period)):
        if chunk.empty:
            continue
        linked = link_carino(
            chunk[list(EFFECTS)].to_numpy(),
            port.loc[chunk.index].to_numpy(dtype=np.float64),
            bench.loc[chunk.index].to_numpy(dtype=np.float64),
        )
        rows[label] = dict(zip(EFFECTS, linked, strict=True))
    return pd.DataFrame.from_dict(rows, orient="index")


def factor_contribution_figure(
    regression: FactorRegression,
    *,
    figsize: tuple[float, float] = (9.0, 4.5),
    title: str | None = None,
) -> Figure:
    """Cumulative contribution of each piece of the factor model (Carino-linked)."""
    cumulative = regression.cumulative_decomposition()
    figure, ax = _new_figure(figsize)
    x = cumulative.index
    for column in cumulative.columns:
        ax.plot(x, cumulative[column].to_numpy(), label=str(column), linewidth=1.2)
    total = cumulative.sum(axis=1)
    ax.plot(x, total.to_numpy(), color="black", linewidth=1.8, label="total return")
    _percent_axis(ax)
    ax.legend(loc="upper left", fontsize="small")
    ax.set_title(title or f"Cumulative contributions ({', '.join(regression.factors)} model)")
    return figure
