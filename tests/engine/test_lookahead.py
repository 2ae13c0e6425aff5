"""No look-ahead: at bar t the strategy sees bars up to t, never t+1."""

from __future__ import annotations

from decimal import Decimal as D
from typing import cast

import numpy as np
import pandas as pd

from rustybt import FunctionStrategy, run_backtest
from rustybt.assets import Asset
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.data_portal import BarData
from tests.engine.helpers import Scripted, make_panel, order_at

N = 12
# Distinct values per field and bar, so any leaked future value is recognisable.
CLOSE = 100.0 + np.arange(N) * 1.25 + (np.arange(N) % 3) * 0.1
OPEN = CLOSE - 0.3
HIGH = CLOSE + 0.6
LOW = CLOSE - 0.9
VOLUME = 1000.0 + np.arange(N)
FIELDS = ["open", "high", "low", "close", "volume", "price"]


def _future_values(bar: int) -> set[float]:
    return {float(v) for array in (OPEN, HIGH, LOW, CLOSE, VOLUME) for v in array[bar + 1 :]}


def test_every_data_call_at_bar_t_returns_values_up_to_t_only() -> None:
    panel = make_panel(open=OPEN, high=HIGH, low=LOW, close=CLOSE, volume=VOLUME)
    checked: list[int] = []

    def handle_data(context: TradingContext, data: BarData) -> None:
        t = data.bar
        assert context.get_datetime() == panel.index[t]
        assert data.current("A", "close") == CLOSE[t]
        assert data.current("A", "price") == CLOSE[t]
        assert data.current("A", "open") == OPEN[t]
        closes = data.history("A", "close", N + 5)
        assert isinstance(closes, np.ndarray)
        assert closes[-1] == CLOSE[t]
        if t + 1 < N:
            assert CLOSE[t + 1] not in closes
        seen: set[float] = set()
        for field in FIELDS:
            window = data.history("A", field, N + 5)
            assert isinstance(window, np.ndarray)
            seen |= {float(v) for v in window if not np.isnan(v)}
        frame = data.history(["A"], FIELDS, N + 5)
        assert isinstance(frame, pd.DataFrame)
        assert frame.index[-1] == panel.index[t]
        seen |= {float(v) for v in frame.to_numpy().ravel() if not np.isnan(v)}
        assert not seen & _future_values(t)
        checked.append(t)

    run_backtest(FunctionStrategy(handle_data=handle_data), panel, capital=1000)
    assert checked == list(range(N))


def test_before_trading_start_sees_the_previous_bar() -> None:
    panel = make_panel(open=OPEN, high=HIGH, low=LOW, close=CLOSE, volume=VOLUME)
    seen: list[tuple[pd.Timestamp, float]] = []

    def before(context: TradingContext, data: BarData) -> None:
        seen.append((context.get_datetime(), cast(float, data.current("A", "close"))))
        window = data.history("A", "close", 2)
        assert isinstance(window, np.ndarray)
        assert window[-1] == seen[-1][1]

    run_backtest(
        FunctionStrategy(before_trading_start=before, handle_data=lambda c, d: None),
        panel,
        capital=1000,
    )
    # Called before sessions 1..N-1 (there is no bar before the first), with bar t-1.
    assert seen == [(panel.index[t - 1], CLOSE[t - 1]) for t in range(1, N)]


def test_a_strategy_that_needs_tomorrows_close_cannot_profit() -> None:
    # Zig-zag closes 100, 110, 100, ... with every bar opening at the previous close.
    # An oracle buying 10 shares before each up day would earn 10 * 10 = 100 per up
    # day (400 in all). This strategy buys only when the data shows it a bar after
    # the current one; with no look-ahead it never trades.
    closes = np.array([100.0, 110.0] * 4)
    opens = np.r_[100.0, closes[:-1]]
    panel = make_panel(
        open=opens, high=np.maximum(opens, closes), low=np.minimum(opens, closes), close=closes
    )
    peeks: list[int] = []

    def handle_data(context: TradingContext, data: BarData) -> None:
        frame = data.history(["A"], "close", len(closes) + 3)
        assert isinstance(frame, pd.DataFrame)
        future = frame[frame.index > context.get_datetime()]
        peeks.append(len(future))
        if len(future) and future.to_numpy()[0, 0] > cast(float, data.current("A", "close")):
            context.order_target("A", 10)
        else:
            context.order_target("A", 0)

    result = run_backtest(FunctionStrategy(handle_data=handle_data), panel, capital=1000)
    assert peeks == [0] * len(closes)
    assert len(result.transactions) == 0
    assert result.ledger["equity"] == D("1000")


def test_an_order_placed_at_t_trades_at_t_plus_one_not_at_t() -> None:
    # Bar 1's close (200) is far above its open; an order placed at bar 0 can only
    # get bar 1's open (100), and one placed at bar 1 gets bar 2's open (150).
    panel = make_panel(
        open=[100, 100, 150], high=[100, 200, 150], low=[100, 100, 150], close=[100, 200, 150]
    )
    script = Scripted([order_at(0, "A", 1), order_at(1, "A", -1)])
    result = run_backtest(script.strategy, panel, capital=1000)
    assert list(result.transactions["price"]) == [D("100"), D("150")]
    assert list(result.transactions["bar"]) == [1, 2]
    assert list(result.transactions["decision_price"]) == [100.0, 200.0]


def test_portfolio_is_valued_at_the_current_bar_only() -> None:
    panel = make_panel(open=[10, 10, 10], close=[10, 12, 14], high=[10, 12, 14], low=[10, 10, 10])
    values: list[float] = []

    def each_bar(context: TradingContext, data: BarData) -> None:
        values.append(context.portfolio.portfolio_value)

    script = Scripted([order_at(0, "A", 10)], each_bar=each_bar)
    run_backtest(script.strategy, panel, capital=1000)
    # Bought 10 at bar 1's open 10: bar 1 values at close 12 (1020), bar 2 at 14 (1040).
    assert values == [1000.0, 1020.0, 1040.0]
    assert Asset("A") in script.ledger.positions


def test_initialize_does_not_see_the_last_date_of_the_data() -> None:
    panel = make_panel(open=[1.0, 2.0, 3.0])
    seen: list[pd.Timestamp] = []
    run_backtest(
        FunctionStrategy(initialize=lambda context: seen.append(context.get_datetime())), panel
    )
    assert seen == [panel.index[0]]
