"""When and where trades cluster: per period, per asset (HHI), and between arrivals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from rustybt.data.bars import FloatArray
from rustybt.errors import ConfigError

__all__ = ["asset_concentration", "inter_arrival_stats", "trades_per_period"]


def trades_per_period(trades: pd.DataFrame, *, freq: str = "M") -> pd.DataFrame:
    """Trades opened and their net PnL per calendar period of the entry time.

    ``freq`` is a pandas period alias (``"M"`` month, ``"W"`` week ending Sunday,
    ``"Q"``, ``"Y"``, ``"D"``). Empty periods between the first and last appear with
    0 trades. Columns: trades, net_pnl (float), winners, losers; index: Period.
    """
    if trades.empty:
        return pd.DataFrame(columns=["trades", "net_pnl", "winners", "losers"])
    try:
        periods = pd.DatetimeIndex(trades["entry_time"]).tz_convert(None).to_period(freq)
    except ValueError as exc:
        raise ConfigError(f"unknown period alias {freq!r}", context={"freq": freq}) from exc
    net = np.array([float(v) for v in trades["net_pnl"]], dtype=np.float64)
    frame = pd.DataFrame(
        {"trades": 1, "net_pnl": net, "winners": net > 0, "losers": net < 0}, index=periods
    )
    counts = frame.groupby(level=0).sum()
    full = pd.period_range(counts.index.min(), counts.index.max(), freq=periods.freq)
    result = counts.reindex(full, fill_value=0)
    return result.astype({"trades": np.int64, "winners": np.int64, "losers": np.int64})


def _hhi(weights: FloatArray) -> float:
    total = float(weights.sum())
    if total <= 0:
        return math.nan
    shares = weights / total
    return float((shares**2).sum())


def asset_concentration(trades: pd.DataFrame) -> pd.Series:
    """Herfindahl-Hirschman indices of how trades and PnL spread over assets.

    ``hhi_count = Σ_i (n_i / N)²`` over trade counts per symbol and
    ``hhi_pnl = Σ_i (|P_i| / Σ_j |P_j|)²`` over the absolute net PnL per symbol
    (absolute, because a symbol that loses a lot concentrates risk just as one that
    wins a lot). HHI is 1/k for k equal assets and 1 for one asset; the
    ``effective_assets_*`` entries are 1/HHI. ``top_share_*`` is the largest share.
    """
    if trades.empty:
        return pd.Series(
            {
                "assets": 0,
                "hhi_count": math.nan,
                "hhi_pnl": math.nan,
                "effective_assets_count": math.nan,
                "effective_assets_pnl": math.nan,
                "top_share_count": math.nan,
                "top_share_pnl": math.nan,
            },
            dtype=np.float64,
        )
    net = pd.Series([float(v) for v in trades["net_pnl"]], index=trades["symbol"].to_numpy())
    counts = np.asarray(net.groupby(level=0).size(), dtype=np.float64)
    pnl = np.asarray(net.groupby(level=0).sum().abs(), dtype=np.float64)
    hhi_count, hhi_pnl = _hhi(counts), _hhi(pnl)
    return pd.Series(
        {
            "assets": float(len(counts)),
            "hhi_count": hhi_count,
            "hhi_pnl": hhi_pnl,
            "effective_assets_count": 1.0 / hhi_count,
            "effective_assets_pnl": 1.0 / hhi_pnl if hhi_pnl > 0 else math.nan,
            "top_share_count": float(counts.max() / counts.sum()),
            "top_share_pnl": float(pnl.max() / pnl.sum()) if pnl.sum() > 0 else math.nan,
        },
        dtype=np.float64,
    )


def inter_arrival_stats(trades: pd.DataFrame, *, by_symbol: bool = False) -> pd.DataFrame:
    """Statistics of the time between consecutive trade entries.

    Columns: count (gaps), mean, median, min, max, std (Timedelta) and ``cv`` =
    std / mean (about 1 for arrivals at random, well above 1 when trades bunch up).
    One row ``all`` over every trade, or one row per symbol with ``by_symbol``.
    """
    groups: dict[str, pd.Series] = {}
    entries = pd.Series(pd.DatetimeIndex(trades["entry_time"]), index=trades.index)
    if by_symbol:
        for symbol, group in entries.groupby(trades["symbol"].to_numpy()):
            groups[str(symbol)] = group
    else:
        groups["all"] = entries
    rows = {}
    for name, stamps in groups.items():
        gaps = stamps.sort_values().diff().dropna()
        seconds = gaps.dt.total_seconds().to_numpy(np.float64)
        mean = float(seconds.mean()) if len(seconds) else math.nan
        std = float(seconds.std(ddof=1)) if len(seconds) > 1 else math.nan
        rows[name] = {
            "count": len(seconds),
            "mean": pd.to_timedelta(mean, unit="s"),
            "median": pd.to_timedelta(
                float(np.median(seconds)) if len(seconds) else math.nan, unit="s"
            ),
            "min": gaps.min() if len(gaps) else pd.NaT,
            "max": gaps.max() if len(gaps) else pd.NaT,
            "std": pd.to_timedelta(std, unit="s"),
            "cv": std / mean if mean > 0 else math.nan,
        }
    return pd.DataFrame.from_dict(rows, orient="index")
