"""What-if scenarios: user-defined shocks to assets, sectors, the market or factors.

A `ShockScenario` such as "market -20%, tech -30%" or "rates +2%" gives each
position a shocked return, by the most specific rule that applies:

1. ``assets[symbol]`` when the symbol is shocked directly;
2. else ``sectors[sector]`` when its sector (``Asset.sector``) is shocked;
3. else ``market * beta_i + sum_k factors[k] * loading_ik``: the market shock
   through the position's beta (1 when no betas are given) plus each factor
   shock through the position's measured sensitivity to that factor.

"rates +2%" is ``factors={"rates": 0.02}`` with ``loadings["rates"]`` each
position's return per unit of the rate factor (estimate it with
`estimate_loadings` on a series of rate changes). The scenario's P&L is
``sum_i value_i * shocked_return_i``; a loss is negative.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rustybt.errors import ConfigError, DataNotFound

__all__ = ["ScenarioResult", "ShockScenario", "run_scenarios"]


@dataclass(frozen=True)
class ShockScenario:
    """A hypothetical move.

    Attributes:
        name: label in the results table.
        market: market return shock (``-0.20``), applied through each beta.
        factors: factor name -> shock, applied through each position's loading.
        sectors: sector -> return for every position in it (overrides market/factors).
        assets: symbol -> return (overrides everything else).
    """

    name: str
    market: float | None = None
    factors: Mapping[str, float] = field(default_factory=dict)
    sectors: Mapping[str, float] = field(default_factory=dict)
    assets: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        shocks = [*self.factors.values(), *self.sectors.values(), *self.assets.values()]
        if self.market is not None:
            shocks.append(self.market)
        if not shocks:
            raise ConfigError("a scenario needs at least one shock", context={"name": self.name})
        if any(not np.isfinite(s) or s < -1.0 for s in shocks if s is not None):
            raise ConfigError(
                "shocks are returns above -100% (-0.2 for -20%)",
                context={"name": self.name},
            )


@dataclass(frozen=True)
class ScenarioResult:
    """Scenario analysis output.

    Attributes:
        table: one row per scenario: pnl, return, shocked positions,
            worst position and its P&L.
        by_position: position x scenario P&L (currency).
    """

    table: pd.DataFrame
    by_position: pd.DataFrame


def _shocked_returns(
    scenario: ShockScenario,
    symbols: pd.Index,
    betas: pd.Series[float],
    loadings: pd.DataFrame | None,
    sectors: Mapping[str, str],
) -> tuple[np.ndarray[tuple[int], np.dtype[np.float64]], int]:
    shocked = np.zeros(len(symbols))
    if scenario.market is not None:
        shocked += scenario.market * betas.to_numpy()
    for factor, shock in scenario.factors.items():
        if loadings is None or factor not in loadings.columns:
            raise DataNotFound(
                f"no measured sensitivity to factor {factor!r}",
                context={"scenario": scenario.name, "factor": factor},
                hint="pass loadings= with a column per shocked factor (estimate_loadings)",
            )
        shocked += shock * loadings[factor].reindex(symbols).fillna(0.0).to_numpy()
    broad = scenario.market is not None or bool(scenario.factors)
    specific = 0
    for position, symbol in enumerate(symbols):
        if symbol in scenario.assets:
            shocked[position] = scenario.assets[symbol]
        elif sectors.get(symbol) in scenario.sectors:
            shocked[position] = scenario.sectors[sectors[symbol]]
        else:
            continue
        specific += 1
    touched = len(symbols) if broad else specific
    return shocked, touched


def run_scenarios(
    scenarios: Sequence[ShockScenario],
    positions: Mapping[str, float] | pd.Series[float],
    *,
    betas: Mapping[str, float] | pd.Series[float] | None = None,
    loadings: pd.DataFrame | None = None,
    sectors: Mapping[str, str] | None = None,
    portfolio_value: float | None = None,
) -> ScenarioResult:
    """Apply several shock scenarios to the positions at once.

    Args:
        scenarios: the what-ifs.
        positions: symbol -> signed market value (currency).
        betas: symbol -> market beta (missing: 1).
        loadings: symbol x factor sensitivities for factor shocks.
        sectors: symbol -> sector for sector shocks.
        portfolio_value: denominator of ``return``; default the gross position value.
    """
    held = pd.Series(dict(positions), dtype=np.float64)
    if held.empty:
        raise DataNotFound("no positions to shock", hint="pass positions={'AAPL': 10_000, ...}")
    if not scenarios:
        raise ConfigError("give at least one ShockScenario")
    value = float(held.abs().sum()) if portfolio_value is None else float(portfolio_value)
    beta = (
        pd.Series({} if betas is None else dict(betas), dtype=np.float64)
        .reindex(held.index)
        .fillna(1.0)
    )
    sector_of = dict(sectors or {})
    rows = []
    by_position = {}
    for scenario in scenarios:
        shocked, touched = _shocked_returns(scenario, held.index, beta, loadings, sector_of)
        pnl_each = held.to_numpy() * shocked
        worst = int(np.argmin(pnl_each))
        rows.append(
            {
                "scenario": scenario.name,
                "pnl": float(pnl_each.sum()),
                "return": float(pnl_each.sum()) / value,
                "positions_shocked": touched,
                "worst_position": str(held.index[worst]),
                "worst_pnl": float(pnl_each[worst]),
            }
        )
        by_position[scenario.name] = pnl_each
    return ScenarioResult(
        pd.DataFrame(rows).set_index("scenario"), pd.DataFrame(by_position, index=held.index)
    )
