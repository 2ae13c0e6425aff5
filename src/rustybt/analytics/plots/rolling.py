"""Static (matplotlib) figures of rolling metrics: Sharpe, volatility and beta.

Windows count observations (126 daily bars is about six months); the first
``window - 1`` points have no value. The dashed line is the mean of the rolling
values, so a regime away from it stands out. On a short history `choose_window`
picks a window that leaves at least as many points as it spans; a window longer
than the data gives a panel that says so, not an empty chart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rustybt.analytics.metrics import rolling_beta, rolling_sharpe, rolling_volatility
from rustybt.analytics.plots._inputs import ReturnsSource, resolve_benchmark, resolve_returns
from rustybt.analytics.plots._style import (
    MEAN_LINE,
    STRATEGY,
    axes_for,
    date_axis,
    finish,
    note,
    percent_axis,
)
from rustybt.errors import ConfigError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "DEFAULT_WINDOW",
    "choose_window",
    "plot_rolling_beta",
    "plot_rolling_sharpe",
    "plot_rolling_volatility",
]

DEFAULT_WINDOW = 126
#: Windows tried, longest first: ~6, 3, 2 and 1 months of sessions, 2 and 1 weeks.
WINDOW_CHOICES = (126, 63, 42, 21, 10, 5)


def choose_window(observations: int) -> int | None:
    """The longest window in `WINDOW_CHOICES` whose rolling series has at least as
    many points as the window spans (``observations >= 2 * window``); None when the
    history is too short even for the shortest (fewer than 10 observations)."""
    for window in WINDOW_CHOICES:
        if observations >= 2 * window:
            return window
    return None


def resolve_window(window: int | None, observations: int) -> int:
    """``window`` as given, or (None) the one `choose_window` picks for this history
    (`DEFAULT_WINDOW` when even the shortest is too long: the panel then says so)."""
    if window is not None:
        return window
    return choose_window(observations) or DEFAULT_WINDOW


def _draw(
    series: pd.Series[float],
    ax: Axes | None,
    title: str,
    ylabel: str,
    reference: float | None,
    percent: bool,
) -> Figure:
    figure, axes = axes_for(ax, (10.0, 3.0))
    values = series.to_numpy(dtype=np.float64)
    finite = values[np.isfinite(values)]
    if not finite.shape[0]:
        # All NaN: matplotlib would draw an empty panel with made-up 1970 dates.
        note(axes, f"not enough data: {len(values)} observations, none with a full window")
        axes.set_xticks([])
        axes.set_yticks([])
        finish(axes, None, title)
        return figure
    axes.plot(series.index, values, color=STRATEGY, lw=1.2, label=ylabel)
    date_axis(axes)
    if finite.shape[0]:
        mean = float(finite.mean())
        shown = f"{mean:.1%}" if percent else f"{mean:.2f}"
        axes.axhline(mean, color=MEAN_LINE, lw=1.0, ls="--", label=f"mean {shown}")
        axes.legend(loc="upper left", frameon=False, fontsize=8)
    if reference is not None:
        axes.axhline(reference, color="black", lw=0.6)
    if percent:
        percent_axis(axes)
    axes.set_ylabel(ylabel)
    finish(axes, None, title)
    return figure


def plot_rolling_sharpe(
    returns: ReturnsSource,
    *,
    window: int | None = None,
    risk_free: float = 0.0,
    periods_per_year: float | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Annualised Sharpe ratio over a rolling window of ``window`` observations.

    Formula: ``mean(r_w - rf_p) / std(r_w, ddof=1) * sqrt(P)`` (see `rolling_sharpe`).
    """
    window = resolve_window(window, len(resolve_returns(returns)))
    series = rolling_sharpe(
        resolve_returns(returns), window, risk_free=risk_free, periods_per_year=periods_per_year
    )
    default = f"Rolling Sharpe ratio ({window} periods)"
    return _draw(series, ax, default if title is None else title, "Sharpe", 0.0, False)


def plot_rolling_volatility(
    returns: ReturnsSource,
    *,
    window: int | None = None,
    periods_per_year: float | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Annualised volatility over a rolling window: ``std(r_w, ddof=1) * sqrt(P)``."""
    window = resolve_window(window, len(resolve_returns(returns)))
    series = rolling_volatility(resolve_returns(returns), window, periods_per_year=periods_per_year)
    default = f"Rolling volatility ({window} periods)"
    return _draw(series, ax, default if title is None else title, "Volatility", None, True)


def plot_rolling_beta(
    returns: ReturnsSource,
    benchmark: pd.Series[float] | None = None,
    *,
    window: int | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Beta to the benchmark over a rolling window: ``cov(r_w, b_w) / var(b_w)``.

    The benchmark defaults to the result's; without one, `ConfigError`.
    """
    window = resolve_window(window, len(resolve_returns(returns)))
    bench = resolve_benchmark(returns, benchmark)
    if bench is None:
        raise ConfigError(
            "rolling beta needs a benchmark: pass benchmark= or run with a benchmark",
            context={"window": window},
        )
    series = rolling_beta(resolve_returns(returns), bench, window)
    default = f"Rolling beta to benchmark ({window} periods)"
    return _draw(series, ax, default if title is None else title, "Beta", 1.0, False)
