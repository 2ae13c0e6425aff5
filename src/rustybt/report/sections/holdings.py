"""Sections that need a result's fills and holdings: trade statistics and positions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rustybt.report.display import thin, thin_frame
from rustybt.report.inputs import ReportInputs
from rustybt.report.model import Chart, Item, Note, Section, Table, ValueFormat
from rustybt.report.sections.common import Omitted, require_result

__all__ = ["TOP_HOLDINGS", "exposure_frame", "positions_section", "trades_section", "turnover"]

TOP_HOLDINGS = 10

_TRADE_FORMATS: dict[str, ValueFormat] = {
    "trades": "int",
    "winners": "int",
    "losers": "int",
    "win_rate": "pct",
    "avg_win": "money",
    "avg_loss": "money",
    "expectancy": "money",
    "expectancy_return": "pct",
    "largest_win": "money",
    "largest_loss": "money",
    "max_win_streak": "int",
    "max_loss_streak": "int",
    "avg_duration": "days",
    "avg_duration_bars": "num",
    "total_gross_pnl": "money",
    "total_commission": "money",
    "total_net_pnl": "money",
}


def trades_section(inputs: ReportInputs) -> Section:
    from rustybt.analytics.trades import trade_summary

    require_result(inputs, "trade statistics")
    trades = inputs.trades
    if trades.empty:
        raise Omitted("the strategy made no trades")
    closed = trades[~trades["is_open"].astype(bool)]
    summary = trade_summary(trades)
    table = Table(
        "trade_summary", "Closed trades: all, long, short", summary, _TRADE_FORMATS, by_row=True
    )
    items: list[Item] = [table]
    if closed.empty:
        items.append(Note("No trade is closed yet: the statistics above are empty."))
    else:
        outcome = np.sign(closed["net_pnl"].astype(float).to_numpy())
        returns = closed["return"].astype(float).to_numpy()
        for key, column, title in (
            ("mae", "mae_pct", "Maximum adverse excursion (MAE) vs trade return"),
            ("mfe", "mfe_pct", "Maximum favourable excursion (MFE) vs trade return"),
        ):
            x = closed[column].astype(float).to_numpy()
            series = {
                label: pd.Series(returns[mask], index=x[mask])
                for label, mask in (("Winners", outcome > 0), ("Losers", outcome <= 0))
                if mask.any()
            }
            items.append(Chart(key, title, "scatter", series, x_format="pct"))
        days = pd.to_timedelta(closed["duration"]).dt.total_seconds() / 86_400.0
        items.append(
            Chart(
                "holding_periods",
                "Holding periods (days)",
                "histogram",
                values=days.astype(float).reset_index(drop=True),
                x_format="num",
                y_format="int",
            )
        )
    open_count = int(trades["is_open"].astype(bool).sum())
    items.append(
        Note(
            f"{len(closed)} closed and {open_count} open trade(s), matched FIFO from the fills; "
            "statistics use net PnL after commission; MAE and MFE are the worst and best "
            "price excursions while a trade was open, as a fraction of the entry price."
        )
    )
    return Section("trades", "Trade statistics", tuple(items))


def exposure_frame(inputs: ReportInputs) -> pd.DataFrame:
    """Sessions x symbols: market value over portfolio value (signed)."""
    assert inputs.result is not None
    positions = inputs.result.positions
    pv = inputs.result.perf["portfolio_value"].astype(float)
    table = positions.pivot_table(
        index="session", columns="symbol", values="market_value", aggfunc="sum"
    ).astype(float)
    table = table.reindex(pv.index).fillna(0.0)
    return table.div(pv.replace(0.0, np.nan), axis=0).fillna(0.0)


def turnover(inputs: ReportInputs) -> pd.Series:
    """Per session: traded notional (|quantity x price|) over that session's portfolio value."""
    assert inputs.result is not None
    fills = inputs.result.transactions
    perf = inputs.result.perf
    if fills.empty:
        return pd.Series(0.0, index=perf.index)
    notional = (fills["quantity"].astype(float) * fills["price"].astype(float)).abs()
    stamps = pd.DatetimeIndex(fills["timestamp"])
    sessions = stamps.tz_convert("UTC").normalize() if stamps.tz is not None else stamps.normalize()
    traded = notional.groupby(sessions.to_numpy()).sum()
    traded.index = pd.DatetimeIndex(traded.index).tz_localize(None).tz_localize("UTC")
    index = pd.DatetimeIndex(perf.index)
    aligned = traded.reindex(index.tz_convert("UTC").normalize()).fillna(0.0).to_numpy()
    value = perf["portfolio_value"].astype(float).to_numpy()
    return pd.Series(
        np.divide(aligned, value, out=np.zeros_like(aligned), where=value != 0), index=perf.index
    )


