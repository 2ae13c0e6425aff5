"""A restart writes its history as one block: the same panel, prices and rejections as
writing the bars one by one (the per-bar path made a restart O(bars so far))."""

from __future__ import annotations

import numpy as np
import pytest

from rustybt.engine.runner import BacktestConfig, _Run
from rustybt.live.bar_writer import write_bar, write_history
from rustybt.live.broker_blotter import BrokerBlotter
from rustybt.live.events import LiveEvents, LiveMetrics
from rustybt.live.feeds import Feed, FeedBar, empty_like, history_rows
from rustybt.soak.feed import SoakFeed
from rustybt.soak.market import Market
from rustybt.soak.trader import SoakStrategy

BARS = 1500


def _run(feed: Feed) -> tuple[_Run, LiveEvents]:
    run = _Run(
        SoakStrategy(every=5),
        empty_like(feed),
        BacktestConfig(capital=100_000.0),
        None,
        None,
        None,
        blotter_factory=BrokerBlotter,
    )
    return run, LiveEvents(None, LiveMetrics())


class _Holey:
    """A feed without ``history_block`` that cannot give some bars (None)."""

    def __init__(self, inner: SoakFeed, missing: set[int]) -> None:
        self.inner, self.missing = inner, missing
        self.assets, self.frequency, self.index = inner.assets, inner.frequency, inner.index

    def history(self, bar: int) -> FeedBar | None:
        return None if bar in self.missing else self.inner.history(bar)


def _assert_same(feed: Feed, stop: int) -> None:
    one, one_events = _run(feed)
    for bar in range(stop):
        item = feed.history(bar)
        if item is not None:
            write_bar(one, item, one_events, validate=True)
    block, block_events = _run(feed)
    rows, present = history_rows(feed, 0, stop)
    write_history(block, 0, rows, present, block_events, validate=True)
    for name in ("open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(one.panel.field(name), block.panel.field(name))
    np.testing.assert_array_equal(one.data._prices, block.data._prices)
    np.testing.assert_array_equal(one.context._value_prices, block.context._value_prices)
    assert one_events.metrics.bars_rejected == block_events.metrics.bars_rejected
    if stop >= 400:  # the seeds put masked bars (high < low, bad NaN) in the range
        assert block_events.metrics.bars_rejected > 0


@pytest.mark.parametrize("stop", [0, 1, 7, BARS])
def test_block_history_equals_bar_by_bar(stop: int) -> None:
    market = Market(seed=7, bars=BARS, bad_rate=0.05)
    assert {"nan", "high_low", "gap"} <= set(market.bad.kinds.values())
    _assert_same(SoakFeed(market, epoch=0.0, interval=0.02), stop)


def test_block_history_of_a_feed_that_misses_bars() -> None:
    market = Market(seed=3, bars=400, bad_rate=0.05)
    feed = _Holey(SoakFeed(market, epoch=0.0, interval=0.02), {0, 1, 50, 51, 52, 399})
    _assert_same(feed, 400)
    _rows, present = history_rows(feed, 0, 400)
    assert not present[[0, 1, 50, 399]].any()
    assert present[[2, 49, 53]].all()
