"""Standard hypothetical stress scenarios on the final positions.

Historical windows (`stress`) only say something when the run covers them;
these what-ifs apply to any portfolio. Each is a `ShockScenario` run through
`run_scenarios` on the positions (signed market values), so a loss is negative
and a short gains when prices fall:

* **parallel**: every holding moves by the same return (``-10%``, ``-20%``,
  ``+10%``: a rally is the stress of a short book);
* **market through betas**: the market falls ``market_shock`` and each holding
  moves ``beta_i`` times that (only when betas are measured, e.g. against the
  benchmark);
* **sector**: one sector at a time falls ``sector_shock``, the rest unchanged
  (holdings with an unknown sector are never shocked by it);
* **volatility-scaled**: each holding falls ``sigmas`` times its own daily
  volatility (sample standard deviation of its returns, ``ddof=1``), so a
  calm utility and a volatile miner are stressed alike in their own terms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from rustybt.analytics.risk.scenario_analysis import ScenarioResult, ShockScenario, run_scenarios
from rustybt.errors import ConfigError

__all__ = ["PARALLEL_SHOCKS", "hypothetical_scenarios", "hypothetical_stress"]

#: The parallel moves applied to every holding.
PARALLEL_SHOCKS: tuple[float, ...] = (-0.10, -0.20, 0.10)


def _pct(value: float) -> str:
    return f"{value:+.0%}"


def hypothetical_scenarios(
    positions: pd.Series[float],
    *,
    sectors: Mapping[str, str] | None = None,
    asset_returns: pd.DataFrame | None = None,
    with_betas: bool = False,
    parallel: Sequence[float] = PARALLEL_SHOCKS,
    market_shock: float = -0.20,
    sector_shock: float = -0.20,
    sigmas: float = 3.0,
) -> list[ShockScenario]:
    """The standard what-ifs for these holdings (see the module docstring).

    Sectors are listed by their gross exposure, largest first. The
    volatility-scaled scenario needs ``asset_returns``; a holding with fewer than
    two returns is left unshocked in it.
    """
    if sigmas <= 0 or not np.isfinite(sigmas):
        raise ConfigError("sigmas must be a positive number (3 for a 3-sigma move)")
    symbols = [str(s) for s in positions.index]
    scenarios = [
        ShockScenario(f"every holding {_pct(move)}", assets=dict.fromkeys(symbols, move))
        for move in parallel
    ]
    if with_betas:
        scenarios.append(
            ShockScenario(f"market {_pct(market_shock)} through betas", market=market_shock)
        )
    known = {s: sectors[s] for s in symbols if sectors and sectors.get(s)}
    if known:
        gross = (
            positions.abs()
            .groupby(pd.Series(known))
            .sum()
            .sort_values(ascending=False, kind="stable")
        )
        scenarios.extend(
            ShockScenario(f"{sector} {_pct(sector_shock)}", sectors={str(sector): sector_shock})
            for sector in gross.index
        )
    if asset_returns is not None:
        held = asset_returns.reindex(columns=positions.index)
        volatility = held.std(ddof=1)
        moves = {
            str(symbol): max(-sigmas * float(vol), -0.99)  # a fall is at most -99%
            for symbol, vol in volatility.items()
            if np.isfinite(vol)
        }
        if moves:
            scenarios.append(ShockScenario(f"every holding -{sigmas:g} daily sigma", assets=moves))
    return scenarios


def hypothetical_stress(
    positions: Mapping[str, float] | pd.Series[float],
    *,
    portfolio_value: float,
    sectors: Mapping[str, str] | None = None,
    asset_returns: pd.DataFrame | None = None,
    betas: Mapping[str, float] | pd.Series[float] | None = None,
    parallel: Sequence[float] = PARALLEL_SHOCKS,
    market_shock: float = -0.20,
    sector_shock: float = -0.20,
    sigmas: float = 3.0,
) -> ScenarioResult:
    """Run `hypothetical_scenarios` on ``positions``.

    Args:
        positions: symbol -> signed market value at the end (currency).
        portfolio_value: the denominator of each scenario's ``return`` (equity, cash included).
        sectors: symbol -> sector, for the sector scenarios.
        asset_returns: time x symbol returns, for the volatility-scaled scenario.
        betas: symbol -> market beta, for the market scenario (missing betas: 1).

    Returns:
        A `ScenarioResult`: ``table`` has one row per scenario (``pnl``,
        ``return``, ``positions_shocked``, ``worst_position``, ``worst_pnl``).
    """
    held = pd.Series(dict(positions), dtype=np.float64)
    clean_betas = None
    if betas is not None:
        beta_series = pd.Series(dict(betas), dtype=np.float64)
        clean_betas = beta_series[np.isfinite(beta_series)]
    scenarios = hypothetical_scenarios(
        held,
        sectors=sectors,
        asset_returns=asset_returns,
        with_betas=clean_betas is not None and not clean_betas.empty,
        parallel=parallel,
        market_shock=market_shock,
        sector_shock=sector_shock,
        sigmas=sigmas,
    )
    return run_scenarios(
        scenarios, held, betas=clean_betas, sectors=sectors, portfolio_value=portfolio_value
    )
