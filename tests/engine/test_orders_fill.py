"""Known answers for fills through `run_backtest`: timing, costs, order types, volume cap."""

from __future__ import annotations

from decimal import Decimal as D

import pandas as pd

from rustybt import run_backtest
from rustybt.api import FixedBasisPoints, PerDollar, PerShare, PerTrade, VolumeShareSlippage
from rustybt.assets import Asset
from rustybt.data.bars import Frequency
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.data_portal import BarData
from rustybt.engine.orders import OrderStatus
from tests.engine.helpers import Scripted, assert_books_balance, daily_index, make_panel, order_at


def _fills(result: object) -> list[tuple[int, D, D]]:
    frame = result.transactions  # type: ignore[attr-defined]
    return list(zip(frame["bar"], frame["quantity"], frame["price"], strict=True))


def test_market_orders_fill_at_next_open_with_per_share_min_and_bps_slippage() -> None:
    panel = make_panel(
        open=[10, 11, 12, 13],
        high=[10.5, 11.5, 12.5, 13.5],
        low=[9.5, 10.5, 11.5, 12.5],
        close=[10.2, 11.2, 12.2, 13.2],
    )
    script = Scripted([order_at(0, "A", 100), order_at(2, "A", -100)])
    result = run_backtest(
        script.strategy,
        panel,
        capital=10_000,
        commission=PerShare(cost=0.01, min_trade_cost=1.5),
        slippage=FixedBasisPoints(10),
    )
    tx = result.transactions
    # Buy at bar 1's open 11 + 10 bps = 11.011; sell at bar 3's open 13 - 10 bps = 12.987.
    assert _fills(result) == [(1, D(100), D("11.011")), (3, D(-100), D("12.987"))]
    assert list(tx["timestamp"]) == [panel.index[1], panel.index[3]]
    # 0.01 * 100 = 1 < the 1.5 minimum.
    assert list(tx["commission"]) == [D("1.5"), D("1.5")]
    # Slippage cost: 100 * 0.011 and 100 * 0.013.
    assert list(tx["slippage"]) == [D("1.1"), D("1.3")]
    assert list(tx["reference_price"]) == [11.0, 13.0]
    assert list(tx["decision_price"]) == [10.2, 12.2]
    # cash = 10000 - 1101.1 - 1.5 + 1298.7 - 1.5 = 10194.6; realized 100 * 1.976 = 197.6.
    assert result.ledger["cash"] == D("10194.6")
    assert result.ledger["realized_pnl"] == D("197.6")
    assert result.ledger["commissions"] == D("3")
    assert result.ledger["slippage"] == D("2.4")
    assert result.ledger["equity"] == D("10194.6")
    assert_books_balance(result, script.ledger)
    # perf: session 1 holds 100 shares valued at close 11.2: 10000 - 1102.6 + 1120.
    assert result.perf["portfolio_value"].iloc[1] == 10017.4
    assert list(result.perf["fills"]) == [0, 1, 0, 1]
    assert list(result.perf["commission"]) == [0.0, 1.5, 0.0, 1.5]


def test_per_trade_and_volume_share_slippage() -> None:
    panel = make_panel(open=[50, 50, 55, 60], volume=1000.0)
    script = Scripted([order_at(0, "A", 100), order_at(2, "A", -100)])
    result = run_backtest(
        script.strategy,
        panel,
        capital=10_000,
        commission=PerTrade(2.0),
        slippage=VolumeShareSlippage(0.1),
        volume_limit=None,
    )
    # 100 of 1000 shares: impact 0.1 * 0.1**2 = 0.001 -> 50.05 and 59.94.
    assert _fills(result) == [(1, D(100), D("50.05")), (3, D(-100), D("59.94"))]
    assert list(result.transactions["slippage"]) == [D("5"), D("6")]
    # 10000 - 5005 - 2 + 5994 - 2 = 10985; realized 100 * (59.94 - 50.05) = 989.
    assert result.ledger["cash"] == D("10985")
    assert result.ledger["realized_pnl"] == D("989")
    assert_books_balance(result, script.ledger)


