"""Holdings-based attribution: Brinson-Fachler allocation, selection, interaction.

For each period and group ``g`` (a sector, or any grouping), with portfolio
weights ``wp_g`` and returns ``rp_g``, benchmark weights ``wb_g`` and returns
``rb_g``, and the benchmark total ``B = sum_g wb_g rb_g``::

    allocation_g  = (wp_g - wb_g) * (rb_g - B)
    selection_g   = wb_g * (rp_g - rb_g)
    interaction_g = (wp_g - wb_g) * (rp_g - rb_g)

and ``sum_g (allocation + selection + interaction) = R - B`` with ``R = sum_g
wp_g rp_g``, provided both weight sets sum to 1 (Brinson & Fachler 1985). The
portfolio's weights are completed to 1 with a ``Cash`` group (return
``cash_return``, benchmark weight 0), so leverage and idle cash show up as an
allocation effect.

Conventions for empty groups: where the portfolio holds nothing in ``g``,
selection and interaction are 0; where the benchmark holds nothing, ``rb_g`` is
taken as ``rp_g`` so the group's whole effect is allocation. A group whose long
and short positions net to zero weight but not to zero return keeps that return
as interaction, so the identity still holds.

Periods are linked with Carino's method (`linking`): the linked effects add up
to ``prod(1 + R_t) - prod(1 + B_t)`` over the whole span.

Reference: Brinson, G. P. and Fachler, N. (1985). "Measuring Non-US Equity
Portfolio Performance". Journal of Portfolio Management 11(3), 73-76.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rustybt.analytics.attribution.linking import cumulative_carino, link_carino
from rustybt.analytics.metrics.conventions import FloatArray
from rustybt.errors import ConfigError, ValidationError

__all__ = ["CASH", "EFFECTS", "BrinsonAttribution", "brinson_fachler", "brinson_from_arrays"]

CASH = "Cash"
EFFECTS: tuple[str, ...] = ("allocation", "selection", "interaction")
WEIGHT_TOLERANCE = 1e-9
# A group weight below this (in absolute value) counts as "not held".
HELD_EPSILON = 1e-12


@dataclass(frozen=True)
class BrinsonAttribution:
    """Brinson-Fachler effects per period and group, with exact Carino linking.

    Attributes:
        allocation, selection, interaction: periods x groups.
        portfolio_return, benchmark_return: per-period totals ``R_t`` and ``B_t``.
        portfolio_weights, benchmark_weights: periods x groups (portfolio incl. cash).
        unexplained: the actual strategy return minus the holdings-based ``R_t``
            (intraday trading, costs), when built from a backtest; else None.
        benchmark_universe: which assets and weights the benchmark holds, in
            words (set by `brinson_from_result`; empty when weights were given).
    """

    allocation: pd.DataFrame
    selection: pd.DataFrame
    interaction: pd.DataFrame
    portfolio_return: pd.Series
    benchmark_return: pd.Series
    portfolio_weights: pd.DataFrame
    benchmark_weights: pd.DataFrame
    unexplained: pd.Series | None = None
    benchmark_universe: str = ""

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(str(g) for g in self.allocation.columns)

    @property
    def active_return(self) -> pd.Series:
        """``R_t - B_t`` per period."""
        return (self.portfolio_return - self.benchmark_return).rename("active")

    def per_period(self) -> pd.DataFrame:
        """Effects summed over groups: allocation, selection, interaction, active."""
        frame = pd.DataFrame(
            {
                "allocation": self.allocation.sum(axis=1),
                "selection": self.selection.sum(axis=1),
                "interaction": self.interaction.sum(axis=1),
            }
        )
        frame["active"] = self.active_return
        return frame

    def _stacked(self) -> FloatArray:
        # periods x (3 * groups): allocation block, then selection, then interaction.
        return np.hstack(
            [
                self.allocation.to_numpy(dtype=np.float64),
                self.selection.to_numpy(dtype=np.float64),
                self.interaction.to_numpy(dtype=np.float64),
            ]
        )

    def linked(self) -> pd.DataFrame:
        """Groups x effects linked over all periods (Carino); sums to the total active return."""
        values = link_carino(
            self._stacked(),
            self.portfolio_return.to_numpy(dtype=np.float64),
            self.benchmark_return.to_numpy(dtype=np.float64),
        )
        table = pd.DataFrame(
            values.reshape(len(EFFECTS), len(self.groups)).T,
            index=pd.Index(self.groups, name="group"),
            columns=list(EFFECTS),
        )
        table["total"] = table.sum(axis=1)
        return table

    def linked_totals(self) -> pd.Series:
        """Allocation, selection, interaction and active over the whole span (exact sum)."""
        table = self.linked()
        totals = table[list(EFFECTS)].sum(axis=0)
        totals["active"] = self.total_active_return
        return totals

    def cumulative(self) -> pd.DataFrame:
        """Effects linked from the start to each period (columns allocation/selection/interaction)."""
        frame = self.per_period()
        linked = cumulative_carino(
            frame[list(EFFECTS)].to_numpy(),
            self.portfolio_return.to_numpy(dtype=np.float64),
            self.benchmark_return.to_numpy(dtype=np.float64),
        )
        out = pd.DataFrame(linked, index=frame.index, columns=list(EFFECTS))
        out["active"] = out.sum(axis=1)
        return out

    @property
    def total_portfolio_return(self) -> float:
        return float(np.prod(1.0 + self.portfolio_return.to_numpy(dtype=np.float64)) - 1.0)

    @property
    def total_benchmark_return(self) -> float:
        return float(np.prod(1.0 + self.benchmark_return.to_numpy(dtype=np.float64)) - 1.0)

    @property
    def total_active_return(self) -> float:
        """``prod(1 + R_t) - prod(1 + B_t)``: what the linked effects add up to."""
        return self.total_portfolio_return - self.total_benchmark_return

    def summary(self) -> str:
        """Plain words: where the active return came from."""
        totals = self.linked_totals()
        parts = ", ".join(f"{name} {totals[name] * 100:+.2f}%" for name in EFFECTS)
        best = self.linked()["total"].drop(CASH, errors="ignore")
        lead = (
            f" The largest group effect is {best.idxmax()} ({best.max() * 100:+.2f}%)"
            f" and the smallest {best.idxmin()} ({best.min() * 100:+.2f}%)."
            if len(best)
            else ""
        )
        return (
            f"Over {len(self.portfolio_return)} period(s) the portfolio returned "
            f"{self.total_portfolio_return * 100:.2f}% against the benchmark's "
            f"{self.total_benchmark_return * 100:.2f}%: active {self.total_active_return * 100:+.2f}% "
            f"= {parts} (Brinson-Fachler, Carino-linked).{lead}"
        )

    def to_dict(self) -> dict[str, object]:
        linked = self.linked()
        return {
            "n_periods": len(self.portfolio_return),
            "total_portfolio_return": self.total_portfolio_return,
            "total_benchmark_return": self.total_benchmark_return,
            "total_active_return": self.total_active_return,
            "linked_totals": {str(k): float(v) for k, v in self.linked_totals().items()},
            "by_group": {
                str(group): {str(col): float(value) for col, value in row.items()}
                for group, row in linked.iterrows()
            },
            "summary": self.summary(),
            "benchmark_universe": self.benchmark_universe,
        }


def _effects(
    wp: FloatArray, contribution: FloatArray, wb: FloatArray, rb: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Brinson-Fachler effects from portfolio weights and contributions ``wp * rp``.

    Working from contributions keeps a group whose long and short weights net to
    zero exact: its return goes to interaction (see the module docstring).
    """
    held = np.abs(wp) > HELD_EPSILON
    rp = np.divide(contribution, wp, out=np.zeros_like(contribution), where=held)
    bench_held = np.abs(wb) > HELD_EPSILON
    rb_used = np.where(bench_held, rb, np.where(held, rp, 0.0))
    rb_used = np.nan_to_num(rb_used, nan=0.0)
    bench_total = np.sum(wb * rb_used, axis=1, keepdims=True)
    allocation = (wp - wb) * (rb_used - bench_total)
    selection = np.where(held, wb * (rp - rb_used), 0.0)
    interaction = np.where(
        held,
        (wp - wb) * (rp - rb_used),
        contribution - wp * rb_used,
    )
    return allocation, selection, interaction


