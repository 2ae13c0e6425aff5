"""`run_backtest` as a whole: perf rows, record(), configuration, errors and their context."""

from __future__ import annotations

import inspect
import math
from decimal import Decimal as D
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
import pytest

from rustybt import FunctionStrategy, Strategy, api, run_backtest
from rustybt.api import PerShare
from rustybt.assets import Asset
from rustybt.data.bars import Frequency
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.data_portal import BarData
from rustybt.engine.orders import Order
from rustybt.errors import ConfigError, DataNotFound, OrderError, StrategyError, UnknownSymbol
from tests.engine.helpers import Scripted, assert_books_balance, make_panel, order_at

MINUTES = pd.DatetimeIndex(
    [f"2024-01-02 14:3{m}" for m in range(4)] + [f"2024-01-03 14:3{m}" for m in range(4)],
    tz="UTC",
)


def _minute_panel() -> object:
    return make_panel(
        open=[10.0, 10.0, 11.0, 12.0, 12.0, 13.0, 14.0, 15.0],
        index=MINUTES,
        frequency=Frequency.MINUTE,
    )


def test_minute_run_has_one_perf_row_per_session_and_records_the_last_value() -> None:
    def each_bar(context: TradingContext, data: BarData) -> None:
        context.record(bar=data.bar, price=cast(float, data.current("A", "price")))

    script = Scripted([order_at(1, "A", 10)], each_bar=each_bar)
    result = run_backtest(script.strategy, _minute_panel(), capital=1000)  # type: ignore[arg-type]
    perf = result.perf
    assert list(perf.index) == [
        pd.Timestamp("2024-01-02", tz="UTC"),
        pd.Timestamp("2024-01-03", tz="UTC"),
    ]
    assert perf["bar"].tolist() == [3.0, 7.0]
    assert perf["price"].tolist() == [12.0, 15.0]
    # Bought 10 at bar 2's open 11: day 1 closes at 12 (1010), day 2 at 15 (1040).
    assert perf["portfolio_value"].tolist() == [1010.0, 1040.0]
    assert perf["fills"].tolist() == [1, 0]
    assert perf["returns"].tolist() == pytest.approx([0.01, 30 / 1010])
    assert result.metadata["frequency"] == "minute"
    assert_books_balance(result, script.ledger)


def test_record_keeps_the_last_value_per_session_and_nan_where_not_recorded() -> None:
    def handle_data(context: TradingContext, data: BarData) -> None:
        if data.bar != 1:
            api.record(signal=data.bar * 1.5)

    result = run_backtest(FunctionStrategy(handle_data=handle_data), make_panel(open=[1.0] * 3))
    values = result.perf["signal"].tolist()
    assert values[0] == 0.0
    assert math.isnan(values[1])
    assert values[2] == 3.0


@pytest.mark.parametrize("name", ["cash", "returns", "portfolio_value", "benchmark_returns"])
def test_recording_a_reserved_name_is_a_strategy_error(name: str) -> None:
    def handle_data(context: TradingContext, data: BarData) -> None:
        context.record(**{name: 1.0})

    with pytest.raises(StrategyError, match=f"record\\(\\) name '{name}' is reserved"):
        run_backtest(FunctionStrategy(handle_data=handle_data), make_panel(open=[1.0]))


def test_recording_a_non_number_is_a_strategy_error() -> None:
    def handle_data(context: TradingContext, data: BarData) -> None:
        context.record(label="buy")  # type: ignore[arg-type]

    with pytest.raises(StrategyError, match="must be a number"):
        run_backtest(FunctionStrategy(handle_data=handle_data), make_panel(open=[1.0]))


def test_an_exception_in_handle_data_names_strategy_bar_and_user_line() -> None:
    panel = make_panel(open=[1.0, 2.0, 3.0])
    where: dict[str, int] = {}

    def handle_data(context: TradingContext, data: BarData) -> None:
        if data.bar == 2:
            frame = inspect.currentframe()
            assert frame is not None
            where["line"] = frame.f_lineno + 1
            raise ZeroDivisionError("boom")

    strategy = FunctionStrategy(handle_data=handle_data, name="my_strategy")
    with pytest.raises(StrategyError) as raised:
        run_backtest(strategy, panel)
    error = raised.value
    assert error.context == {
        "strategy": "my_strategy",
        "hook": "handle_data",
        "bar": str(panel.index[2]),
        "line": f"{__file__}:{where['line']} in handle_data",
    }
    assert "raised ZeroDivisionError in handle_data" in error.message
    assert isinstance(error.__cause__, ZeroDivisionError)


def test_the_user_line_is_the_strategys_even_when_a_library_raises() -> None:
    def handle_data(context: TradingContext, data: BarData) -> None:
        pd.Timestamp("not a date")

    with pytest.raises(StrategyError) as raised:
        run_backtest(FunctionStrategy(handle_data=handle_data), make_panel(open=[1.0]))
    assert str(raised.value.context["line"]).startswith(__file__)


class Exploding(Strategy):
    def initialize(self, context: TradingContext) -> None:
        context.symbol("NOPE")


def test_a_strategy_subclass_failing_in_initialize() -> None:
    with pytest.raises(StrategyError, match="'NOPE' is not in the backtest data") as raised:
        run_backtest(Exploding, make_panel(open=[1.0]))
    assert raised.value.context["strategy"] == "Exploding"
    assert raised.value.context["hook"] == "initialize"
    assert raised.value.context["bar"] == "start"
    assert isinstance(raised.value.__cause__, UnknownSymbol)


