"""zipline-style pipeline algorithms as their authors write them, on rustybt.

Modelled on zipline-reloaded's ``examples/momentum_pipeline.py`` (long the top 3
by RSI, short the bottom 3, rebalanced by a scheduled function), written here
with rustybt imports and checked order by order against the pipeline computed
in research.
"""

from __future__ import annotations

import itertools

from rustybt import FunctionStrategy, run_backtest
from rustybt.api import (
    attach_pipeline,
    date_rules,
    order_target_percent,
    pipeline_output,
    record,
    schedule_function,
)
from rustybt.data.synthetic import demo_panel
from rustybt.pipeline import Pipeline, run_pipeline
from rustybt.pipeline.factors import RSI


def make_pipeline() -> Pipeline:
    rsi = RSI()
    return Pipeline(columns={"longs": rsi.top(3), "shorts": rsi.bottom(3)})


def rebalance(context, data):  # type: ignore[no-untyped-def]
    pipeline_data = pipeline_output("my_pipeline")
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
    for asset in set(context.portfolio.positions) - set(portfolio_assets):
        if data.can_trade(asset):
            order_target_percent(asset, 0)


def initialize(context):  # type: ignore[no-untyped-def]
    attach_pipeline(make_pipeline(), "my_pipeline")
    schedule_function(rebalance, date_rules.every_day())


def test_momentum_pipeline_example_orders_follow_the_rsi_ranking() -> None:
    panel = demo_panel()
    start, end = "2016-03-01", "2016-04-29"
    result = run_backtest(
        FunctionStrategy(initialize=initialize), panel, start=start, end=end, volume_limit=None
    )
    research = run_pipeline(make_pipeline(), start, end, panel)
    assert (result.perf["universe_size"] == 20).all()
    positions = result.positions
    sessions = research.index.get_level_values(0).unique()
    changes = 0
    for previous, session in itertools.pairwise(sessions):
        # orders placed on `previous` filled at `session`'s open: the book then holds
        # long exactly that day's top 3 by RSI and short its bottom 3
        ranking = research.xs(previous, level=0)
        longs = {a.symbol for a in ranking.index[ranking["longs"]]}
        shorts = {a.symbol for a in ranking.index[ranking["shorts"]]}
        book = positions[positions["session"] == session]
        held = book[book["quantity"] != 0]
        assert set(held.loc[held["quantity"] > 0, "symbol"]) == longs
        assert set(held.loc[held["quantity"] < 0, "symbol"]) == shorts
        today = research.xs(session, level=0)
        changes += int((today["longs"] != ranking["longs"]).any())
    assert changes > 5  # the ranking moves: positions are really rebalanced
