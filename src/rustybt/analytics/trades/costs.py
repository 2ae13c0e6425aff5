"""What execution cost: slippage in basis points and commission against gross PnL.

Slippage is signed so that a positive number is a cost to the trader:

    slippage_bps = side · (price − reference) / reference · 10 000,  side = +1 buy, −1 sell

against ``reference_price`` (the execution model's pre-slippage price) and against
``decision_price`` (the close when the order was made: implementation shortfall,
which adds the delay between decision and fill to the slippage).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from rustybt.engine.roundtrips.inputs import normalize_transactions

__all__ = ["commission_impact", "slippage_analysis", "slippage_summary"]


def slippage_analysis(transactions: pd.DataFrame) -> pd.DataFrame:
    """Per fill (time order): side, price, reference and decision prices, bps costs.

    Columns: fill, timestamp, symbol, side, quantity (abs), notional, price,
    reference_price, decision_price, slippage_bps, shortfall_bps, slippage_cost
    (the fill's ``slippage`` column, currency). bps are NaN where the reference is
    missing or not positive.
    """
    fills = normalize_transactions(transactions)
    price = np.array([float(p) for p in fills["price"]], dtype=np.float64)
    quantity = np.array([float(q) for q in fills["quantity"]], dtype=np.float64)
    side = np.sign(quantity)
    reference = fills["reference_price"].to_numpy(np.float64)
    decision = fills["decision_price"].to_numpy(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        # "+ 0.0" turns the -0.0 of a costless sell into 0.0.
        slip = np.where(reference > 0, side * (price - reference) / reference * 1e4, np.nan) + 0.0
        shortfall = np.where(decision > 0, side * (price - decision) / decision * 1e4, np.nan) + 0.0
    return pd.DataFrame(
        {
            "fill": fills["fill"].to_numpy(np.int64),
            "timestamp": fills["timestamp"],
            "symbol": fills["symbol"],
            "side": np.where(side > 0, "buy", "sell"),
            "quantity": np.abs(quantity),
            "notional": np.abs(quantity) * price,
            "price": price,
            "reference_price": reference,
            "decision_price": decision,
            "slippage_bps": slip,
            "shortfall_bps": shortfall,
            "slippage_cost": np.array([float(s) for s in fills["slippage"]], dtype=np.float64),
        }
    )


def _weighted(values: pd.Series, weights: pd.Series) -> float:
    usable = values.notna() & (weights > 0)
    total = float(weights[usable].sum())
    return float((values[usable] * weights[usable]).sum() / total) if total > 0 else math.nan


def slippage_summary(transactions: pd.DataFrame) -> pd.DataFrame:
    """Slippage aggregated per (symbol, side) plus an ``("ALL", "all")`` row.

    Columns: fills, notional, mean_slippage_bps, notional_weighted_slippage_bps,
    mean_shortfall_bps, notional_weighted_shortfall_bps, slippage_cost (currency).
    """
    per_fill = slippage_analysis(transactions)
    groups = [((str(s), str(d)), g) for (s, d), g in per_fill.groupby(["symbol", "side"])]
    groups.append((("ALL", "all"), per_fill))
    rows = {}
    for key, group in groups:
        rows[key] = {
            "fills": len(group),
            "notional": float(group["notional"].sum()),
            "mean_slippage_bps": float(group["slippage_bps"].mean()),
            "notional_weighted_slippage_bps": _weighted(group["slippage_bps"], group["notional"]),
            "mean_shortfall_bps": float(group["shortfall_bps"].mean()),
            "notional_weighted_shortfall_bps": _weighted(group["shortfall_bps"], group["notional"]),
            "slippage_cost": float(group["slippage_cost"].sum()),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index = pd.MultiIndex.from_tuples(list(rows), names=["symbol", "side"])
    return out


def commission_impact(trades: pd.DataFrame, *, include_open: bool = False) -> pd.Series:
    """How much of the gross result the costs took.

    * gross_return = Σ gross_pnl / Σ entry_notional, net_return likewise with net_pnl
      (aggregate returns on capital traded); mean_gross_return / mean_net_return
      average the per-trade returns.
    * commission_share_of_gross_profit = Σ commission / Σ gross_pnl when Σ gross_pnl
      > 0 (NaN otherwise); slippage_share_of_gross_profit likewise with slippage
      (already inside the fill prices, so shown for scale only).
    * winners_turned_losers: trades with gross_pnl > 0 but net_pnl <= 0.
    """
    chosen = trades if include_open else trades[~trades["is_open"].astype(bool)]

    def total(name: str) -> float:
        return float(sum((float(v) for v in chosen[name]), 0.0))

    gross, net = total("gross_pnl"), total("net_pnl")
    commission, slippage, notional = total("commission"), total("slippage"), total("entry_notional")
    gross_each = np.array([float(v) for v in chosen["gross_pnl"]], dtype=np.float64)
    net_each = np.array([float(v) for v in chosen["net_pnl"]], dtype=np.float64)
    notional_each = np.array([float(v) for v in chosen["entry_notional"]], dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        gross_returns = gross_each / notional_each
    return pd.Series(
        {
            "trades": float(len(chosen)),
            "gross_pnl": gross,
            "commission": commission,
            "slippage": slippage,
            "net_pnl": net,
            "gross_return": gross / notional if notional else math.nan,
            "net_return": net / notional if notional else math.nan,
            "mean_gross_return": float(np.mean(gross_returns)) if len(chosen) else math.nan,
            "mean_net_return": float(chosen["return"].mean()) if len(chosen) else math.nan,
            "commission_share_of_gross_profit": commission / gross if gross > 0 else math.nan,
            "slippage_share_of_gross_profit": slippage / gross if gross > 0 else math.nan,
            "winners_turned_losers": float(((gross_each > 0) & (net_each <= 0)).sum()),
        },
        dtype=np.float64,
    )
