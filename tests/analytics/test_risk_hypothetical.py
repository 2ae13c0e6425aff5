"""Hypothetical stress scenarios on final positions: known answers by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rustybt.analytics.risk import hypothetical_scenarios, hypothetical_stress
from rustybt.errors import ConfigError

POSITIONS = pd.Series({"A": 60_000.0, "B": -20_000.0, "C": 40_000.0})
SECTORS = {"A": "Tech", "B": "Tech", "C": "Energy"}


def _returns() -> pd.DataFrame:
    index = pd.bdate_range("2024-01-01", periods=4)
    return pd.DataFrame(
        {
            "A": [0.01, -0.01, 0.01, -0.01],  # sample std sqrt(4e-4 / 3)
            "B": [0.02, 0.0, 0.02, 0.0],  # sample std sqrt(4e-4 / 3)
            "C": [0.0, 0.0, 0.0, 0.03],  # sample std 0.015
        },
        index=index,
    )


def test_every_scenario_by_hand() -> None:
    result = hypothetical_stress(
        POSITIONS,
        portfolio_value=100_000.0,
        sectors=SECTORS,
        asset_returns=_returns(),
        betas={"A": 1.5, "B": 0.5, "C": 1.0},
    )
    table = result.table
    assert list(table.index) == [
        "every holding -10%",
        "every holding -20%",
        "every holding +10%",
        "market -20% through betas",
        "Tech -20%",  # gross 80,000: listed before Energy (40,000)
        "Energy -20%",
        "every holding -3 daily sigma",
    ]
    pnl = table["pnl"]
    assert pnl["every holding -10%"] == pytest.approx(-0.10 * 80_000.0, abs=1e-9)
    assert pnl["every holding -20%"] == pytest.approx(-16_000.0, abs=1e-9)
    assert pnl["every holding +10%"] == pytest.approx(8_000.0, abs=1e-9)
    # -20% x (1.5 x 60,000 + 0.5 x -20,000 + 1.0 x 40,000) = -0.2 x 120,000
    assert pnl["market -20% through betas"] == pytest.approx(-24_000.0, abs=1e-9)
    assert pnl["Tech -20%"] == pytest.approx(-12_000.0 + 4_000.0, abs=1e-9)
    assert pnl["Energy -20%"] == pytest.approx(-8_000.0, abs=1e-9)
    small = np.sqrt(4e-4 / 3)
    expected = -3 * (small * 60_000.0 + small * -20_000.0 + 0.015 * 40_000.0)
    assert pnl["every holding -3 daily sigma"] == pytest.approx(expected, rel=1e-12)
    assert table.loc["every holding -10%", "return"] == pytest.approx(-0.08, abs=1e-15)
    assert table.loc["Tech -20%", "positions_shocked"] == 2
    assert table.loc["Energy -20%", "positions_shocked"] == 1
    assert table.loc["every holding -10%", "worst_position"] == "A"
    assert table.loc["every holding +10%", "worst_position"] == "B"  # the short loses in a rally
    assert table.loc["every holding +10%", "worst_pnl"] == pytest.approx(-2_000.0, abs=1e-9)
    # each scenario's P&L is the sum of its positions' P&L
    np.testing.assert_allclose(result.by_position.sum().to_numpy(), pnl.to_numpy(), rtol=1e-12)


def test_without_betas_sectors_or_returns_only_parallel_moves() -> None:
    result = hypothetical_stress(POSITIONS, portfolio_value=200_000.0)
    assert list(result.table.index) == [
        "every holding -10%",
        "every holding -20%",
        "every holding +10%",
    ]
    assert result.table["return"].iloc[0] == pytest.approx(-8_000.0 / 200_000.0, abs=1e-15)


def test_volatility_shock_is_capped_and_checked() -> None:
    wild = pd.DataFrame({"A": [0.9, -0.9, 0.9, -0.9]})
    (scenario,) = hypothetical_scenarios(POSITIONS[["A"]], asset_returns=wild, parallel=())
    assert scenario.assets == {"A": -0.99}  # never a fall beyond -100%
    with pytest.raises(ConfigError, match="sigmas must be a positive number"):
        hypothetical_scenarios(POSITIONS, sigmas=0.0)