def _check_weights(weights: FloatArray, name: str) -> None:
    sums = weights.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > WEIGHT_TOLERANCE)
    if bad.size:
        raise ValidationError(
            f"{name} weights must sum to 1 in every period",
            context={"period": int(bad[0]), "sum": float(sums[bad[0]])},
            hint="normalise each row, or include every group (cash too) in the weights",
        )


def brinson_from_arrays(
    portfolio_weights: FloatArray,
    portfolio_contributions: FloatArray,
    benchmark_weights: FloatArray,
    benchmark_returns: FloatArray,
    *,
    groups: tuple[str, ...],
    index: pd.Index,
    cash_return: FloatArray | float = 0.0,
    unexplained: pd.Series | None = None,
) -> BrinsonAttribution:
    """Vectorised core: arrays of shape (periods, groups), contributions = ``wp * rp``.

    A ``Cash`` group is appended for ``1 - sum(wp)`` (benchmark weight 0).
    ``benchmark_weights`` must sum to 1 per period.
    """
    wp = np.asarray(portfolio_weights, dtype=np.float64)
    cp = np.asarray(portfolio_contributions, dtype=np.float64)
    wb = np.asarray(benchmark_weights, dtype=np.float64)
    rb = np.asarray(benchmark_returns, dtype=np.float64)
    shape = (len(index), len(groups))
    for name, array in (
        ("portfolio weights", wp),
        ("contributions", cp),
        ("benchmark weights", wb),
    ):
        if array.shape != shape:
            raise ValidationError(
                f"{name} have shape {array.shape}, expected {shape} (periods x groups)",
                context={"name": name},
            )
    if rb.shape != shape:
        raise ValidationError(
            f"benchmark returns have shape {rb.shape}, expected {shape}",
            context={"name": "benchmark returns"},
        )
    if not (np.isfinite(wp).all() and np.isfinite(cp).all() and np.isfinite(wb).all()):
        raise ValidationError("weights and contributions must be finite (use 0 for not held)")
    _check_weights(wb, "benchmark")
    cash_weight = 1.0 - wp.sum(axis=1, keepdims=True)
    # Fully invested portfolios get no Cash column: it would hold only zeros.
    needs_cash = CASH not in groups and bool((np.abs(cash_weight) > HELD_EPSILON).any())
    if needs_cash:
        cash_r = np.broadcast_to(np.asarray(cash_return, dtype=np.float64), (shape[0],))[:, None]
        wp = np.hstack([wp, cash_weight])
        cp = np.hstack([cp, cash_weight * cash_r])
        wb = np.hstack([wb, np.zeros((shape[0], 1))])
        rb = np.hstack([rb, cash_r])
        groups = (*groups, CASH)
    else:
        _check_weights(wp, "portfolio")
    allocation, selection, interaction = _effects(wp, cp, wb, rb)
    rb_clean = np.nan_to_num(rb, nan=0.0)
    columns = pd.Index(groups, name="group")

    def frame(values: FloatArray) -> pd.DataFrame:
        return pd.DataFrame(values, index=index, columns=columns)

    return BrinsonAttribution(
        allocation=frame(allocation),
        selection=frame(selection),
        interaction=frame(interaction),
        portfolio_return=pd.Series(cp.sum(axis=1), index=index, name="portfolio"),
        benchmark_return=pd.Series((wb * rb_clean).sum(axis=1), index=index, name="benchmark"),
        portfolio_weights=frame(wp),
        benchmark_weights=frame(wb),
        unexplained=unexplained,
    )


