"""Round trips (FIFO, exact Decimal PnL, MAE/MFE) and the analyses built on them.

Start with `round_trips(transactions, bars)`; every other function takes the
trades frame it returns (plus the fills or bars where a function needs them).
"""

from __future__ import annotations

from rustybt.analytics.trades.clustering import (
    asset_concentration,
    inter_arrival_stats,
    trades_per_period,
)
from rustybt.analytics.trades.costs import commission_impact, slippage_analysis, slippage_summary
from rustybt.analytics.trades.distributions import (
    Distribution,
    holding_period_distribution,
    pnl_distribution,
)
from rustybt.analytics.trades.mae_analysis import (
    StopAnalysis,
    excursion_buckets,
    mae_stop_analysis,
)
from rustybt.analytics.trades.quality import fill_quality, trade_quality
from rustybt.analytics.trades.summary import (
    edge_ratio,
    sqn,
    trade_summary,
    trade_summary_by_symbol,
)
from rustybt.engine.roundtrips.builder import (
    LEG_COLUMNS,
    TRADE_COLUMNS,
    TradeMatch,
    match_fills,
    pnl_identity_gap,
    round_trips,
    trade_log,
)

__all__ = [
    "LEG_COLUMNS",
    "TRADE_COLUMNS",
    "Distribution",
    "StopAnalysis",
    "TradeMatch",
    "asset_concentration",
    "commission_impact",
    "edge_ratio",
    "excursion_buckets",
    "fill_quality",
    "holding_period_distribution",
    "inter_arrival_stats",
    "mae_stop_analysis",
    "match_fills",
    "pnl_distribution",
    "pnl_identity_gap",
    "round_trips",
    "slippage_analysis",
    "slippage_summary",
    "sqn",
    "trade_log",
    "trade_quality",
    "trade_summary",
    "trade_summary_by_symbol",
    "trades_per_period",
]