def test_per_dollar_commission_on_fractional_crypto() -> None:
    btc = Asset.crypto("BTC")
    panel = make_panel(open=[40000, 40000, 41000, 42000.5], assets=(btc,))
    script = Scripted([order_at(0, "BTC", 0.5), order_at(2, "BTC", -0.5)])
    result = run_backtest(
        script.strategy, panel, capital=100_000, commission=PerDollar(0.001), volume_limit=None
    )
    assert list(result.transactions["commission"]) == [D("20"), D("21.00025")]
    # 100000 - 20000 - 20 + 21000.25 - 21.00025 = 100959.24975.
    assert result.ledger["cash"] == D("100959.24975")
    assert result.ledger["realized_pnl"] == D("1000.25")
    assert_books_balance(result, script.ledger)


def test_fill_at_close_trades_in_the_same_bar() -> None:
    panel = make_panel(open=[10, 11, 12], close=[10.5, 11.5, 12.5])
    script = Scripted([order_at(0, "A", 10), order_at(1, "A", -10)])
    result = run_backtest(script.strategy, panel, capital=1000, fill_at="close")
    assert _fills(result) == [(0, D(10), D("10.5")), (1, D(-10), D("11.5"))]
    assert list(result.transactions["timestamp"]) == list(panel.index[:2])
    assert result.ledger["cash"] == D("1010")


def test_order_placed_on_the_last_bar_stays_open() -> None:
    script = Scripted([order_at(1, "A", 5)])
    result = run_backtest(script.strategy, make_panel(open=[10, 11]), capital=1000)
    assert len(result.transactions) == 0
    row = result.orders.iloc[0]
    assert row["status"] == "open"
    assert row["reason"] == "still open when the backtest ended"


def test_limit_buy_rests_until_the_low_reaches_it_then_fills_at_the_limit() -> None:
    panel = make_panel(open=[100, 100, 100, 98], high=[101, 101, 101, 99], low=[99, 99.8, 99.0, 97])
    script = Scripted([order_at(0, "A", 10, limit_price=99.5)])
    result = run_backtest(script.strategy, panel, capital=10_000, slippage=FixedBasisPoints(10))
    # Bar 1's low 99.8 misses; bar 2's low touches: filled at the limit, slippage capped by it.
    assert _fills(result) == [(2, D(10), D("99.5"))]
    assert list(result.transactions["slippage"]) == [D("0")]
    assert script.placed[0] is not None
    assert script.placed[0].status is OrderStatus.FILLED


def test_limit_buy_gapping_below_fills_at_the_open_and_limit_sell_symmetric() -> None:
    panel = make_panel(open=[100, 98, 103, 100], high=[101, 99, 104, 101], low=[99, 97, 102, 99])
    script = Scripted(
        [order_at(0, "A", 10, limit_price=99.5), order_at(1, "A", -10, limit_price=102.5)]
    )
    result = run_backtest(script.strategy, panel, capital=10_000)
    # Buy: bar 1 opens at 98 <= 99.5. Sell: bar 2 opens at 103 >= 102.5.
    assert _fills(result) == [(1, D(10), D("98")), (2, D(-10), D("103"))]
    assert result.ledger["realized_pnl"] == D("50")


def test_stop_sell_gapping_through_fills_at_the_open() -> None:
    panel = make_panel(open=[100, 100, 95], high=[101, 101, 96], low=[99, 98.5, 94])
    script = Scripted([order_at(0, "A", 10), order_at(0, "A", -10, stop_price=97)])
    result = run_backtest(script.strategy, panel, capital=10_000)
    # The stop's bar 1 low 98.5 stays above 97; bar 2 opens at 95, below the stop.
    assert _fills(result) == [(1, D(10), D("100")), (2, D(-10), D("95"))]
    assert result.ledger["realized_pnl"] == D("-50")


def test_stop_limit_triggered_beyond_its_limit_rests_as_a_limit() -> None:
    panel = make_panel(
        open=[100, 103, 101.5, 100], high=[100, 104, 102, 100], low=[100, 102.5, 101, 100]
    )
    script = Scripted([order_at(0, "A", 10, limit_price=102, stop_price=101)])
    result = run_backtest(script.strategy, panel, capital=10_000)
    # Bar 1 gaps to 103 (> limit 102): triggered, no fill. Bar 2 opens 101.5 <= 102.
    assert _fills(result) == [(2, D(10), D("101.5"))]


def test_triggered_stop_keeps_filling_its_remainder_under_the_volume_cap() -> None:
    panel = make_panel(
        open=[100, 101, 104, 103, 102],
        high=[100, 106, 104.5, 103, 102],
        low=[100, 100, 102, 101, 100],
        volume=1000.0,
    )
    script = Scripted([order_at(0, "A", 60, stop_price=105)])
    result = run_backtest(script.strategy, panel, capital=100_000)
    # 25 per bar: at the stop in bar 1, then at bar 2 and 3's opens though both are < 105.
    assert _fills(result) == [(1, D(25), D("105")), (2, D(25), D("104")), (3, D(10), D("103"))]


