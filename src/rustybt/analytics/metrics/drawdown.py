"""Drawdowns: the underwater curve, the worst episodes and the ulcer index.

The equity curve starts at 1 *before* the first return, so a loss on the first
observation is already a drawdown from the starting capital (as empyrical).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from rustybt.analytics.metrics.conventions import (
    FloatArray,
    PreparedReturns,
    ReturnsInput,
    prepare_returns,
)
from rustybt.errors import ConfigError

__all__ = [
    "DrawdownPeriod",
    "drawdown_series",
    "drawdown_table",
    "max_drawdown",
    "max_drawdown_period",
    "ulcer_index",
    "worst_drawdown_periods",
    "worst_drawdowns",
]

Label = pd.Timestamp | int


@dataclass(frozen=True, slots=True)
class DrawdownPeriod:
    """One drawdown episode: from a peak, down to a valley, back to the peak.

    Attributes:
        drawdown: depth at the valley, a fraction in [-1, 0) (e.g. -0.25).
        peak: last label at the high-water mark before the fall; None when the
            high-water mark is the starting capital (the first return lost).
        valley: label of the lowest point.
        recovery: first label back at or above the peak; None if not recovered.
        duration: periods spent under water (from the first period below the
            peak to the last one before recovery, or to the end).
    """

    drawdown: float
    peak: Label | None
    valley: Label
    recovery: Label | None
    duration: int


def _drawdowns(values: FloatArray) -> FloatArray:
    """``D_t = E_t / max(1, max_{s<=t} E_s) - 1`` with ``E_t = prod_{i<=t}(1 + r_i)``."""
    equity = np.cumprod(values + 1.0)
    peak = np.maximum(np.maximum.accumulate(equity), 1.0)
    out: FloatArray = equity / peak - 1.0
    return out


def _max_drawdown(values: FloatArray, drawdowns: FloatArray | None = None) -> float:
    if values.shape[0] == 0:
        return float("nan")
    series = _drawdowns(values) if drawdowns is None else drawdowns
    return float(series.min())


def _ulcer(drawdowns: FloatArray) -> float:
    if drawdowns.shape[0] == 0:
        return float("nan")
    return float(np.sqrt(np.mean(drawdowns * drawdowns)))


def _episodes(drawdowns: FloatArray) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Start and end positions (inclusive) of each run of ``D < 0``."""
    under = np.concatenate(([False], drawdowns < 0.0, [False]))
    edges = np.flatnonzero(under[1:] != under[:-1])
    return edges[0::2], edges[1::2] - 1


def _period(
    prepared: PreparedReturns, drawdowns: FloatArray, start: int, end: int
) -> DrawdownPeriod:
    valley = start + int(np.argmin(drawdowns[start : end + 1]))
    recovered = end + 1 < drawdowns.shape[0]
    return DrawdownPeriod(
        drawdown=float(drawdowns[valley]),
        peak=prepared.label(start - 1) if start > 0 else None,
        valley=prepared.label(valley),
        recovery=prepared.label(end + 1) if recovered else None,
        duration=end - start + 1,
    )


def _worst_periods(
    prepared: PreparedReturns, drawdowns: FloatArray, top: int
) -> list[DrawdownPeriod]:
    starts, ends = _episodes(drawdowns)
    if starts.shape[0] == 0:
        return []
    depths = np.minimum.reduceat(drawdowns, starts)
    # Stable sort keeps the earlier episode first when two are equally deep.
    order = np.argsort(depths, kind="stable")[:top]
    return [_period(prepared, drawdowns, int(starts[i]), int(ends[i])) for i in order]


def drawdown_series(returns: ReturnsInput) -> pd.Series[float]:
    """Drawdown from the running high-water mark at each observation.

    Formula: ``E_t = prod_{i<=t} (1 + r_i)``, ``D_t = E_t / max(1, max_{s<=t} E_s) - 1``.
    Values are in [-1, 0] for returns >= -1. NaN returns are dropped.
    """
    prepared = prepare_returns(returns, 1.0)
    values = _drawdowns(prepared.values)
    if prepared.index is None:
        return pd.Series(values, name="drawdown")
    return pd.Series(values, index=prepared.index, name="drawdown")


def max_drawdown(returns: ReturnsInput) -> float:
    """Maximum drawdown: the deepest fall from a high-water mark.

    Formula: ``MDD = min_t D_t`` (see `drawdown_series`); a negative fraction,
    0 when equity never falls, NaN for an empty series.
    """
    return _max_drawdown(prepare_returns(returns, 1.0).values)


def max_drawdown_period(returns: ReturnsInput) -> DrawdownPeriod | None:
    """The maximum drawdown with its peak, valley and recovery dates and duration.

    None when equity never falls below its high-water mark.
    """
    periods = worst_drawdown_periods(returns, top=1)
    return periods[0] if periods else None


def worst_drawdown_periods(returns: ReturnsInput, top: int = 5) -> list[DrawdownPeriod]:
    """The ``top`` deepest distinct drawdown episodes, deepest first.

    An episode runs from a high-water mark until equity is back at or above it;
    ties keep the earlier episode first.
    """
    if top < 1:
        raise ConfigError("top must be at least 1", context={"top": top})
    prepared = prepare_returns(returns, 1.0)
    return _worst_periods(prepared, _drawdowns(prepared.values), top)


def worst_drawdowns(returns: ReturnsInput, top: int = 5) -> pd.DataFrame:
    """`worst_drawdown_periods` as a table ranked from 1.

    Columns: drawdown, peak, valley, recovery, duration (periods under water).
    """
    return drawdown_table(worst_drawdown_periods(returns, top))


def drawdown_table(periods: list[DrawdownPeriod]) -> pd.DataFrame:
    """A list of `DrawdownPeriod` as a DataFrame ranked from 1.

    Dates become datetime64 columns (NaT: no peak before the fall, or not
    recovered); positional labels stay integers with None.
    """
    index = pd.RangeIndex(1, len(periods) + 1, name="rank")
    dated = any(isinstance(p.valley, pd.Timestamp) for p in periods)
    label_dtype = "datetime64[ns]" if dated else object

    def labels(values: list[Label | None]) -> pd.Series[Any]:  # Any: dates or positions
        return pd.Series(values, index=index, dtype=label_dtype)

    return pd.DataFrame(
        {
            "drawdown": pd.Series([p.drawdown for p in periods], index=index, dtype=float),
            "peak": labels([p.peak for p in periods]),
            "valley": labels([p.valley for p in periods]),
            "recovery": labels([p.recovery for p in periods]),
            "duration": pd.Series([p.duration for p in periods], index=index, dtype=np.int64),
        }
    )


def ulcer_index(returns: ReturnsInput) -> float:
    """Ulcer index (Martin, 1987): root-mean-square drawdown.

    Formula: ``UI = sqrt(mean(D_t ** 2))`` over all observations, with ``D_t``
    as a fraction (multiply by 100 for Martin's percentage units).
    """
    return _ulcer(_drawdowns(prepare_returns(returns, 1.0).values))
