"""zipline's semantics for zipline-style strategies: history, sessions, tradability."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from rustybt import FunctionStrategy, run_backtest
from rustybt.assets import Asset
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.data_portal import BarData
from rustybt.engine.scheduling import date_rules
from tests.engine.helpers import make_panel

NAN = float("nan")


def _strategy(**hooks: Any) -> FunctionStrategy:  # Any: hook callables
    return FunctionStrategy(zipline_api=True, **hooks)


def test_history_of_one_asset_and_field_is_a_series_reaching_before_the_start() -> None:
    closes = [1.0, 2.0, NAN, 4.0, 5.0, 6.0]
    panel = make_panel(open=closes)
    seen: list[pd.Series] = []

    def handle_data(context: TradingContext, data: BarData) -> None:
        seen.append(data.history(Asset("A"), "close", 4, "1d"))

    # Start at the 5th bar: the three bars before it come from the data.
    run_backtest(_strategy(handle_data=handle_data), panel, start=panel.index[4])
    first = seen[0]
    assert isinstance(first, pd.Series)
    assert list(first.index) == list(panel.index[1:5])
    assert first.name == Asset("A")
    assert first.iloc[-1] == 5.0
    assert first.isnull().tolist() == [False, True, False, False]
    assert first.mean() == pytest.approx((2.0 + 4.0 + 5.0) / 3)  # NaN-aware
    with pytest.raises(ValueError, match="read-only"):
        first.iloc[0] = 0.0  # the market data cannot be changed through it


def test_class_strategies_keep_the_array_and_also_see_bars_before_the_start() -> None:
    panel = make_panel(open=[1.0, 2.0, 3.0, 4.0])
    seen: list[object] = []

    def handle_data(context: TradingContext, data: BarData) -> None:
        seen.append(data.history("A", "price", 3))

    run_backtest(FunctionStrategy(handle_data=handle_data), panel, start=panel.index[2])
    assert isinstance(seen[0], np.ndarray)
    assert seen[0].tolist() == [1.0, 2.0, 3.0]


def test_a_lookback_from_before_the_start_trades_on_the_first_day() -> None:
    # A 3-bar trend rule started at bar 3: zipline trades at once, not 3 bars later.
    panel = make_panel(open=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    orders: list[pd.Timestamp] = []

    def handle_data(context: TradingContext, data: BarData) -> None:
        window = data.history("A", "price", 3)
        if window.iloc[-1] > window.iloc[0] and not orders:
            orders.append(context.get_datetime())
            context.order("A", 1)

    run_backtest(_strategy(handle_data=handle_data), panel, start=panel.index[3])
    assert orders == [panel.index[3]]


def test_before_trading_start_runs_before_the_first_session() -> None:
    panel = make_panel(open=[1.0, 2.0, 3.0, 4.0])
    seen: list[tuple[pd.Timestamp, float]] = []

    def before(context: TradingContext, data: BarData) -> None:
        seen.append((context.get_datetime(), data.current("A", "price")))

    run_backtest(_strategy(before_trading_start=before), panel, start=panel.index[1])
    # Before each session (get_datetime is that session, as in zipline) the data shows
    # the previous bar: for the first session, the bar before the start.
    assert seen == [(panel.index[1], 1.0), (panel.index[2], 2.0), (panel.index[3], 3.0)]
    seen.clear()
    run_backtest(_strategy(before_trading_start=before), panel)
    assert seen[0][0] == panel.index[0]
    assert np.isnan(seen[0][1])
    assert len(seen) == 4


def test_month_and_week_start_do_not_fire_on_a_partial_first_period() -> None:
    index = pd.bdate_range("2024-01-10", "2024-02-09", tz="UTC")  # starts mid-month, on a Wed
    panel = make_panel(open=[1.0] * len(index), index=index)
    fired: dict[str, list[pd.Timestamp]] = {"month": [], "week": [], "third": []}

    def initialize(context: TradingContext) -> None:
        context.schedule_function(
            lambda c, d: fired["month"].append(c.get_datetime()), date_rules.month_start()
        )
        context.schedule_function(
            lambda c, d: fired["week"].append(c.get_datetime()), date_rules.week_start()
        )
        # The 8th session of January 2024 is the 11th (New Year's Day is a holiday);
        # February's 8th (the 12th) is after the data.
        context.schedule_function(
            lambda c, d: fired["third"].append(c.get_datetime()),
            date_rules.month_start(days_offset=7),
        )

    run_backtest(_strategy(initialize=initialize), panel)
    assert fired["month"] == [pd.Timestamp("2024-02-01", tz="UTC")]
    assert fired["week"][0] == pd.Timestamp("2024-01-15", tz="UTC")
    assert fired["third"] == [pd.Timestamp("2024-01-11", tz="UTC")]


def test_can_trade_and_is_stale_follow_zipline_and_take_lists() -> None:
    # B trades on bars 1 and 3 only; C only from bar 2.
    opens = [[1.0, NAN, NAN], [1.0, 2.0, NAN], [1.0, NAN, 3.0], [1.0, 2.0, 3.0], [1.0, NAN, 3.0]]
    assets = (Asset("A"), Asset("B"), Asset("C"))
    panel = make_panel(open=opens, assets=assets)
    zipline: list[tuple[list[bool], list[bool]]] = []
    ours: list[list[bool]] = []

    def record(into: list[Any], stale: bool) -> Any:
        def handle_data(context: TradingContext, data: BarData) -> None:
            tradable = data.can_trade(list(assets)).tolist()
            if stale:
                into.append((tradable, data.is_stale(list(assets)).tolist()))
            else:
                into.append(tradable)

        return handle_data

    run_backtest(_strategy(handle_data=record(zipline, True)), panel)
    run_backtest(FunctionStrategy(handle_data=record(ours, False)), panel)
    # zipline: alive (first..last bar) with a known price; B's last bar is bar 3.
    assert [t for t, _ in zipline] == [
        [True, False, False],
        [True, True, False],
        [True, True, True],
        [True, True, True],
        [True, False, True],
    ]
    assert [s for _, s in zipline] == [
        [False, False, False],
        [False, False, False],
        [False, True, False],
        [False, False, False],
        [False, False, False],  # B is past its last bar: not stale, gone
    ]
    # rustybt's own rule: a bar now.
    assert ours[2] == [True, False, True]


def test_several_assets_and_fields_have_zipline_reloaded_shape() -> None:
    assets = (Asset("B"), Asset("A"))
    panel = make_panel(
        open=[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]],
        close=[[1.5, 2.5], [3.5, 4.5], [5.5, 6.5]],
        assets=assets,
    )
    seen: list[pd.DataFrame] = []

    def handle_data(context: TradingContext, data: BarData) -> None:
        seen.append(data.history(list(assets), ["open", "close"], 2, "1d"))

    run_backtest(_strategy(handle_data=handle_data), panel)
    frame = seen[-1]
    # Rows (date, asset) sorted by date then asset; one column per field.
    assert list(frame.columns) == ["open", "close"]
    assert list(frame.index.names) == ["date", "asset"]
    assert [(d.day, a.symbol) for d, a in frame.index] == [(3, "A"), (3, "B"), (4, "A"), (4, "B")]
    assert frame["open"].tolist() == [4.0, 3.0, 6.0, 5.0]
    assert frame.xs(Asset("A"), level="asset")["close"].tolist() == [4.5, 6.5]


def test_last_sale_date_is_the_last_bar_that_traded() -> None:
    panel = make_panel(open=[1.0, 2.0, NAN, NAN, 5.0])
    seen: list[object] = []

    def handle_data(context: TradingContext, data: BarData) -> None:
        seen.append(context.portfolio.positions[Asset("A")].last_sale_date)

    run_backtest(_strategy(handle_data=handle_data), panel)
    index = panel.index
    assert seen == [index[0], index[1], index[1], index[1], index[4]]
