"""zipline's momentum_pipeline example: each day, long the 3 stocks with the highest
RSI and short the 3 with the lowest, equal weights, 2x gross (needs rustybt.pipeline)."""

from rustybt.api import (
    attach_pipeline,
    date_rules,
    order_target_percent,
    pipeline_output,
    record,
    schedule_function,
)
from rustybt.finance import commission, slippage
from rustybt.pipeline import Pipeline
from rustybt.pipeline.factors import RSI


def make_pipeline():
    rsi = RSI()
    return Pipeline(columns={"longs": rsi.top(3), "shorts": rsi.bottom(3)})


def rebalance(context, data):
    pipeline_data = context.pipeline_data
    all_assets = pipeline_data.index
    longs = all_assets[pipeline_data.longs]
    shorts = all_assets[pipeline_data.shorts]
    record(universe_size=len(all_assets))
    one_third = 1.0 / 3.0
    for asset in longs:
        order_target_percent(asset, one_third)
    for asset in shorts:
        order_target_percent(asset, -one_third)
    portfolio_assets = longs.union(shorts)
    positions = context.portfolio.positions
    for asset in positions.keys() - set(portfolio_assets):
        if data.can_trade(asset):
            order_target_percent(asset, 0)


def initialize(context):
    attach_pipeline(make_pipeline(), "my_pipeline")
    schedule_function(rebalance, date_rules.every_day())
    context.set_commission(commission.PerShare(cost=0.0075, min_trade_cost=1.0))
    context.set_slippage(slippage.VolumeShareSlippage())


def before_trading_start(context, data):
    context.pipeline_data = pipeline_output("my_pipeline")
