"""The numbers behind each figure, computed once for both backends.

matplotlib and plotly figures draw exactly these tables, so a static and an
interactive figure of the same input always show the same values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

from rustybt.analytics.metrics import (
    conditional_value_at_risk,
    cumulative_returns,
    monthly_returns_table,
    prepare_returns,
    value_at_risk,
)
from rustybt.analytics.plots._inputs import TradesSource, closed_trades, float_column
from rustybt.data.bars import FloatArray
from rustybt.errors import ConfigError

__all__ = [
    "MONTHS",
    "WEEKDAYS",
    "DistributionData",
    "Excursion",
    "HeatmapBy",
    "HeatmapValue",
    "PnlField",
    "distribution_data",
    "equity_lines",
    "excursion_points",
    "monthly_grid",
    "trade_heatmap_table",
]

Excursion: TypeAlias = Literal["mae", "mfe"]
PnlField: TypeAlias = Literal["net_pnl", "return"]
HeatmapBy: TypeAlias = Literal["asset_month", "weekday_hour"]
HeatmapValue: TypeAlias = Literal["count", "pnl"]

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def equity_lines(
    returns: pd.Series[float], benchmark: pd.Series[float] | None
) -> dict[str, pd.Series[float]]:
    """Cumulative return paths ``C_t = prod_{i<=t}(1 + r_i) - 1`` by line label.

    The benchmark is cut to the strategy's first and last dates, so both lines
    compound over the same window.
    """
    lines = {"Strategy": cumulative_returns(returns)}
    if benchmark is not None:
        strategy = lines["Strategy"]
        bench = prepare_returns(benchmark, 1.0)
        values = pd.Series(bench.values, index=bench.index)
        if len(strategy) and bench.index is not None:
            values = values[
                (values.index >= strategy.index[0]) & (values.index <= strategy.index[-1])
            ]
        lines["Benchmark"] = cumulative_returns(values)
    return lines


@dataclass(frozen=True, slots=True)
class DistributionData:
    """Returns with their normal fit and tail risk.

    Attributes:
        values: the returns after the NaN policy.
        mean, std: the normal fit (sample mean, ``ddof=1`` standard deviation).
        var, cvar: historical VaR and CVaR at ``cutoff`` (negative for a loss).
        cutoff: tail probability (0.05 is the 95% VaR).
    """

    values: FloatArray
    mean: float
    std: float
    var: float
    cvar: float
    cutoff: float

    def normal_pdf(self, x: FloatArray) -> FloatArray:
        """Density of the fitted normal: ``exp(-(x - m)^2 / 2s^2) / (s sqrt(2 pi))``."""
        if not self.std > 0.0:
            return np.full(x.shape, np.nan)
        z = (x - self.mean) / self.std
        density: FloatArray = np.exp(-0.5 * z * z) / (self.std * np.sqrt(2.0 * np.pi))
        return density


def distribution_data(returns: pd.Series[float], cutoff: float) -> DistributionData:
    """Everything the returns-distribution figure draws (VaR/CVaR as in metrics)."""
    values = prepare_returns(returns, 1.0).values
    var = value_at_risk(values, cutoff)
    cvar = conditional_value_at_risk(values, cutoff)
    mean = float(values.mean()) if values.shape[0] else float("nan")
    std = float(values.std(ddof=1)) if values.shape[0] > 1 else float("nan")
    return DistributionData(values, mean, std, var, cvar, cutoff)


def monthly_grid(returns: pd.Series[float]) -> pd.DataFrame:
    """Years x 12 months of compounded returns plus the ``Year`` column (NaN: no data)."""
    table = monthly_returns_table(returns)
    table.columns = pd.Index([*MONTHS, "Year"])
    return table


def excursion_points(
    trades: TradesSource, excursion: Excursion, pnl: PnlField = "net_pnl"
) -> pd.DataFrame:
    """Closed trades with a known excursion: ``x`` (MAE or MFE as a fraction of the
    entry price), ``y`` (net PnL or return) and ``outcome`` (winner/loser/flat).
    """
    if excursion not in ("mae", "mfe"):
        raise ConfigError("excursion must be 'mae' or 'mfe'", context={"excursion": excursion})
    if pnl not in ("net_pnl", "return"):
        raise ConfigError("pnl must be 'net_pnl' or 'return'", context={"pnl": pnl})
    column = f"{excursion}_pct"
    closed = closed_trades(trades, ("symbol", column, pnl))
    x = float_column(closed, column)
    y = float_column(closed, pnl)
    keep = np.isfinite(x) & np.isfinite(y)
    outcome = np.where(y > 0, "winner", np.where(y < 0, "loser", "flat"))
    return pd.DataFrame(
        {
            "symbol": closed["symbol"].astype(str).to_numpy()[keep],
            "x": x[keep],
            "y": y[keep],
            "outcome": outcome[keep],
        }
    )


def _entry_times(closed: pd.DataFrame, tz: str) -> pd.DatetimeIndex:
    times = pd.DatetimeIndex(closed["entry_time"])
    if times.tz is None:
        times = times.tz_localize("UTC")
    try:
        return times.tz_convert(tz)
    except (KeyError, ValueError) as exc:
        raise ConfigError(
            f"unknown time zone {tz!r}; use an IANA name such as 'America/New_York'",
            context={"tz": tz},
        ) from exc


def trade_heatmap_table(
    trades: TradesSource,
    *,
    by: HeatmapBy = "asset_month",
    value: HeatmapValue = "count",
    tz: str = "UTC",
) -> pd.DataFrame:
    """Closed trades tabulated by when they were entered.

    * ``by="asset_month"``: one row per symbol (sorted), one column per calendar
      month (``"2015-03"``) from the first to the last entry month.
    * ``by="weekday_hour"``: rows Mon..Fri (Sat/Sun only when a trade was entered
      then), columns the hours from the earliest to the latest entry hour.

    Times are the trades' ``entry_time`` in zone ``tz``. ``value="count"`` counts
    trades (0 where none); ``value="pnl"`` sums ``net_pnl`` (NaN where none).
    """
    if by not in ("asset_month", "weekday_hour"):
        raise ConfigError("by must be 'asset_month' or 'weekday_hour'", context={"by": by})
    if value not in ("count", "pnl"):
        raise ConfigError("value must be 'count' or 'pnl'", context={"value": value})
    closed = closed_trades(trades, ("symbol", "entry_time", "net_pnl"))
    times = _entry_times(closed, tz)
    if by == "asset_month":
        months = times.tz_localize(None).to_period("M")
        rows = np.asarray(closed["symbol"].astype(str).to_numpy(), dtype=object)
        columns = np.asarray(months.strftime("%Y-%m"), dtype=object)
        row_keys: list[object] = sorted(set(rows.tolist()))
        column_keys: list[object] = (
            list(pd.period_range(months.min(), months.max(), freq="M").strftime("%Y-%m"))
            if len(months)
            else []
        )
        names = ("symbol", "month")
    else:
        weekday = np.asarray(times.weekday, dtype=np.int64)
        hour = np.asarray(times.hour, dtype=np.int64)
        rows = np.array([WEEKDAYS[d] for d in weekday], dtype=object)
        columns = hour.astype(object)
        days = 7 if bool((weekday >= 5).any()) else 5
        row_keys = list(WEEKDAYS[:days])
        column_keys = list(range(int(hour.min()), int(hour.max()) + 1)) if len(hour) else []
        names = ("weekday", "hour")
    frame = pd.DataFrame({"row": rows, "column": columns, "pnl": float_column(closed, "net_pnl")})
    grouped = frame.groupby(["row", "column"])["pnl"]
    cells = grouped.size() if value == "count" else grouped.sum()
    table = cells.unstack().reindex(index=row_keys, columns=column_keys)
    table = table.fillna(0).astype(np.int64) if value == "count" else table.astype(np.float64)
    table.index.name = names[0]
    table.columns.name = names[1]
    return table
