"""Timing versus selection: a Brinson split over time instead of over sectors.

Each period the strategy holds a net exposure ``e_t`` (invested fraction of
equity: 1 = fully invested, 0.5 = half in cash, -1 = fully short) in a basket
whose own return is ``p_t``, so ``r_t = e_t * p_t`` (cash earning 0). Against a
market return ``m_t`` and the average exposure ``E = mean(e_t)``::

    baseline_t    = E * m_t                     passive market at average exposure
    timing_t      = (e_t - E) * m_t             return from varying exposure over time
    selection_t   = E * (p_t - m_t)             what was held vs the market, at average exposure
    interaction_t = (e_t - E) * (p_t - m_t)

and ``baseline + timing + selection + interaction = e_t p_t = r_t`` exactly. A
period with no exposure (``|e_t|`` below 1e-12) has no basket return: selection
is 0 and interaction keeps whatever return the period still had (e.g. a position
opened and closed inside the session), so the identity always holds. The
cumulative view links the four with Carino (log-return) smoothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rustybt.analytics.attribution._align import align_with_frame, as_series
from rustybt.analytics.attribution.linking import cumulative_carino
from rustybt.analytics.metrics.conventions import ReturnsInput
from rustybt.errors import ConfigError

if TYPE_CHECKING:
    from rustybt.engine.result import BacktestResult

__all__ = [
    "TIMING_COMPONENTS",
    "TimingSelection",
    "timing_selection",
    "timing_selection_from_result",
]

TIMING_COMPONENTS: tuple[str, ...] = ("baseline", "timing", "selection", "interaction")
EXPOSURE_EPSILON = 1e-12


@dataclass(frozen=True)
class TimingSelection:
    """Per-period baseline/timing/selection/interaction (each row sums to the return).

    Attributes:
        components: periods x ``TIMING_COMPONENTS``.
        returns: the strategy's return per period.
        exposure: ``e_t`` per period.
        market: ``m_t`` per period.
        average_exposure: ``E``.
    """

    components: pd.DataFrame
    returns: pd.Series
    exposure: pd.Series
    market: pd.Series
    average_exposure: float

    def cumulative(self) -> pd.DataFrame:
        """Components linked (Carino) from the start to each period; rows sum to the compounded return."""
        linked = cumulative_carino(
            self.components.to_numpy(), self.returns.to_numpy(dtype=np.float64)
        )
        return pd.DataFrame(linked, index=self.components.index, columns=self.components.columns)

    def linked(self) -> pd.Series:
        """The four components over the whole span; they add up to ``prod(1 + r) - 1``."""
        return self.cumulative().iloc[-1].rename("linked")

    def summary(self) -> str:
        linked = self.linked()
        total = float(np.prod(1.0 + self.returns.to_numpy(dtype=np.float64)) - 1.0)
        return (
            f"Of the {total * 100:.2f}% total return, {linked['baseline'] * 100:+.2f}% is the market "
            f"at the average exposure of {self.average_exposure:.2f}, "
            f"{linked['timing'] * 100:+.2f}% comes from timing (varying exposure), "
            f"{linked['selection'] * 100:+.2f}% from selection (what was held) and "
            f"{linked['interaction'] * 100:+.2f}% from their interaction (Carino-linked)."
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "average_exposure": self.average_exposure,
            "linked": {str(k): float(v) for k, v in self.linked().items()},
            "n_periods": len(self.returns),
            "summary": self.summary(),
        }


def timing_selection(
    returns: ReturnsInput,
    exposure: pd.Series | ReturnsInput,
    market: pd.Series | ReturnsInput,
    *,
    periods_per_year: float | None = None,
) -> TimingSelection:
    """Split each period's return into baseline, timing, selection and interaction.

    Args:
        returns: the strategy's simple returns ``r_t``.
        exposure: net exposure ``e_t`` during period ``t`` (the weight held at the
            previous close), same index or length as ``returns``.
        market: the market/benchmark return ``m_t``.

    See the module docstring for the formulas and the zero-exposure convention.
    """
    frame = pd.DataFrame(
        {"exposure": as_series(exposure, returns), "market": as_series(market, returns)}
    )
    data = align_with_frame(
        returns, frame, ("exposure", "market"), risk_free=0.0, periods_per_year=periods_per_year
    )
    r = data.returns
    e = data.regressors[:, 0]
    m = data.regressors[:, 1]
    average = float(e.mean())
    held = np.abs(e) > EXPOSURE_EPSILON
    basket = np.divide(r, e, out=np.zeros_like(r), where=held)
    baseline = average * m
    timing = (e - average) * m
    selection = np.where(held, average * (basket - m), 0.0)
    interaction = np.where(held, (e - average) * (basket - m), r - baseline - timing)
    index: pd.Index = data.index if data.index is not None else pd.RangeIndex(len(r))
    components = pd.DataFrame(
        np.column_stack([baseline, timing, selection, interaction]),
        index=index,
        columns=list(TIMING_COMPONENTS),
    )
    return TimingSelection(
        components=components,
        returns=pd.Series(r, index=index, name="returns"),
        exposure=pd.Series(e, index=index, name="exposure"),
        market=pd.Series(m, index=index, name="market"),
        average_exposure=average,
    )


def timing_selection_from_result(
    result: BacktestResult, market: ReturnsInput | None = None
) -> TimingSelection:
    """`timing_selection` on a backtest: ``e_t`` is the net leverage at the previous close.

    ``market`` defaults to the result's ``benchmark_returns``.
    """
    chosen = market if market is not None else result.benchmark_returns
    if chosen is None:
        raise ConfigError(
            "timing vs selection needs a market return; the backtest has no benchmark",
            hint="pass market= or run the backtest with benchmark=",
        )
    exposure = result.perf["net_leverage"].shift(1).fillna(0.0)
    return timing_selection(result.returns, exposure, chosen)
