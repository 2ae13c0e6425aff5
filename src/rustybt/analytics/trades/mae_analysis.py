"""What MAE says about stops: the stop that cuts losers but spares winners.

A stop at ``s`` (a fraction of the entry price) is taken to trigger on every trade
whose ``mae_pct >= s``. Closed trades only; winners have ``net_pnl > 0``, losers
``net_pnl < 0``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rustybt.data.bars import FloatArray
from rustybt.errors import ConfigError

__all__ = ["StopAnalysis", "excursion_buckets", "mae_stop_analysis"]


@dataclass(frozen=True)
class StopAnalysis:
    """Result of `mae_stop_analysis`.

    Attributes:
        best_stop_pct: the tightest stop (as MAE fraction of entry price) that cuts
            no winner; NaN when every loser's MAE is within a winner's MAE.
        losers_cut: losers that stop would have cut.
        losers: all losers considered.
        table: one row per candidate stop: ``stop_pct``, ``winners_cut``,
            ``losers_cut``, ``est_pnl_change`` (see `mae_stop_analysis`).
    """

    best_stop_pct: float
    losers_cut: int
    losers: int
    table: pd.DataFrame


def _closed_outcomes(trades: pd.DataFrame) -> tuple[FloatArray, FloatArray, FloatArray]:
    closed = trades[~trades["is_open"].astype(bool)]
    closed = closed[np.isfinite(closed["mae_pct"].to_numpy(np.float64))]
    pnl = np.array([float(v) for v in closed["gross_pnl"]], dtype=np.float64)
    net = np.array([float(v) for v in closed["net_pnl"]], dtype=np.float64)
    notional = np.array([float(v) for v in closed["entry_notional"]], dtype=np.float64)
    mae = closed["mae_pct"].to_numpy(np.float64)
    return mae, net, np.vstack([pnl, notional])


def mae_stop_analysis(trades: pd.DataFrame, stops: Sequence[float] | None = None) -> StopAnalysis:
    """Scan stop levels against the trades' MAE.

    ``best_stop_pct`` = the smallest loser MAE strictly above the largest winner
    MAE (so no winner is cut and the most losers are). For each candidate stop
    (``stops``, default: every distinct loser MAE plus ``best_stop_pct``)
    ``est_pnl_change`` approximates what the stop would have changed:
    Σ over cut trades of (−stop · entry_notional − gross_pnl), i.e. each cut trade
    is assumed to lose exactly the stop on its entry notional (costs unchanged).
    """
    mae, net, extra = _closed_outcomes(trades)
    gross, notional = extra[0], extra[1]
    winners, losers = net > 0, net < 0
    worst_winner = float(mae[winners].max()) if winners.any() else -math.inf
    above = mae[losers & (mae > worst_winner)]
    best = float(above.min()) if len(above) else math.nan
    if stops is None:
        candidates = sorted(set(mae[losers].tolist()) | ({best} if len(above) else set()))
    else:
        candidates = sorted(float(s) for s in stops)
    if any(s < 0 for s in candidates):
        raise ConfigError("stop levels must be >= 0 (fractions of entry price)")
    rows = []
    for stop in candidates:
        cut = mae >= stop
        rows.append(
            {
                "stop_pct": stop,
                "winners_cut": int((cut & winners).sum()),
                "losers_cut": int((cut & losers).sum()),
                "est_pnl_change": float((-stop * notional[cut] - gross[cut]).sum()),
            }
        )
    table = pd.DataFrame(rows, columns=["stop_pct", "winners_cut", "losers_cut", "est_pnl_change"])
    return StopAnalysis(
        best_stop_pct=best,
        losers_cut=int((losers & (mae >= best)).sum()) if len(above) else 0,
        losers=int(losers.sum()),
        table=table,
    )


def excursion_buckets(
    trades: pd.DataFrame,
    *,
    field: str = "mae_pct",
    edges: Sequence[float] = (0.0, 0.005, 0.01, 0.02, 0.05, 0.1, math.inf),
) -> pd.DataFrame:
    """Winners and losers per bucket of ``field`` (``mae_pct``, ``mfe_pct``, ``mae``, ``mfe``).

    Buckets are left-closed ``[edges[i], edges[i+1])``. Columns: bucket, trades,
    winners, losers, win_rate, avg_net_pnl, total_net_pnl. Closed trades only.
    """
    if field not in ("mae_pct", "mfe_pct", "mae", "mfe"):
        raise ConfigError(
            "field must be one of mae_pct, mfe_pct, mae, mfe", context={"field": field}
        )
    if len(edges) < 2 or any(b <= a for a, b in itertools.pairwise(edges)):
        raise ConfigError("edges must be increasing with at least two values")
    closed = trades[~trades["is_open"].astype(bool)]
    values = closed[field].to_numpy(np.float64)
    net = np.array([float(v) for v in closed["net_pnl"]], dtype=np.float64)
    labels = pd.cut(values, bins=list(edges), right=False)
    frame = pd.DataFrame({"bucket": labels, "net": net})
    grouped = frame.groupby("bucket", observed=False)["net"]
    out = pd.DataFrame(
        {
            "trades": grouped.size(),
            "winners": grouped.apply(lambda s: int((s > 0).sum())),
            "losers": grouped.apply(lambda s: int((s < 0).sum())),
            "total_net_pnl": grouped.sum(),
        }
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["win_rate"] = out["winners"] / out["trades"].where(out["trades"] > 0)
        out["avg_net_pnl"] = out["total_net_pnl"] / out["trades"].where(out["trades"] > 0)
    out = out.reset_index()
    out["bucket"] = out["bucket"].astype(str)
    return out[
        ["bucket", "trades", "winners", "losers", "win_rate", "avg_net_pnl", "total_net_pnl"]
    ]