def positions_section(inputs: ReportInputs) -> Section:
    from rustybt.analytics.attribution.holdings import result_sectors

    require_result(inputs, "positions")
    assert inputs.result is not None
    result = inputs.result
    if result.positions.empty:
        raise Omitted("the strategy never held a position")
    weights = exposure_frame(inputs)
    sectors = result_sectors(result)
    held = weights.ne(0.0)
    top = weights.abs().mean().sort_values(ascending=False).head(TOP_HOLDINGS).index
    holdings = pd.DataFrame(
        {
            "sector": [sectors.get(str(s)) or "Unknown" for s in top],
            "average weight": weights[top].mean().to_numpy(),
            "largest weight": weights[top].abs().max().to_numpy(),
            "last weight": weights[top].iloc[-1].to_numpy(),
            "sessions held": held[top].sum().to_numpy(),
        },
        index=pd.Index([str(s) for s in top], name="symbol"),
    )
    perf = result.perf
    exposure = {
        "Long": perf["long_exposure"] / perf["portfolio_value"],
        "Short": perf["short_exposure"] / perf["portfolio_value"],
        "Gross": perf["gross_leverage"],
        "Net": perf["net_leverage"],
    }
    by_sector = (
        weights.T.groupby([sectors.get(str(s)) or "Unknown" for s in weights.columns]).sum().T
    )
    long_only = bool((by_sector >= -1e-12).all().all())
    shown = thin_frame(by_sector)
    sector_lines = {str(k): v for k, v in shown.items()}
    turn = turnover(inputs)
    ppy = inputs.periods_per_year
    end = pd.DataFrame(
        {"weight at the end": by_sector.iloc[-1], "average weight": by_sector.mean()}
    )
    end.index.name = "sector"
    turnover_table = pd.DataFrame(
        {"value": [float(turn.mean()), float(turn.mean() * ppy), float(turn.sum())]},
        index=pd.Index(["Average per period", "Annualised", "Total over the run"], name="turnover"),
    )
    items: list[Item] = [
        Table(
            "top_holdings",
            f"Top {len(top)} holdings by average absolute weight",
            holdings,
            {
                "sector": "text",
                "average weight": "pct",
                "largest weight": "pct",
                "last weight": "pct",
                "sessions held": "int",
            },
        ),
        Chart(
            "exposure",
            "Exposure (fraction of portfolio value)",
            "lines",
            {k: thin(v) for k, v in exposure.items()},
        ),
        Chart(
            "sector_exposure",
            "Net exposure by sector",
            "lines",
            sector_lines,
            stacked=long_only,
            height=3.4,
            legend_below=True,
        ),
        Table(
            "sector_exposure",
            "Sector exposure",
            end,
            {"weight at the end": "pct", "average weight": "pct"},
        ),
        Table(
            "turnover",
            "Turnover (traded notional / portfolio value)",
            turnover_table,
            dict.fromkeys(["value"], "pct"),
        ),
    ]
    return Section("positions", "Positions and exposure", tuple(items))
