"""The short text summary printed after a run."""

from __future__ import annotations

import math

from rustybt.analytics.metrics import performance_metrics
from rustybt.engine.result import BacktestResult

__all__ = ["summary_lines"]


def _pct(value: float | None) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:+.2%}"


def _plain_pct(value: float | None) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.2%}"


def _num(value: float | None) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.2f}"


def summary_lines(result: BacktestResult) -> list[str]:
    metrics = performance_metrics(result.returns, result.benchmark_returns)
    trades = result.trades
    closed = trades[~trades["is_open"]] if "is_open" in trades else trades
    meta = result.metadata
    lines = [
        f"strategy        {meta.get('strategy')}  ({meta.get('frequency')} bars, "
        f"{len(result.perf)} sessions, {len(meta.get('assets', []))} assets)",  # type: ignore[arg-type]  # metadata values are JSON objects
        f"period          {result.perf.index[0].date()} to {result.perf.index[-1].date()}",
        f"capital         {float(str(meta.get('capital'))):,.2f}",
        f"final equity    {result.final_equity:,.2f}",
        f"total return    {_pct(metrics.total_return)}   CAGR {_pct(metrics.cagr)}",
        f"volatility      {_plain_pct(metrics.annual_volatility)}   "
        f"Sharpe {_num(metrics.sharpe_ratio)}   Sortino {_num(metrics.sortino_ratio)}",
        f"max drawdown    {_plain_pct(metrics.max_drawdown)}",
        f"orders / fills  {len(result.orders)} / {len(result.transactions)}",
        f"round trips     {len(closed)} closed, {len(trades) - len(closed)} open",
        f"commissions     {result.ledger['commissions']:,.2f}",
        # Every run says which cost model it used: zero costs flatter any strategy.
        f"cost model      commission {meta.get('commission_model')}, "
        f"slippage {meta.get('slippage_model')}",
    ]
    if metrics.alpha is not None:
        lines.append(
            f"vs benchmark    alpha {_pct(metrics.alpha)}  beta {_num(metrics.beta)}  "
            f"correlation {_num(metrics.correlation)}"
        )
    return lines