def _as_frame(values: pd.Series | pd.DataFrame, name: str) -> pd.DataFrame:
    if isinstance(values, pd.Series):
        return values.to_frame().T.reset_index(drop=True)
    if isinstance(values, pd.DataFrame):
        return values
    raise ConfigError(
        f"{name} must be a pandas Series (one period) or DataFrame (periods x groups)",
        context={"type": type(values).__name__},
    )


def brinson_fachler(
    portfolio_weights: pd.Series | pd.DataFrame,
    portfolio_returns: pd.Series | pd.DataFrame,
    benchmark_weights: pd.Series | pd.DataFrame,
    benchmark_returns: pd.Series | pd.DataFrame,
    *,
    cash_return: float = 0.0,
) -> BrinsonAttribution:
    """Brinson-Fachler attribution for one period (Series by group) or many (DataFrames).

    Groups are the union of the four inputs' labels; a group missing from one
    input has weight 0 there. Portfolio weights are completed to 1 with ``Cash``
    (return ``cash_return``); benchmark weights must sum to 1. See the module
    docstring for the formulas.
    """
    frames = [
        _as_frame(portfolio_weights, "portfolio_weights"),
        _as_frame(portfolio_returns, "portfolio_returns"),
        _as_frame(benchmark_weights, "benchmark_weights"),
        _as_frame(benchmark_returns, "benchmark_returns"),
    ]
    index = frames[0].index
    for other in frames[1:]:
        if not other.index.equals(index):
            raise ValidationError(
                "weights and returns must share the same periods (index)",
                context={"periods": len(index), "other": len(other.index)},
            )
    labels: list[str] = []
    for part in frames:
        labels.extend(str(c) for c in part.columns if str(c) not in labels)
    wp, rp, wb, rb = (
        part.rename(columns=str).reindex(columns=labels).to_numpy(dtype=np.float64)
        for part in frames
    )
    wp = np.nan_to_num(wp, nan=0.0)
    wb = np.nan_to_num(wb, nan=0.0)
    contributions = np.where(np.abs(wp) > HELD_EPSILON, wp * np.nan_to_num(rp, nan=0.0), 0.0)
    return brinson_from_arrays(
        wp,
        contributions,
        wb,
        rb,
        groups=tuple(labels),
        index=index,
        cash_return=cash_return,
    )