def test_unknown_symbols() -> None:
    script = Scripted([order_at(0, "ZZZ", 1)])
    with pytest.raises(StrategyError) as raised:
        run_backtest(script.strategy, make_panel(open=[1.0, 1.0]))
    assert isinstance(raised.value.__cause__, UnknownSymbol)
    with pytest.raises(UnknownSymbol, match="'ZZZ'"):
        run_backtest(Strategy(), make_panel(open=[1.0, 1.0]), benchmark="ZZZ")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"capital": 0}, "capital must be a positive, finite amount"),
        ({"capital": -5.0}, "capital must be a positive, finite amount"),
        ({"capital": float("nan")}, "capital must be a positive, finite amount"),
        ({"fill_at": "open"}, "fill_at must be"),
        ({"volume_limit": 0.0}, "volume_limit must be"),
        ({"volume_limit": 1.5}, "volume_limit must be"),
    ],
)
def test_bad_settings_are_config_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        run_backtest(Strategy(), make_panel(open=[1.0]), **kwargs)  # type: ignore[arg-type]


def test_not_a_strategy_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="strategy must be a Strategy"):
        run_backtest(object(), make_panel(open=[1.0]))  # type: ignore[arg-type]


def test_a_zero_quantity_order_is_an_order_error() -> None:
    with pytest.raises(OrderError, match="must not be zero"):
        Order("1", Asset("A"), D(0), pd.Timestamp("2024-01-02", tz="UTC"), 0, 1.0)


def test_settings_only_in_initialize() -> None:
    def handle_data(context: TradingContext, data: BarData) -> None:
        context.set_commission(PerShare())

    with pytest.raises(StrategyError, match="set_commission can only be called in initialize"):
        run_backtest(FunctionStrategy(handle_data=handle_data), make_panel(open=[1.0]))

    def order_early(context: TradingContext) -> None:
        context.order("A", 1)

    with pytest.raises(StrategyError, match="orders cannot be placed in initialize"):
        run_backtest(FunctionStrategy(initialize=order_early), make_panel(open=[1.0]))


def test_models_set_in_initialize_apply() -> None:
    def initialize(context: TradingContext) -> None:
        api.set_commission(api.PerTrade(3.0))
        api.set_slippage(api.FixedBasisPoints(100))
        context.set_volume_limit(None)

    script = Scripted([order_at(0, "A", 1000)], initialize=initialize)
    result = run_backtest(script.strategy, make_panel(open=[10.0, 10.0], volume=10.0))
    # No cap despite volume 10; 10 * 1.01 = 10.1; cash 1e6 - 10100 - 3.
    assert list(result.transactions["price"]) == [D("10.1")]
    assert result.ledger["cash"] == D("989897")


def test_api_functions_outside_a_backtest() -> None:
    with pytest.raises(StrategyError, match="only work while a backtest is running"):
        api.order("A", 1)


def test_window_benchmark_and_metadata() -> None:
    closes = [10.0, 11.0, 12.1, 12.1]
    panel = make_panel(open=closes, assets=(Asset("A"), Asset("B")))
    strategy = FunctionStrategy(handle_data=lambda c, d: None, name="idle", lookback=5)
    result = run_backtest(
        strategy, panel, start=panel.index[1], end="2024-01-05", capital=500, benchmark="B"
    )
    assert len(result.perf) == 3
    np.testing.assert_allclose(result.perf["benchmark_returns"], [np.nan, 0.1, 0.0])
    assert result.perf["returns"].tolist() == [0.0, 0.0, 0.0]
    meta = result.metadata
    assert meta["strategy"] == "idle"
    assert meta["params"] == {"lookback": 5}
    assert meta["start"] == str(panel.index[1])
    assert meta["assets"] == ["A", "B"]
    assert (meta["capital"], meta["fill_at"], meta["volume_limit"]) == (500, "next_open", 0.025)
    assert result.ledger["equity"] == D("500")
    with pytest.raises(DataNotFound):
        run_backtest(strategy, panel, start="2025-01-01")


def test_benchmark_series_is_aligned_to_sessions() -> None:
    panel = make_panel(open=[1.0, 1.0, 1.0])
    given = pd.Series([0.01, 0.02], index=pd.to_datetime(["2024-01-03", "2024-01-04"]))
    result = run_backtest(Strategy(), panel, benchmark=given)
    np.testing.assert_allclose(result.perf["benchmark_returns"], [np.nan, 0.01, 0.02])


def test_record_in_initialize_is_a_strategy_error() -> None:
    def initialize(context: TradingContext) -> None:
        context.record(x=1.0)

    with pytest.raises(StrategyError, match="record\\(\\) cannot be called in initialize"):
        run_backtest(FunctionStrategy(initialize=initialize), make_panel(open=[1.0, 2.0]))


def test_unknown_benchmark_symbol_fails_before_the_run_starts() -> None:
    calls: list[int] = []

    def handle_data(context: TradingContext, data: BarData) -> None:
        calls.append(data.bar)

    with pytest.raises(UnknownSymbol, match="'ZZZ'"):
        run_backtest(
            FunctionStrategy(handle_data=handle_data), make_panel(open=[1.0, 1.0]), benchmark="ZZZ"
        )
    assert calls == []


def test_perf_index_has_no_frequency_so_save_load_is_exact(tmp_path: Path) -> None:
    from rustybt import BacktestResult

    result = run_backtest(Strategy(), make_panel(open=[1.0, 2.0, 3.0]))
    assert result.perf.index.freq is None
    loaded = BacktestResult.load(result.save(tmp_path / "r"))
    pd.testing.assert_frame_equal(loaded.perf, result.perf)
