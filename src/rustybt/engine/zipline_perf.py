"""`BacktestResult` as zipline's perf DataFrame: what ``run_algorithm`` returns and
what a zipline-style ``analyze(context, perf)`` receives.

One row per session (index: the session label, UTC midnight; zipline labels rows
with the session's close time, which pyfolio normalizes to the same date) with
zipline's columns: the account (``portfolio_value``, ``cash`` as ``ending_cash``,
``starting_cash``, ``capital_used``, ``pnl``, ``returns``, long/short values and
counts, leverage), per-session lists of ``positions``, ``transactions`` and
``orders`` as zipline's dicts (``sid`` is the `Asset`), the cumulative risk
metrics zipline computes every session (``algorithm_period_return``,
``benchmark_period_return``, ``algo_volatility``, ``sharpe``, ``sortino``,
``max_drawdown``, ``alpha``, ``beta``, ...) and the recorded variables, each
carried forward from the session it was last recorded in, as zipline does.

Orders appear on the sessions they were placed, filled in, or closed, showing
their final state (zipline shows the state at each of those sessions).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rustybt.assets import Asset
from rustybt.engine.performance import PERF_COLUMNS

if TYPE_CHECKING:
    from rustybt.engine.result import BacktestResult

__all__ = ["ZIPLINE_COLUMNS", "to_zipline_perf"]

_ANNUAL = 252  # trading days per year, empyrical's default for daily returns

ZIPLINE_COLUMNS: tuple[str, ...] = (
    "period_open",
    "period_close",
    "starting_cash",
    "ending_cash",
    "starting_value",
    "ending_value",
    "starting_exposure",
    "ending_exposure",
    "portfolio_value",
    "returns",
    "pnl",
    "capital_used",
    "long_value",
    "short_value",
    "long_exposure",
    "short_exposure",
    "longs_count",
    "shorts_count",
    "gross_leverage",
    "net_leverage",
    "positions",
    "transactions",
    "orders",
    "algorithm_period_return",
    "benchmark_period_return",
    "algo_volatility",
    "benchmark_volatility",
    "sharpe",
    "sortino",
    "max_drawdown",
    "max_leverage",
    "alpha",
    "beta",
    "excess_return",
    "treasury_period_return",
    "trading_days",
    "period_label",
)


def _finite_or_none(values: pd.Series) -> pd.Series:
    """zipline reports a statistic that is not finite yet (day one) as None, which
    its DataFrame holds as NaN."""
    return values.where(np.isfinite(values))


def _risk_columns(returns: pd.Series, benchmark: pd.Series | None) -> dict[str, object]:
    """zipline's cumulative risk metrics, each over the sessions up to that row
    (empyrical's formulas, risk-free rate 0, 252 periods a year)."""
    grown = (1.0 + returns).cumprod()
    root = np.sqrt(_ANNUAL)
    std = returns.expanding().std(ddof=1)
    downside = np.sqrt((returns.clip(upper=0.0) ** 2).expanding().mean()) * root
    columns: dict[str, object] = {
        "algorithm_period_return": grown - 1.0,
        "algo_volatility": _finite_or_none(std * root),
        "sharpe": _finite_or_none(returns.expanding().mean() / std * root),
        "sortino": _finite_or_none(returns.expanding().mean() * _ANNUAL / downside),
        "max_drawdown": (grown / grown.cummax().clip(lower=1.0) - 1.0).clip(upper=0.0).cummin(),
    }
    if benchmark is None:
        columns.update(
            benchmark_period_return=0.0, benchmark_volatility=np.nan, alpha=np.nan, beta=np.nan
        )
        return columns
    bench = benchmark.fillna(0.0)
    columns["benchmark_period_return"] = (1.0 + bench).cumprod() - 1.0
    columns["benchmark_volatility"] = _finite_or_none(bench.expanding().std(ddof=1) * root)
    beta = returns.expanding().cov(bench) / bench.expanding().var()
    # empyrical: alpha = (mean(r - beta * b) + 1) ** 252 - 1, with beta over the same window.
    mean_excess = returns.expanding().mean() - beta * bench.expanding().mean()
    columns["beta"] = _finite_or_none(beta)
    columns["alpha"] = _finite_or_none((mean_excess + 1.0) ** _ANNUAL - 1.0)
    return columns


def _assets_by_symbol(result: BacktestResult) -> dict[str, Asset]:
    known = {} if result.bars is None else {a.symbol: a for a in result.bars.assets}
    return known


def _per_session(
    frame: pd.DataFrame, sessions: pd.DatetimeIndex, when: pd.Series, rows: list[dict[str, object]]
) -> list[list[dict[str, object]]]:
    """``rows`` grouped into one list per session (by the session of ``when``)."""
    out: list[list[dict[str, object]]] = [[] for _ in sessions]
    if not len(frame):
        return out
    days = pd.DatetimeIndex(when).tz_convert("UTC").normalize()
    slots = sessions.get_indexer(days)
    for slot, row in zip(slots, rows, strict=True):
        if slot >= 0:
            out[slot].append(row)
    return out


def to_zipline_perf(result: BacktestResult) -> pd.DataFrame:
    """zipline's perf DataFrame for ``result`` (see the module docstring)."""
    perf = result.perf
    sessions = pd.DatetimeIndex(perf.index)
    n = len(sessions)
    capital = float(str(result.metadata.get("capital", "nan")))
    assets = _assets_by_symbol(result)

    def asset(symbol: str) -> Asset:
        found = assets.get(symbol)
        if found is None:
            found = assets[symbol] = Asset(symbol)
        return found

    ending_cash = perf["cash"].to_numpy(dtype=float)
    ending_value = perf["positions_value"].to_numpy(dtype=float)
    starting_cash = np.r_[capital, ending_cash[:-1]]
    starting_value = np.r_[0.0, ending_value[:-1]]

    positions = result.positions
    holdings: list[list[dict[str, object]]] = [[] for _ in sessions]
    longs = np.zeros(n, dtype=np.int64)
    shorts = np.zeros(n, dtype=np.int64)
    if len(positions):
        slots = sessions.get_indexer(pd.DatetimeIndex(positions["session"]))
        for slot, symbol, quantity, price, basis in zip(
            slots,
            positions["symbol"],
            positions["quantity"],
            positions["last_price"],
            positions["cost_basis"],
            strict=True,
        ):
            amount = float(quantity)
            holdings[slot].append(
                {
                    "sid": asset(symbol),
                    "amount": int(amount) if amount.is_integer() else amount,
                    "cost_basis": float(basis),
                    "last_sale_price": float(price),
                }
            )
            if amount > 0:
                longs[slot] += 1
            elif amount < 0:
                shorts[slot] += 1

    fills = result.transactions
    fill_rows: list[dict[str, object]] = [
        {
            "amount": int(q) if q == int(q) else float(q),
            "dt": when,
            "price": float(price),
            "sid": asset(symbol),
            "order_id": order_id,
            "commission": float(commission),
        }
        for q, when, price, symbol, order_id, commission in zip(
            fills["quantity"],
            fills["timestamp"],
            fills["price"],
            fills["symbol"],
            fills["order_id"],
            fills["commission"],
            strict=True,
        )
    ]
    transactions = _per_session(fills, sessions, fills["timestamp"], fill_rows)
    orders = _order_lists(result, sessions, asset)

    returns = perf["returns"].astype(float)
    benchmark = result.benchmark_returns
    gross = perf["gross_leverage"].astype(float)
    frame = pd.DataFrame(
        {
            "period_open": sessions,
            "period_close": sessions,
            "starting_cash": starting_cash,
            "ending_cash": ending_cash,
            "starting_value": starting_value,
            "ending_value": ending_value,
            "starting_exposure": starting_value,
            "ending_exposure": ending_value,
            "portfolio_value": perf["portfolio_value"].to_numpy(dtype=float),
            "returns": returns.to_numpy(),
            "pnl": perf["pnl"].to_numpy(dtype=float),
            "capital_used": ending_cash - starting_cash,
            "long_value": perf["long_exposure"].to_numpy(dtype=float),
            "short_value": perf["short_exposure"].to_numpy(dtype=float),
            "long_exposure": perf["long_exposure"].to_numpy(dtype=float),
            "short_exposure": perf["short_exposure"].to_numpy(dtype=float),
            "longs_count": longs,
            "shorts_count": shorts,
            "gross_leverage": gross.to_numpy(),
            "net_leverage": perf["net_leverage"].to_numpy(dtype=float),
            "positions": holdings,
            "transactions": transactions,
            "orders": orders,
            **_risk_columns(returns, benchmark),
            "max_leverage": gross.cummax().to_numpy(),
            "excess_return": 0.0,
            "treasury_period_return": 0.0,
            "trading_days": np.arange(1, n + 1),
            "period_label": [s.strftime("%Y-%m") for s in sessions],
        },
        index=sessions,
        columns=list(ZIPLINE_COLUMNS),
    )
    recorded = [c for c in perf.columns if c not in PERF_COLUMNS]
    for name in recorded:
        frame[name] = perf[name].ffill().to_numpy()
    return frame


def _order_lists(
    result: BacktestResult, sessions: pd.DatetimeIndex, asset: Callable[[str], Asset]
) -> list[list[dict[str, object]]]:
    """Each order's zipline dict on every session it was placed, filled or closed in."""
    out: list[list[dict[str, object]]] = [[] for _ in sessions]
    orders = result.orders
    if not len(orders):
        return out
    fill_days: dict[str, set[int]] = {}
    fills = result.transactions
    if len(fills):
        slots = sessions.get_indexer(pd.DatetimeIndex(fills["timestamp"]).normalize())
        for order_id, slot in zip(fills["order_id"], slots, strict=True):
            fill_days.setdefault(str(order_id), set()).add(int(slot))
    slot_of = {session: slot for slot, session in enumerate(sessions)}
    for record in orders.to_dict("records"):
        created = pd.Timestamp(record["created"])
        closed = record["closed"]
        days = {slot_of.get(created.normalize(), -1)}
        if closed is not None and not pd.isna(closed):
            days.add(slot_of.get(pd.Timestamp(closed).normalize(), -1))
        days |= fill_days.get(str(record["order_id"]), set())
        quantity, filled = record["quantity"], record["filled"]
        entry = {
            "id": record["order_id"],
            "dt": closed if closed is not None and not pd.isna(closed) else created,
            "reason": record["reason"],
            "created": created,
            "amount": int(quantity) if quantity == int(quantity) else float(quantity),
            "filled": int(filled) if filled == int(filled) else float(filled),
            "commission": float(record["commission"]),
            "stop": None if record["stop_price"] is None else float(record["stop_price"]),
            "limit": None if record["limit_price"] is None else float(record["limit_price"]),
            "sid": asset(record["symbol"]),
            "status": record["status"],
        }
        for day in sorted(d for d in days if d >= 0):
            out[day].append(entry)
    return out
