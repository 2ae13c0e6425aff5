"""Historical stress tests: today's portfolio through yesterday's crises.

The current (last) positions are pushed through each dated window of
`rustybt.analytics.risk.scenarios` by their *measured* exposures:

* index version: ``P&L = sum_i value_i * beta_i * R_index`` with ``R_index`` the
  compounded index return over the window and ``beta_i`` each position's beta
  estimated over the backtest's history (`estimate_betas`);
* factor version: ``P&L = sum_i value_i * sum_k b_ik * F_k`` with ``F_k`` each
  factor's compounded return over the window (e.g. Fama-French Mkt-RF, SMB,
  HML, Mom) and ``b_ik`` the position's loadings (`estimate_loadings`).

A position with no measured exposure (NaN, too little history) is given beta 1
on the index and 0 on other factors; ``assumed`` counts them. When the
strategy's own returns cover the whole window, ``strategy_return`` is what it
actually did then (compounded), next to what the exposures predict.
P&L follows the package sign convention: a loss is negative.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rustybt.analytics.risk.inputs import as_dates
from rustybt.analytics.risk.scenarios import HISTORICAL_SCENARIOS, HistoricalScenario
from rustybt.errors import ConfigError, DataNotFound

__all__ = ["StressResult", "factor_stress_test", "stress_test", "window_move"]


@dataclass(frozen=True)
class StressResult:
    """Stress test output.

    Attributes:
        table: one row per scenario: start, end, sessions, market_return (index
            or the first factor), market_max_drawdown, pnl, return (pnl /
            portfolio value), strategy_return (NaN when not covered), assumed.
        by_position: position x scenario P&L (currency).
    """

    table: pd.DataFrame
    by_position: pd.DataFrame


def _dated(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out.index = as_dates(out.index)
    return out


def window_move(
    returns: pd.Series[float], scenario: HistoricalScenario
) -> tuple[float, float, int]:
    """(compounded return, maximum drawdown, sessions) of ``returns`` inside the window.

    Formula: ``R = prod(1 + r_t) - 1`` over sessions ``start <= t <= end``;
    the drawdown is the worst fall of the compounded path from its running peak,
    the path starting at 1 before the first session. NaN when no session falls
    inside the window.
    """
    start, end = scenario.window
    dates = as_dates(returns.index)
    inside = (dates >= start) & (dates <= end)
    values = returns.to_numpy(dtype=np.float64)[inside]
    values = values[~np.isnan(values)]
    if values.shape[0] == 0:
        return float("nan"), float("nan"), 0
    path = np.concatenate(([1.0], np.cumprod(1.0 + values)))
    drawdown = float(np.min(path / np.maximum.accumulate(path) - 1.0))
    return float(path[-1] - 1.0), drawdown, int(values.shape[0])


def _covers(returns: pd.Series[float] | None, scenario: HistoricalScenario) -> bool:
    if returns is None or returns.empty:
        return False
    start, end = scenario.window
    dates = as_dates(returns.index)
    return bool(dates[0] <= start and dates[-1] >= end)


def _positions(positions: Mapping[str, float] | pd.Series[float]) -> pd.Series[float]:
    held = pd.Series(dict(positions), dtype=np.float64)
    if held.empty:
        raise DataNotFound("no positions to stress", hint="pass positions={'AAPL': 10_000, ...}")
    return held


def _run(
    held: pd.Series[float],
    loadings: pd.DataFrame,
    factor_returns: pd.DataFrame,
    scenarios: Sequence[HistoricalScenario],
    portfolio_value: float,
    strategy_returns: pd.Series[float] | None,
    fallback: Mapping[str, float],
) -> StressResult:
    factors = list(factor_returns.columns)
    exposure = loadings.reindex(index=held.index, columns=factors).astype(np.float64)
    missing = exposure.isna().any(axis=1)
    exposure = exposure.fillna(pd.Series(fallback, dtype=np.float64).reindex(factors).fillna(0.0))
    rows = []
    by_position = {}
    for scenario in scenarios:
        moves = {name: window_move(factor_returns[name], scenario) for name in factors}
        first = moves[factors[0]]
        shocks = np.array([moves[name][0] for name in factors])
        pnl_each = held.to_numpy() * (exposure.to_numpy() @ shocks)
        pnl = float(pnl_each.sum()) if first[2] else float("nan")
        actual = (
            window_move(strategy_returns, scenario)[0]
            if strategy_returns is not None and _covers(strategy_returns, scenario)
            else float("nan")
        )
        rows.append(
            {
                "scenario": scenario.name,
                "start": scenario.start,
                "end": scenario.end,
                "sessions": first[2],
                "market_return": first[0],
                "market_max_drawdown": first[1],
                "pnl": pnl,
                "return": pnl / portfolio_value,
                "strategy_return": actual,
                "assumed": int(missing.sum()),
            }
        )
        by_position[scenario.name] = pnl_each
    table = pd.DataFrame(rows).set_index("scenario")
    return StressResult(table, pd.DataFrame(by_position, index=held.index))


def stress_test(
    positions: Mapping[str, float] | pd.Series[float],
    betas: Mapping[str, float] | pd.Series[float],
    index_returns: pd.Series[float],
    *,
    scenarios: Sequence[HistoricalScenario] = HISTORICAL_SCENARIOS,
    portfolio_value: float | None = None,
    strategy_returns: pd.Series[float] | None = None,
) -> StressResult:
    """Replay historical windows on the positions through their index betas.

    Args:
        positions: symbol -> signed market value (currency).
        betas: symbol -> beta to the index (e.g. ``estimate_betas(...)["beta"]``).
        index_returns: daily index returns (``prices_to_returns(load_index_csv(...))``).
        scenarios: the windows (default: all shipped scenarios).
        portfolio_value: denominator of ``return``; default the gross position value.
        strategy_returns: the strategy's own returns, for ``strategy_return``.

    Formula: ``P&L = sum_i value_i * beta_i * (prod_window(1 + r_index) - 1)``.
    """
    held = _positions(positions)
    value = float(held.abs().sum()) if portfolio_value is None else float(portfolio_value)
    if value <= 0.0:
        raise ConfigError("portfolio_value must be positive", context={"portfolio_value": value})
    name = str(index_returns.name or "index")
    loadings = pd.Series(dict(betas), dtype=np.float64).rename(name).to_frame()
    factor_returns = _dated(index_returns.rename(name).to_frame())
    return _run(held, loadings, factor_returns, scenarios, value, strategy_returns, {name: 1.0})


def factor_stress_test(
    positions: Mapping[str, float] | pd.Series[float],
    loadings: pd.DataFrame,
    factor_returns: pd.DataFrame,
    *,
    scenarios: Sequence[HistoricalScenario] = HISTORICAL_SCENARIOS,
    portfolio_value: float | None = None,
    strategy_returns: pd.Series[float] | None = None,
    market_factor: str | None = None,
) -> StressResult:
    """Replay historical windows through factor loadings (e.g. Fama-French).

    Args:
        positions: symbol -> signed market value.
        loadings: symbol x factor loadings (``estimate_loadings``); extra
            columns such as ``alpha``/``r2``/``n`` are ignored.
        factor_returns: daily factor returns as fractions (``load_fama_french``);
            a factor missing on a date is read as 0 that day.
        market_factor: the factor reported as ``market_return`` and given a
            loading of 1 for unmeasured positions (default: the first column).

    Formula: ``P&L = sum_i value_i * sum_k b_ik * (prod_window(1 + f_k) - 1)``.
    """
    held = _positions(positions)
    value = float(held.abs().sum()) if portfolio_value is None else float(portfolio_value)
    if value <= 0.0:
        raise ConfigError("portfolio_value must be positive", context={"portfolio_value": value})
    factors = [c for c in factor_returns.columns if c in loadings.columns]
    if not factors:
        raise ConfigError(
            "loadings and factor returns share no factor",
            context={
                "loadings": list(loadings.columns)[:6],
                "factors": list(factor_returns.columns),
            },
        )
    market = factors[0] if market_factor is None else market_factor
    if market not in factors:
        raise ConfigError(
            "market_factor is not one of the factors", context={"market_factor": market}
        )
    ordered = [market, *[f for f in factors if f != market]]
    table = _dated(factor_returns[ordered]).fillna(0.0)
    return _run(held, loadings, table, scenarios, value, strategy_returns, {market: 1.0})
