"""Round trips built from the engine's fills (FIFO lots, exact Decimal PnL, MAE/MFE).

This is bookkeeping over fills and bars, so it lives with the engine and fills
``BacktestResult.trades``; the analyses of trades are in `rustybt.analytics.trades`.
"""

from __future__ import annotations

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
    "TradeMatch",
    "match_fills",
    "pnl_identity_gap",
    "round_trips",
    "trade_log",
]
