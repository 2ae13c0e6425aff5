"""Tables for reading: prices to the asset's tick, money to the cent, exact data kept."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from rustybt import BacktestResult, FunctionStrategy, run_backtest
from rustybt.engine.display import display_table, price_decimals
from rustybt.errors import ConfigError
from tests.engine.helpers import make_panel


def test_price_decimals_are_the_tick_seen_in_the_data() -> None:
    ticks = price_decimals(
        {"BTC": [9431.75, 9425.3], "AOS": [23.595, 24.445], "ONE": [5.0], "SHIB": [1.2345678e-05]}
    )
    assert ticks == {"BTC": 2, "AOS": 3, "ONE": 2, "SHIB": 8}


def test_display_rounds_a_copy_and_keeps_the_exact_values() -> None:
    exact = Decimal("9412.565555555555555555555555555556")
    frame = pd.DataFrame(
        {
            "symbol": ["BTC", "AOS"],
            "entry_price": [exact, Decimal("23.59549999")],
            "net_pnl": [Decimal("-476.996850"), Decimal("0.005")],
            "quantity": [Decimal("10"), Decimal("1.50000000")],
            "mae_pct": [0.0065412345, 0.1],
        }
    )
    shown = display_table(frame, {"BTC": 2, "AOS": 3})
    assert list(shown["entry_price"]) == [Decimal("9412.57"), Decimal("23.595")]
    assert list(shown["net_pnl"]) == [Decimal("-477.00"), Decimal("0.00")]  # half to even
    assert [str(q) for q in shown["quantity"]] == ["10", "1.5"]
    assert shown["mae_pct"].iloc[0] == 0.0065412345  # a ratio, not money: untouched
    assert frame["entry_price"].iloc[0] == exact  # the data itself is unchanged
    assert "9412.57" in shown.to_string()
    assert "9412.5655" not in shown.to_string()


def test_result_display_uses_each_assets_tick() -> None:
    def initialize(context: object) -> None:
        context.bought = False  # type: ignore[attr-defined]

    def handle_data(context: object, data: object) -> None:
        if not context.bought:  # type: ignore[attr-defined]
            context.order("A", 3)  # type: ignore[attr-defined]
            context.bought = True  # type: ignore[attr-defined]

    panel = make_panel(open=[10.0, 10.125, 10.5, 11.0], close=[10.0, 10.125, 10.5, 11.0])
    result = run_backtest(
        FunctionStrategy(initialize=initialize, handle_data=handle_data), panel, capital=1000
    )
    assert isinstance(result, BacktestResult)
    trades = result.display("trades")
    assert trades["entry_price"].iloc[0] == Decimal("10.125")  # 3-decimal tick in the bars
    perf = result.display("perf")
    assert np.allclose(perf["portfolio_value"], np.round(result.perf["portfolio_value"], 2))
    with pytest.raises(ConfigError, match="no table 'fills'"):
        result.display("fills")
