"""A common public zipline pattern: each month's first session, hold the top 5 of a
fixed universe by 12-month momentum (the lookback reaches before the start),
equal-weighted; the rest is sold. Uses schedule_function, can_trade on a list,
get_open_orders' dict, context.account and record."""

import numpy as np

from rustybt.api import (
    date_rules,
    get_open_orders,
    order_target_percent,
    record,
    schedule_function,
    symbols,
    time_rules,
)

UNIVERSE = ["AAPL", "MSFT", "XOM", "JNJ", "JPM", "PG", "WMT", "GE", "INTC", "CSCO"]


def initialize(context):
    context.universe = symbols(*UNIVERSE)
    context.lookback = 252
    context.top_n = 5
    context.rebalances = []
    schedule_function(rebalance, date_rules.month_start(), time_rules.market_open(minutes=30))
    schedule_function(track, date_rules.every_day(), time_rules.market_close())


def rebalance(context, data):
    tradable = data.can_trade(context.universe)
    prices = data.history(context.universe, "price", context.lookback, "1d")
    momentum = prices.iloc[-1] / prices.iloc[0] - 1
    momentum = momentum[tradable[tradable].index].dropna()
    winners = momentum.sort_values(ascending=False).index[: context.top_n]
    open_orders = get_open_orders()
    for asset in context.universe:
        if asset in open_orders:
            continue
        weight = 1.0 / context.top_n if asset in winners else 0.0
        order_target_percent(asset, np.float64(weight))
    context.rebalances.append((data.current(context.universe[0], "price"), list(winners)))


def track(context, data):
    record(leverage=context.account.leverage, n_positions=len(context.portfolio.positions))
