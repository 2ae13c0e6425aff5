"""An intraday zipline pattern on minute bars: buy 10 SPY 30 minutes after each
session's first bar, sell them 30 bars before its close; before each session,
look at the last 3 daily closes (built from the minutes)."""

from rustybt.api import (
    date_rules,
    order_target,
    record,
    schedule_function,
    set_commission,
    set_slippage,
    symbol,
    time_rules,
)
from rustybt.finance import commission, slippage


def initialize(context):
    context.spy = symbol("SPY")
    context.daily_closes = []
    context.decisions = []
    set_commission(us_equities=commission.PerShare(cost=0.0))
    set_slippage(us_equities=slippage.NoSlippage())
    schedule_function(buy, date_rules.every_day(), time_rules.market_open(minutes=30))
    schedule_function(sell, date_rules.every_day(), time_rules.market_close(minutes=30))


def before_trading_start(context, data):
    closes = data.history(context.spy, "close", 3, "1d")
    context.daily_closes.append((context.get_datetime(), closes))


def buy(context, data):
    context.decisions.append(("buy", context.get_datetime()))
    order_target(context.spy, 10)


def sell(context, data):
    context.decisions.append(("sell", context.get_datetime()))
    order_target(context.spy, 0)
    record(minute_close=data.current(context.spy, "close"))
