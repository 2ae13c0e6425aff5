"""Independent check: the event loop's returns equal returns computed directly with numpy."""

from __future__ import annotations

from decimal import Decimal as D

import numpy as np

from rustybt import run_backtest
from rustybt.assets import Asset
from rustybt.data.bars import BarPanel
from tests.engine.helpers import Scripted, make_panel

CAPITAL = 10_000.0


def _random_closes(first: float, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    closes = first * np.cumprod(np.r_[1.0, 1 + rng.normal(0.0005, 0.02, n - 1)])
    return np.round(closes, 4)


def _panel(closes: np.ndarray, assets: tuple[Asset, ...]) -> BarPanel:
    rng = np.random.default_rng(1)
    opens = np.round(closes * (1 + rng.normal(0, 0.005, closes.shape)), 4)
    return make_panel(
        open=opens,
        high=np.maximum(opens, closes) * 1.01,
        low=np.minimum(opens, closes) * 0.99,
        close=closes,
        assets=assets,
    )


def test_always_in_returns_equal_close_to_close_returns() -> None:
    # 10000 / 125 = 80 units exactly: the cash is fully invested at the first close.
    closes = _random_closes(125.0, 250, seed=3)
    panel = _panel(closes, (Asset.crypto("A"),))
    script = Scripted([(0, "order_target_percent", ("A", 1.0), {})])
    result = run_backtest(
        script.strategy, panel, capital=CAPITAL, fill_at="close", volume_limit=None
    )
    assert list(result.transactions["quantity"]) == [D(80)]
    expected = np.r_[0.0, closes[1:] / closes[:-1] - 1.0]
    np.testing.assert_allclose(result.perf["returns"].to_numpy(), expected, rtol=0, atol=1e-12)
    # The exact ledger agrees with the float curve at the end.
    assert result.ledger["equity"] == D(80) * D(repr(float(closes[-1])))
    assert result.ledger["cash"] == 0


def test_buy_and_hold_of_two_assets_matches_a_direct_valuation() -> None:
    # 5000 / 125 = 40 and 5000 / 40 = 125 units: both halves invest exactly.
    closes = np.c_[_random_closes(125.0, 120, seed=5), _random_closes(40.0, 120, seed=6)]
    panel = _panel(closes, (Asset.crypto("A"), Asset.crypto("B")))
    script = Scripted(
        [(0, "order_value", ("A", 5000.0), {}), (0, "order_value", ("B", 5000.0), {})]
    )
    result = run_backtest(
        script.strategy, panel, capital=CAPITAL, fill_at="close", volume_limit=None
    )
    value = closes @ np.array([40.0, 125.0])
    np.testing.assert_allclose(result.perf["portfolio_value"].to_numpy(), value, rtol=1e-14, atol=0)
    expected = np.r_[0.0, value[1:] / value[:-1] - 1.0]
    np.testing.assert_allclose(result.perf["returns"].to_numpy(), expected, rtol=0, atol=1e-12)


def test_always_out_has_zero_returns() -> None:
    closes = _random_closes(50.0, 60, seed=9)
    result = run_backtest(Scripted([]).strategy, _panel(closes, (Asset("A"),)), capital=CAPITAL)
    assert (result.perf["returns"] == 0.0).all()
    assert (result.perf["portfolio_value"] == CAPITAL).all()
    assert result.ledger["equity"] == D(10_000)