def test_day_order_expires_after_its_session_while_gtc_rests() -> None:
    panel = make_panel(open=[100, 100, 100], high=[100, 100, 100], low=[100, 96, 94])
    script = Scripted(
        [
            order_at(0, "A", 10, limit_price=95, time_in_force="day"),
            order_at(0, "A", 10, limit_price=95),
        ]
    )
    result = run_backtest(script.strategy, panel, capital=10_000)
    day, gtc = script.placed
    assert day is not None
    assert gtc is not None
    assert day.status is OrderStatus.EXPIRED
    assert day.closed_at == panel.index[1]
    assert day.reason == "day order not filled in its session"
    assert gtc.status is OrderStatus.FILLED
    assert _fills(result) == [(2, D(10), D("95"))]
    assert list(result.orders["status"]) == ["expired", "filled"]


def test_day_orders_on_minute_bars_live_until_their_session_closes() -> None:
    index = pd.DatetimeIndex(
        [f"2024-01-02 14:3{m}" for m in range(3)] + [f"2024-01-03 14:3{m}" for m in range(3)],
        tz="UTC",
    )
    panel = make_panel(
        open=[100.0] * 6,
        low=[100, 100, 100, 100, 100, 90],
        index=index,
        frequency=Frequency.MINUTE,
    )
    script = Scripted(
        [
            order_at(0, "A", 1, limit_price=95, time_in_force="day"),
            # Placed at the session's last bar: good for the whole next session.
            order_at(2, "A", 1, limit_price=95, time_in_force="day"),
        ]
    )
    run_backtest(script.strategy, panel, capital=10_000)
    first, second = script.placed
    assert first is not None
    assert second is not None
    assert first.status is OrderStatus.EXPIRED
    assert first.closed_at == index[2]
    assert second.status is OrderStatus.FILLED
    assert second.closed_at == index[5]


def test_partial_fills_under_the_volume_cap() -> None:
    panel = make_panel(open=[10, 10, 10, 10, 10], volume=1000.0)
    statuses: list[str] = []

    def watch(context: TradingContext, data: BarData) -> None:
        order = script.placed[0]
        assert order is not None
        statuses.append(str(order.status))

    script = Scripted([order_at(0, "A", 60)], each_bar=watch)
    result = run_backtest(
        script.strategy, panel, capital=10_000, commission=PerShare(0.005, min_trade_cost=1.0)
    )
    # 2.5% of 1000 = 25 shares per bar: 25, 25, 10.
    assert _fills(result) == [(1, D(25), D("10")), (2, D(25), D("10")), (3, D(10), D("10"))]
    assert statuses == ["open", "partially_filled", "partially_filled", "filled", "filled"]
    # The minimum is per order: 1 on the first fill, nothing more (0.005 * 60 = 0.3 < 1).
    assert list(result.transactions["commission"]) == [D("1"), D("0"), D("0")]
    row = result.orders.iloc[0]
    assert row["filled"] == D(60)
    assert row["average_price"] == D(10)
    assert row["commission"] == D(1)
    assert result.ledger["cash"] == D("9399")


def test_two_orders_share_one_bar_volume_cap() -> None:
    panel = make_panel(open=[10, 10, 10], volume=1000.0)
    script = Scripted([order_at(0, "A", 20), order_at(0, "A", 20)])
    result = run_backtest(script.strategy, panel, capital=10_000)
    frame = result.transactions
    assert list(zip(frame["order_id"], frame["bar"], frame["quantity"], strict=True)) == [
        ("1", 1, D(20)),
        ("2", 1, D(5)),
        ("2", 2, D(15)),
    ]


def test_no_volume_cap_fills_everything_at_once() -> None:
    panel = make_panel(open=[10, 10, 10], volume=[1000.0, 1000.0, 0.0])
    script = Scripted([order_at(0, "A", 60), order_at(1, "A", 5)])
    result = run_backtest(script.strategy, panel, capital=10_000, volume_limit=None)
    # Without a cap even the zero-volume bar 2 trades.
    assert _fills(result) == [(1, D(60), D("10")), (2, D(5), D("10"))]


