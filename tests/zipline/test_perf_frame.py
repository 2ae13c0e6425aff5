"""`BacktestResult.to_zipline()`: zipline's perf DataFrame, checked by hand and by
pyfolio's reading of it (``extract_rets_pos_txn_from_zipline``, reimplemented)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from rustybt import FunctionStrategy, run_algorithm, run_backtest
from rustybt.assets import Asset
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.data_portal import BarData
from rustybt.engine.zipline_perf import ZIPLINE_COLUMNS
from rustybt.errors import ConfigError
from tests.engine.helpers import make_panel

OPENS = [10.0, 11.0, 12.0, 9.0, 10.0]


def _buy_and_hold() -> pd.DataFrame:
    """Buy 10 A on the first bar (fills at bar 1's open of 11; closes = opens)."""

    def handle_data(context: TradingContext, data: BarData) -> None:
        if not context.portfolio.positions and not context.get_open_orders():
            context.order("A", 10)

    result = run_backtest(
        FunctionStrategy(handle_data=handle_data, zipline_api=True),
        make_panel(open=OPENS),
        capital=1000,
        benchmark=pd.Series([0.0, 0.01, 0.02, -0.01, 0.0], index=make_panel(open=OPENS).index),
    )
    return result.to_zipline()


def test_columns_and_account_values_known_answer() -> None:
    perf = _buy_and_hold()
    assert list(perf.columns) == list(ZIPLINE_COLUMNS)
    assert perf["portfolio_value"].tolist() == [1000.0, 1000.0, 1010.0, 980.0, 990.0]
    assert perf["ending_cash"].tolist() == [1000.0, 890.0, 890.0, 890.0, 890.0]
    assert perf["capital_used"].tolist() == [0.0, -110.0, 0.0, 0.0, 0.0]
    assert perf["starting_cash"].tolist() == [1000.0, 1000.0, 890.0, 890.0, 890.0]
    assert perf["ending_value"].tolist() == [0.0, 110.0, 120.0, 90.0, 100.0]
    assert perf["starting_value"].tolist() == [0.0, 0.0, 110.0, 120.0, 90.0]
    assert perf["pnl"].tolist() == [0.0, 0.0, 10.0, -30.0, 10.0]
    assert perf["long_value"].tolist() == perf["ending_value"].tolist()
    assert perf["longs_count"].tolist() == [0, 1, 1, 1, 1]
    assert perf["shorts_count"].tolist() == [0] * 5
    assert perf["gross_leverage"].iloc[2] == pytest.approx(120.0 / 1010.0)
    assert perf["algorithm_period_return"].tolist() == pytest.approx([0.0, 0.0, 0.01, -0.02, -0.01])
    assert perf["benchmark_period_return"].iloc[-1] == pytest.approx(1.01 * 1.02 * 0.99 - 1)
    assert perf["max_drawdown"].tolist() == pytest.approx(
        [0, 0, 0, 980 / 1010 - 1] * 1 + [980 / 1010 - 1]
    )
    assert perf["trading_days"].tolist() == [1, 2, 3, 4, 5]
    assert perf["period_label"].iloc[0] == "2024-01"
    # Per-session lists of zipline's dicts.
    assert perf["positions"].iloc[0] == []
    assert perf["positions"].iloc[3] == [
        {"sid": Asset("A"), "amount": 10, "cost_basis": 11.0, "last_sale_price": 9.0}
    ]
    (fill,) = perf["transactions"].iloc[1]
    assert (fill["sid"], fill["amount"], fill["price"], fill["order_id"]) == (
        Asset("A"),
        10,
        11.0,
        "1",
    )
    assert [o["status"] for o in perf["orders"].iloc[0]] == ["filled"]  # placed on day 0
    assert perf["transactions"].iloc[2] == []


def test_risk_metrics_follow_empyrical_formulas() -> None:
    perf = _buy_and_hold()
    returns = perf["returns"]
    assert np.isnan(perf["algo_volatility"].iloc[0])  # one return: not finite yet (zipline: None)
    expected = returns.iloc[:4].std(ddof=1) * np.sqrt(252)
    assert perf["algo_volatility"].iloc[3] == pytest.approx(expected)
    sharpe = returns.mean() / returns.std(ddof=1) * np.sqrt(252)
    assert perf["sharpe"].iloc[-1] == pytest.approx(sharpe)
    bench = pd.Series([0.0, 0.01, 0.02, -0.01, 0.0], index=returns.index)
    beta = np.cov(returns, bench)[0, 1] / bench.var()
    assert perf["beta"].iloc[-1] == pytest.approx(beta)
    alpha = (np.mean(returns - beta * bench) + 1) ** 252 - 1
    assert perf["alpha"].iloc[-1] == pytest.approx(alpha)


def _pyfolio_extract(backtest: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame, pd.DataFrame]:
    """pyfolio-reloaded's extract_rets_pos_txn_from_zipline, step for step
    (pyfolio.utils / pos.extract_pos / txn.make_transaction_frame)."""
    backtest.index = backtest.index.normalize()
    if backtest.index.tzinfo is None:
        backtest.index = backtest.index.tz_localize("UTC")
    returns = backtest.returns
    raw_positions = []
    for dt, pos_row in backtest.positions.items():
        df = pd.DataFrame(pos_row)
        df.index = [dt] * len(df)
        raw_positions.append(df)
    positions = pd.concat(raw_positions)
    positions["values"] = positions.amount * positions.last_sale_price
    cash = backtest.ending_cash.rename("cash")
    values = positions.reset_index().pivot_table(index="index", columns="sid", values="values")
    values = values.join(cash).fillna(0)
    rows: list[dict[str, Any]] = [
        {
            "sid": txn["sid"],
            "symbol": txn["sid"].symbol,
            "price": txn["price"],
            "order_id": txn["order_id"],
            "amount": txn["amount"],
            "commission": txn["commission"],
            "dt": txn["dt"],
        }
        for dt in backtest.transactions.index
        for txn in backtest.transactions.loc[dt]
    ]
    transactions = pd.DataFrame(sorted(rows, key=lambda x: x["dt"]))
    transactions["txn_dollars"] = -transactions["amount"] * transactions["price"]
    transactions.index = list(map(pd.Timestamp, transactions.dt.values))
    return returns, values, transactions


def test_pyfolio_reads_returns_positions_and_transactions() -> None:
    perf = _buy_and_hold()
    returns, positions, transactions = _pyfolio_extract(perf.copy())
    assert returns.tolist() == perf["returns"].tolist()
    assert positions.loc[perf.index[3], Asset("A")] == 90.0
    assert positions.loc[perf.index[3], "cash"] == 890.0
    assert perf.index[0] not in positions.index  # no holdings that day: no row, as in zipline
    assert transactions["txn_dollars"].tolist() == [-110.0]
    assert transactions["symbol"].tolist() == ["A"]


def test_run_algorithm_on_an_in_memory_panel_returns_the_frame() -> None:
    received: list[pd.DataFrame] = []

    def initialize(context: TradingContext) -> None:
        context.asset = context.symbol("A")

    def handle_data(context: TradingContext, data: BarData) -> None:
        context.order_target(context.asset, 10)

    perf = run_algorithm(
        start="2024-01-02",
        end="2024-01-08",
        initialize=initialize,
        handle_data=handle_data,
        analyze=lambda context, frame: received.append(frame),
        capital_base=1000,
        data=make_panel(open=OPENS),
    )
    assert received[0] is perf
    assert perf["portfolio_value"].plot is not None  # a float Series pandas can plot
    # zipline's default costs: PerShare 0.001 (no minimum), 5 bps slippage.
    (fill,) = perf["transactions"].iloc[1]
    assert fill["price"] == pytest.approx(11.0 * 1.0005)
    assert fill["commission"] == pytest.approx(0.01)


def test_run_algorithm_refuses_bad_arguments() -> None:
    panel = make_panel(open=OPENS)
    with pytest.raises(ConfigError, match="bundle"):
        run_algorithm("2024-01-02", "2024-01-05", lambda c: None, 1000)
    with pytest.raises(ConfigError, match="data_frequency"):
        run_algorithm(
            "2024-01-02", "2024-01-05", lambda c: None, 1000, data_frequency="minute", data=panel
        )
    with pytest.raises(ConfigError, match="capital_base"):
        run_algorithm("2024-01-02", "2024-01-05", lambda c: None, 0, data=panel)


def test_the_frame_survives_save_and_load(tmp_path: Any) -> None:
    def handle_data(context: TradingContext, data: BarData) -> None:
        context.order_target("A", 10)
        context.record(signal=1.0)

    result = run_backtest(
        FunctionStrategy(handle_data=handle_data, zipline_api=True),
        make_panel(open=OPENS),
        capital=1000,
    )
    loaded = type(result).load(result.save(tmp_path / "run"))
    before, after = result.to_zipline(), loaded.to_zipline()
    pd.testing.assert_frame_equal(
        before.drop(columns=["positions", "transactions", "orders"]),
        after.drop(columns=["positions", "transactions", "orders"]),
    )
    assert before.positions.tolist() == after.positions.tolist()
    assert before.transactions.tolist() == after.transactions.tolist()
