"""Second-round fast paths give what the general paths give: the one-asset history
window, and the positions table written as one float block."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rustybt import run_backtest
from rustybt.assets import Asset
from rustybt.data.synthetic import benchmark_panel
from rustybt.engine.data_portal import BarData
from rustybt.errors import LookaheadError
from tests.engine.helpers import Scripted, make_panel, order_at


@pytest.mark.parametrize("with_lookback", [False, True])
def test_one_asset_history_equals_the_general_path(with_lookback: bool) -> None:
    rng = np.random.default_rng(3)
    closes = 100 + rng.random((12, 2)).cumsum(axis=0)
    closes[4, 1] = np.nan  # "price" forward-fills it, "close" keeps it
    assets = (Asset("A"), Asset("B"))
    full = make_panel(open=closes, close=closes, assets=assets)
    lookback = full.select(end=full.index[2]) if with_lookback else None
    panel = full.select(start=full.index[3]) if with_lookback else full
    data = BarData(panel, lookback=lookback)
    for bar in range(len(panel)):
        data.bar = bar
        for asset in panel.assets:
            for field in ("close", "price", "volume"):
                for count in (1, 3, 5, len(full) + 2):
                    fast = data.history(asset, field, count)  # the panel's own object
                    general = data.history(asset.symbol, field, count)  # the general path
                    np.testing.assert_array_equal(fast, general)
                    assert not fast.flags.writeable
    data.bar = -1  # before the first bar: the lookback's last bar, else nothing
    if with_lookback:
        np.testing.assert_array_equal(data.history(panel.assets[0], "close", 3), closes[:3, 0])
    else:
        with pytest.raises(LookaheadError, match="no bar is visible"):
            data.history(panel.assets[0], "close", 1)


def test_positions_table_equals_the_plain_construction() -> None:
    panel = benchmark_panel(6, 40)
    calls = [
        order_at(bar, asset.symbol, (-1) ** i * (i + 1) * 10)
        for bar in (2, 9, 17)
        for i, asset in enumerate(panel.assets)
    ]
    result = run_backtest(Scripted(calls).strategy, panel, volume_limit=None)
    positions = result.positions
    assert len(positions) > 40
    rows = positions.to_dict("records")
    plain = pd.DataFrame(
        {
            "session": pd.DatetimeIndex([r["session"] for r in rows]),
            "symbol": [r["symbol"] for r in rows],
            "quantity": [r["quantity"] for r in rows],
            "last_price": [r["last_price"] for r in rows],
            "market_value": [r["quantity"] * r["last_price"] for r in rows],
            "cost_basis": [r["cost_basis"] for r in rows],
            "unrealized_pnl": [r["quantity"] * (r["last_price"] - r["cost_basis"]) for r in rows],
        }
    )
    pd.testing.assert_frame_equal(positions, plain, check_exact=True)
    assert positions["session"].dtype == result.perf.index.dtype
    assert set(positions["session"]) <= set(result.perf.index)
