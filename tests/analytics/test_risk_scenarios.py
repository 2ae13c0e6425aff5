"""What-if scenario analysis: known answers for asset, sector, market and factor shocks."""

from __future__ import annotations

import pandas as pd
import pytest

from rustybt.analytics.risk import ShockScenario, run_scenarios
from rustybt.errors import ConfigError, DataNotFound

POSITIONS = {"AAPL": 300_000.0, "MSFT": 200_000.0, "XOM": 100_000.0, "TLT": -50_000.0}
SECTORS = {"AAPL": "Technology", "MSFT": "Technology", "XOM": "Energy"}
BETAS = {"AAPL": 1.2, "MSFT": 1.1, "XOM": 0.8, "TLT": -0.2}


def test_market_and_sector_shocks_together() -> None:
    crash = ShockScenario("market -20%, tech -30%", market=-0.20, sectors={"Technology": -0.30})
    result = run_scenarios(
        [crash], POSITIONS, betas=BETAS, sectors=SECTORS, portfolio_value=1_000_000.0
    )
    # tech positions take -30%; XOM -20% * 0.8; TLT (short) -20% * -0.2 = +4% on -50k
    expected = 500_000 * -0.30 + 100_000 * -0.16 + -50_000 * 0.04
    row = result.table.loc["market -20%, tech -30%"]
    assert row["pnl"] == pytest.approx(expected, abs=1e-9)
    assert row["return"] == pytest.approx(expected / 1_000_000.0)
    assert row["worst_position"] == "AAPL"
    assert row["worst_pnl"] == pytest.approx(-90_000.0)
    assert row["positions_shocked"] == 4


def test_factor_shock_uses_measured_sensitivity_and_assets_override() -> None:
    loadings = pd.DataFrame({"rates": [-2.0, -1.5, 0.5, -17.0]}, index=list(POSITIONS))
    rates = ShockScenario("rates +2%", factors={"rates": 0.02})
    single = ShockScenario("AAPL -50%", assets={"AAPL": -0.5})
    result = run_scenarios([rates, single], POSITIONS, loadings=loadings)
    expected = 300_000 * -0.04 + 200_000 * -0.03 + 100_000 * 0.01 + -50_000 * -0.34
    assert result.table.loc["rates +2%", "pnl"] == pytest.approx(expected, abs=1e-9)
    assert result.table.loc["AAPL -50%", "pnl"] == pytest.approx(-150_000.0)
    assert result.table.loc["AAPL -50%", "positions_shocked"] == 1
    assert result.by_position.loc["TLT", "rates +2%"] == pytest.approx(17_000.0)
    # default denominator: gross position value 650k
    assert result.table.loc["AAPL -50%", "return"] == pytest.approx(-150_000 / 650_000)


def test_market_shock_without_betas_assumes_beta_one() -> None:
    result = run_scenarios([ShockScenario("down", market=-0.1)], {"A": 100.0, "B": -40.0})
    assert result.table.loc["down", "pnl"] == pytest.approx(-6.0)


def test_bad_scenarios() -> None:
    with pytest.raises(ConfigError, match="at least one shock"):
        ShockScenario("nothing")
    with pytest.raises(ConfigError, match="above -100%"):
        ShockScenario("impossible", market=-1.5)
    with pytest.raises(DataNotFound, match="sensitivity to factor 'rates'"):
        run_scenarios([ShockScenario("r", factors={"rates": 0.01})], POSITIONS)
