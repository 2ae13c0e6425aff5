"""Trade statistics: win rate, payoff, profit factor, expectancy, SQN, edge ratio, streaks.

All statistics use closed trades unless ``include_open=True`` and are computed on
``net_pnl`` (after commission) converted to float. A trade with ``net_pnl == 0``
counts in ``trades`` but is neither a winner nor a loser, and breaks streaks.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from rustybt.data.bars import BarPanel, FloatArray
from rustybt.engine.result import BacktestResult
from rustybt.errors import DataNotFound

__all__ = [
    "SUMMARY_ROWS",
    "edge_ratio",
    "longest_streaks",
    "sqn",
    "summarize",
    "trade_summary",
    "trade_summary_by_symbol",
]

SUMMARY_ROWS: tuple[str, ...] = (
    "trades",
    "winners",
    "losers",
    "win_rate",
    "avg_win",
    "avg_loss",
    "payoff_ratio",
    "profit_factor",
    "expectancy",
    "expectancy_return",
    "sqn",
    "edge_ratio",
    "largest_win",
    "largest_loss",
    "max_win_streak",
    "max_loss_streak",
    "avg_duration",
    "avg_duration_bars",
    "total_gross_pnl",
    "total_commission",
    "total_net_pnl",
)


def _floats(values: pd.Series) -> FloatArray:
    return np.array([float(v) for v in values], dtype=np.float64)


def _ratio(numerator: float, denominator: float) -> float:
    """numerator/denominator; inf when only the denominator is 0, NaN when both are."""
    if denominator == 0:
        return math.inf if numerator > 0 else math.nan
    return numerator / denominator


def sqn(net_pnl: FloatArray) -> float:
    """Van Tharp's System Quality Number on net PnL per trade.

    ``SQN = sqrt(N) · mean(pnl) / std(pnl, ddof=1)``. Van Tharp uses R-multiples
    (PnL / initial risk); with one fixed risk per trade they are PnL scaled by a
    constant, which SQN ignores, so PnL gives the same number. NaN for N < 2 or zero
    dispersion. N is not capped at 100.
    """
    n = len(net_pnl)
    if n < 2:
        return math.nan
    spread = float(np.std(net_pnl, ddof=1))
    if spread == 0:
        return math.nan
    return math.sqrt(n) * float(np.mean(net_pnl)) / spread


def longest_streaks(net_pnl: FloatArray) -> tuple[int, int]:
    """(longest run of winners, longest run of losers) in the order given."""
    best_win = best_loss = win = loss = 0
    for value in net_pnl:
        win = win + 1 if value > 0 else 0
        loss = loss + 1 if value < 0 else 0
        best_win, best_loss = max(best_win, win), max(best_loss, loss)
    return best_win, best_loss


def _atr(bars: BarPanel, window: int) -> FloatArray:
    """Average true range per (bar, asset), simple mean over ``window`` bars."""
    previous = np.vstack([np.full((1, bars.close.shape[1]), np.nan), bars.close[:-1]])
    ranges = np.fmax(
        bars.high - bars.low,
        np.fmax(np.abs(bars.high - previous), np.abs(bars.low - previous)),
    )
    atr: FloatArray = (
        pd.DataFrame(ranges).rolling(window, min_periods=window).mean().to_numpy(np.float64)
    )
    return atr


def edge_ratio(
    trades: pd.DataFrame, bars: BarPanel | None = None, *, atr_window: int = 14
) -> float:
    """E-ratio: mean(normalised MFE) / mean(normalised MAE).

    Without ``bars`` each excursion is normalised by the entry price (``mfe_pct``
    over ``mae_pct``). With ``bars`` it is normalised by the ATR(``atr_window``) of
    the bar before the entry bar (no look-ahead), so volatile and quiet assets weigh
    alike; trades without an ATR are skipped. Above 1 means entries lead to more
    favourable than adverse movement. NaN when there is nothing to average.
    """
    if trades.empty:
        return math.nan
    if bars is None:
        favourable = trades["mfe_pct"].to_numpy(np.float64)
        adverse = trades["mae_pct"].to_numpy(np.float64)
    else:
        atr = _atr(bars, atr_window)
        columns = {symbol: i for i, symbol in enumerate(bars.symbols)}
        scale = np.full(len(trades), np.nan)
        entry_bars = trades["entry_bar"].fillna(-1).to_numpy(np.int64)
        for i, (symbol, bar) in enumerate(zip(trades["symbol"], entry_bars, strict=True)):
            if symbol in columns and bar >= 1:
                scale[i] = atr[bar - 1, columns[symbol]]
        with np.errstate(divide="ignore", invalid="ignore"):
            favourable = trades["mfe"].to_numpy(np.float64) / scale
            adverse = trades["mae"].to_numpy(np.float64) / scale
    usable = np.isfinite(favourable) & np.isfinite(adverse)
    if not usable.any():
        return math.nan
    return _ratio(float(np.mean(favourable[usable])), float(np.mean(adverse[usable])))


def summarize(trades: pd.DataFrame) -> dict[str, object]:
    """The `SUMMARY_ROWS` statistics of one set of trades (no filtering applied).

    Formulas (``pnl`` = net PnL per trade as float):
      win_rate = winners / trades; payoff_ratio = mean(winning pnl) / |mean(losing pnl)|;
      profit_factor = Σ winning pnl / |Σ losing pnl|; expectancy = mean(pnl);
      expectancy_return = mean(return); sqn, edge_ratio: see their functions;
      streaks are counted in exit order (entry order for open trades).
    """
    ordered = trades.sort_values(["exit_time", "entry_time", "trade_id"], kind="mergesort")
    pnl = _floats(ordered["net_pnl"])
    wins, losses = pnl[pnl > 0], pnl[pnl < 0]
    avg_win = float(wins.mean()) if len(wins) else math.nan
    avg_loss = float(losses.mean()) if len(losses) else math.nan
    win_streak, loss_streak = longest_streaks(pnl)
    durations = ordered["duration"]
    bars_held = ordered["duration_bars"].dropna()
    return {
        "trades": len(pnl),
        "winners": len(wins),
        "losers": len(losses),
        "win_rate": len(wins) / len(pnl) if len(pnl) else math.nan,
        "avg_win": avg_win,
        "avg_loss": avg_loss,
        "payoff_ratio": avg_win / abs(avg_loss) if len(wins) and len(losses) else math.nan,
        "profit_factor": _ratio(float(wins.sum()), abs(float(losses.sum())))
        if len(pnl)
        else math.nan,
        "expectancy": float(pnl.mean()) if len(pnl) else math.nan,
        "expectancy_return": float(ordered["return"].mean()) if len(pnl) else math.nan,
        "sqn": sqn(pnl),
        "edge_ratio": edge_ratio(ordered),
        "largest_win": float(wins.max()) if len(wins) else math.nan,
        "largest_loss": float(losses.min()) if len(losses) else math.nan,
        "max_win_streak": win_streak,
        "max_loss_streak": loss_streak,
        "avg_duration": durations.mean() if len(durations) else pd.NaT,
        "avg_duration_bars": float(bars_held.astype(np.float64).mean())
        if len(bars_held)
        else math.nan,
        "total_gross_pnl": float(_floats(ordered["gross_pnl"]).sum()),
        "total_commission": float(_floats(ordered["commission"]).sum()),
        "total_net_pnl": float(pnl.sum()),
    }


def _closed(trades: pd.DataFrame, include_open: bool) -> pd.DataFrame:
    if "net_pnl" not in trades.columns:
        raise DataNotFound(
            "this is not a trades frame (no 'net_pnl' column); build it with round_trips()",
            context={"columns": list(trades.columns)},
        )
    return trades if include_open else trades[~trades["is_open"].astype(bool)]


def trade_summary(
    trades: pd.DataFrame | BacktestResult, *, include_open: bool = False
) -> pd.DataFrame:
    """`SUMMARY_ROWS` for all trades, longs and shorts: index = statistic, columns all/long/short.

    ``trades`` is a round-trip frame or a `BacktestResult` (its ``trades``). Open
    trades (valued at their mark) are left out unless ``include_open``.
    """
    if isinstance(trades, BacktestResult):
        trades = trades.trades
    chosen = _closed(trades, include_open)
    data = {
        "all": summarize(chosen),
        "long": summarize(chosen[chosen["direction"] == "long"]),
        "short": summarize(chosen[chosen["direction"] == "short"]),
    }
    return pd.DataFrame(data, index=list(SUMMARY_ROWS), dtype=object)


def trade_summary_by_symbol(
    trades: pd.DataFrame | BacktestResult, *, include_open: bool = False
) -> pd.DataFrame:
    """`SUMMARY_ROWS` per symbol: one row per symbol (sorted), one column per statistic."""
    if isinstance(trades, BacktestResult):
        trades = trades.trades
    chosen = _closed(trades, include_open)
    rows = {str(symbol): summarize(group) for symbol, group in chosen.groupby("symbol")}
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(SUMMARY_ROWS))