def test_a_bar_without_volume_fills_nothing_under_the_cap() -> None:
    panel = make_panel(open=[10, 10, 10], volume=[1000.0, 0.0, 1000.0])
    script = Scripted([order_at(0, "A", 5)])
    result = run_backtest(script.strategy, panel, capital=10_000, volume_limit=0.5)
    assert _fills(result) == [(2, D(5), D("10"))]


def test_short_then_cover_at_a_profit_and_at_a_loss() -> None:
    for cover_price, pnl in ((45.0, D("500")), (55.0, D("-500"))):
        panel = make_panel(open=[50, 50, 50, cover_price])
        script = Scripted([order_at(0, "A", -100), order_at(2, "A", 100)])
        result = run_backtest(script.strategy, panel, capital=10_000)
        assert result.ledger["realized_pnl"] == pnl
        assert result.ledger["cash"] == D("10000") + pnl
        # Short value is negative while open: 10000 + 5000 cash - 100 * 50.
        assert result.perf["short_exposure"].iloc[1] == -5000.0
        assert result.perf["cash"].iloc[1] == 15000.0
        assert_books_balance(result, script.ledger)


def test_reversal_from_long_to_short_in_one_order() -> None:
    panel = make_panel(open=[10, 10, 12, 11])
    script = Scripted([order_at(0, "A", 100), order_at(1, "A", -150)])
    result = run_backtest(script.strategy, panel, capital=10_000)
    assert result.ledger["realized_pnl"] == D("200")
    assert result.ledger["cash"] == D("10800")
    # Marked at 11: unrealized -50 * 11 + 600 = 50; equity 10800 - 550 = 10250.
    assert result.ledger["unrealized_pnl"] == D("50")
    assert result.ledger["equity"] == D("10250")
    last = result.positions.iloc[-1]
    assert (last["quantity"], last["cost_basis"], last["last_price"]) == (-50.0, 12.0, 11.0)
    assert last["unrealized_pnl"] == 50.0
    assert_books_balance(result, script.ledger)


def test_daily_index_helper_is_business_days() -> None:
    assert list(daily_index(3).day_name()) == ["Tuesday", "Wednesday", "Thursday"]


def test_a_day_order_expires_in_a_session_without_a_bar_while_gtc_waits() -> None:
    nan = float("nan")
    panel = make_panel(open=[10.0, nan, 10.0], close=[10.0, nan, 10.0])
    script = Scripted([order_at(0, "A", 1, time_in_force="day"), order_at(0, "A", 2)])
    result = run_backtest(script.strategy, panel, capital=1000)
    day, gtc = script.placed
    assert day is not None
    assert gtc is not None
    assert day.status is OrderStatus.EXPIRED
    assert day.closed_at == panel.index[1]
    # The GTC order waits out the missing bar and fills at the next open.
    assert _fills(result) == [(2, D(2), D("10"))]


def test_check_cash_rejects_a_buy_fill_that_cash_cannot_pay_for() -> None:
    panel = make_panel(open=[10.0, 10.0, 10.0])
    script = Scripted([order_at(0, "A", 200), order_at(0, "A", -50), order_at(1, "A", 90)])
    result = run_backtest(
        script.strategy,
        panel,
        capital=1000,
        volume_limit=None,
        check_cash=True,
        commission=PerTrade(1.0),
    )
    big, short, fits = script.placed
    assert big is not None
    assert big.status is OrderStatus.REJECTED
    assert big.reason == "insufficient cash: fill needs 2001.00, cash is 1000.00"
    assert big.closed_at == panel.index[1]
    # A short sale brings cash in; the next buy (90 * 10 + 1) fits in 1000 + 500 - 1.
    assert _fills(result) == [(1, D(-50), D("10")), (2, D(90), D("10"))]
    assert short is not None
    assert fits is not None
    assert fits.status is OrderStatus.FILLED
    assert result.ledger["cash"] == D("598")
    assert result.metadata["check_cash"] is True


def test_a_rejected_fill_does_not_use_up_the_bars_volume() -> None:
    panel = make_panel(open=[100.0, 100.0, 100.0], volume=1000.0)
    # 25 shares may trade per bar. The first order's 25 * 100 exceeds the cash and is
    # rejected; the second (5 * 100) still gets the bar's volume.
    script = Scripted([order_at(0, "A", 25), order_at(0, "A", 5)])
    result = run_backtest(script.strategy, panel, capital=1000, check_cash=True)
    assert list(result.orders["status"]) == ["rejected", "filled"]
    assert _fills(result) == [(1, D(5), D("100"))]
