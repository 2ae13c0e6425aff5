"""rustybt.api offers zipline.api's names with zipline's signatures and results."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

import rustybt.api as api
from rustybt import FunctionStrategy, run_backtest
from rustybt.assets import Asset
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.data_portal import BarData
from rustybt.errors import ConfigError, StrategyError, UnknownSymbol
from rustybt.finance import commission, slippage
from tests.engine.helpers import make_panel

# zipline-reloaded's zipline.api: its __all__ plus the functions its api.pyi declares.
ZIPLINE_API = [
    "EODCancel",
    "FixedSlippage",
    "FixedBasisPointsSlippage",
    "NeverCancel",
    "VolumeShareSlippage",
    "cancel_policy",
    "commission",
    "date_rules",
    "events",
    "execution",
    "slippage",
    "time_rules",
    "calendars",
    "attach_pipeline",
    "batch_market_order",
    "cancel_order",
    "continuous_future",
    "fetch_csv",
    "future_symbol",
    "get_datetime",
    "get_environment",
    "get_open_orders",
    "get_order",
    "history",
    "order",
    "order_percent",
    "order_target",
    "order_target_percent",
    "order_target_value",
    "order_value",
    "pipeline_output",
    "record",
    "schedule_function",
    "set_asset_restrictions",
    "set_benchmark",
    "set_cancel_policy",
    "set_commission",
    "set_do_not_order_list",
    "set_long_only",
    "set_max_leverage",
    "set_max_order_count",
    "set_max_order_size",
    "set_max_position_size",
    "set_min_leverage",
    "set_slippage",
    "set_symbol_lookup_date",
    "sid",
    "symbol",
    "symbols",
]

TWO = (Asset("A"), Asset("B"))


def test_every_zipline_api_name_is_exported() -> None:
    missing = [name for name in ZIPLINE_API if name not in api.__all__]
    assert missing == []
    for name in api.__all__:
        assert hasattr(api, name), name


def _run(
    handle_data: Any,  # Any: test callbacks of several shapes
    *,
    initialize: Any = None,
    panel: Any = None,
    **kwargs: Any,
) -> Any:
    return run_backtest(
        FunctionStrategy(initialize=initialize, handle_data=handle_data, zipline_api=True),
        panel if panel is not None else make_panel(open=[[10.0, 20.0]] * 4, assets=TWO),
        capital=1000,
        **kwargs,
    )


def test_get_open_orders_is_a_dict_by_asset_and_orders_carry_zipline_names() -> None:
    seen: list[Any] = []

    def handle_data(context: TradingContext, data: BarData) -> None:
        if not seen:
            first = api.order("A", 3)
            api.order("A", -1, limit_price=9)
            api.order("B", 2)
            grouped = api.get_open_orders()
            seen.append(grouped)
            seen.append(api.get_open_orders("B"))
            seen.append(api.get_order(first))

    _run(handle_data)
    grouped, only_b, first = seen
    assert {asset.symbol: [o.amount for o in orders] for asset, orders in grouped.items()} == {
        "A": [3, -1],
        "B": [2],
    }
    assert [o.amount for o in only_b] == [2]
    # The order object is live: by the end of the run it has filled.
    assert (first.amount, first.sid, first.limit, first.stop, first.open_amount) == (
        3,
        Asset("A"),
        None,
        None,
        0,
    )


def test_environment_sid_and_symbol_lookup_date() -> None:
    seen: dict[str, Any] = {}

    def initialize(context: TradingContext) -> None:
        api.set_symbol_lookup_date("2015-01-01")
        seen["env"] = api.get_environment("*")
        seen["platform"] = api.get_environment()
        seen["sid1"] = api.sid(1)
        seen["sym"] = api.symbol("B", country_code="US")
        with pytest.raises(UnknownSymbol, match="sid"):
            api.sid(7)
        with pytest.raises(ConfigError, match="unknown environment field"):
            api.get_environment("nope")

    _run(lambda c, d: None, initialize=initialize)
    env = seen["env"]
    assert seen["platform"] == "rustybt"
    assert env["arena"] == "backtest"
    assert env["data_frequency"] == "daily"
    assert env["capital_base"] == 1000
    assert env["start"] == pd.Timestamp("2024-01-02", tz="UTC")
    assert env["end"] == pd.Timestamp("2024-01-05", tz="UTC")
    assert seen["sid1"] == Asset("B") == seen["sym"]


def test_context_attributes_belong_to_the_user() -> None:
    seen: list[Any] = []

    def initialize(context: TradingContext) -> None:
        seen.append(len(context.assets))  # ours until set: every asset of the data
        context.assets = {"A": 0.5, "B": 0.5}

    def handle_data(context: TradingContext, data: BarData) -> None:
        seen.append(context.assets)

    _run(handle_data, initialize=initialize)
    assert seen[0] == 2
    assert seen[1:] == [{"A": 0.5, "B": 0.5}] * 4


def test_account_and_portfolio_fields_known_answer() -> None:
    # Buy 10 A at 10 (fills at bar 1's open, 10); short 5 B at 20. Cash 1000 - 100 + 100.
    seen: list[dict[str, float]] = []

    def handle_data(context: TradingContext, data: BarData) -> None:
        if len(seen) == 0 and not context.portfolio.positions:
            api.order("A", 10)
            api.order("B", -5)
        account, portfolio = context.account, context.portfolio
        position = portfolio.positions[Asset("A")]
        seen.append(
            {
                "leverage": account.leverage,
                "net_leverage": account.net_leverage,
                "settled_cash": account.settled_cash,
                "buying_power": account.buying_power,
                "equity_with_loan": account.equity_with_loan,
                "total_positions_value": account.total_positions_value,
                "total_positions_exposure": account.total_positions_exposure,
                "cushion": account.cushion,
                "cash_flow": portfolio.cash_flow,
                "amount_x_float": position.amount * 1.5,
                "cost_basis_x_float": position.cost_basis * 0.5,
                "last_sale_x_float": position.last_sale_price * 2.0,
            }
        )

    _run(handle_data)
    after = seen[1]
    # Long 100, short -100: gross 200 / 1000, net 0.
    assert after["leverage"] == pytest.approx(0.2)
    assert after["net_leverage"] == pytest.approx(0.0)
    assert after["settled_cash"] == 1000.0
    assert after["buying_power"] == math.inf
    assert after["equity_with_loan"] == 1000.0
    assert after["total_positions_value"] == 0.0
    assert after["total_positions_exposure"] == 0.0
    assert after["cushion"] == 1.0
    assert after["cash_flow"] == 0.0
    assert after["amount_x_float"] == 15.0
    assert after["cost_basis_x_float"] == 5.0
    assert after["last_sale_x_float"] == 20.0


def test_zipline_keyword_arguments_are_accepted() -> None:
    seen: list[Any] = []

    def initialize(context: TradingContext) -> None:
        api.set_commission(us_equities=commission.PerShare())
        api.set_slippage(us_equities=slippage.VolumeShareSlippage(volume_limit=0.5))
        api.set_cancel_policy(api.EODCancel())
        api.schedule_function(
            lambda c, d: seen.append("scheduled"),
            api.date_rules.every_day(),
            api.time_rules.market_open(minutes=1),
            half_days=True,
            calendar=api.calendars.US_EQUITIES,
        )
        with pytest.raises(ConfigError, match="futures"):
            api.set_commission(us_futures=commission.PerShare())

    def handle_data(context: TradingContext, data: BarData) -> None:
        seen.append("handle_data")
        seen.append(context._blotter.volume_limit)

    _run(handle_data, initialize=initialize)
    # zipline runs handle_data before the scheduled functions of the same bar.
    assert seen[:3] == ["handle_data", 0.5, "scheduled"]


def test_record_takes_zipline_pairs_and_carries_values_forward() -> None:
    def handle_data(context: TradingContext, data: BarData) -> None:
        bar = context.get_datetime().day
        if bar == 2:
            api.record("x", 1.0, y=np.float64(2.0))
        if bar == 4:
            api.record(x=3.0)

    result = _run(handle_data)
    perf = result.to_zipline()
    assert perf["x"].tolist() == [1.0, 1.0, 3.0, 3.0]
    assert perf["y"].tolist() == [2.0] * 4
    assert math.isnan(result.perf["x"].iloc[1])  # the BacktestResult keeps what was recorded


def test_unsupported_zipline_functions_say_so() -> None:
    def initialize(context: TradingContext) -> None:
        for name in ("continuous_future", "future_symbol", "fetch_csv", "history"):
            with pytest.raises(ConfigError, match="not supported"):
                getattr(api, name)("x")

    _run(lambda c, d: None, initialize=initialize)


def test_api_outside_a_backtest_fails_clearly() -> None:
    with pytest.raises(StrategyError, match="only work while a backtest is running"):
        api.order("A", 1)


def test_batch_market_order_returns_ids() -> None:
    seen: list[Any] = []

    def handle_data(context: TradingContext, data: BarData) -> None:
        if not seen:
            seen.append(api.batch_market_order({"A": np.int64(1), "B": 2.0}))

    _run(handle_data)
    assert seen == [["1", "2"]]


def test_time_rule_offsets_follow_zipline() -> None:
    import datetime

    rules = api.time_rules
    assert rules.market_open().bars == 1  # nothing given: one minute
    assert rules.market_open(hours=1).bars == 60  # not 61
    assert rules.market_open(hours=1, minutes=30).bars == 90
    assert rules.market_close(offset=datetime.timedelta(minutes=15)).bars == 15
    assert rules.market_close(offset=pd.Timedelta(hours=1), minutes=5).bars == 65
    with pytest.raises(ConfigError, match="timedelta"):
        rules.market_open(offset="soon")
