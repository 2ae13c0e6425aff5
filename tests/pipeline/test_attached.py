"""attach_pipeline / pipeline_output inside backtests (zipline-style functions and
Strategy classes), computed once before the loop and sliced per session."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rustybt import FunctionStrategy, Strategy, run_backtest
from rustybt.api import attach_pipeline, order, pipeline_output
from rustybt.data.bars import BarPanel, Frequency
from rustybt.errors import StrategyError
from rustybt.pipeline import Pipeline, PipelineError, run_pipeline
from rustybt.pipeline.attached import AttachedPipelines, daily_bars
from rustybt.pipeline.data import EquityPricing
from rustybt.pipeline.factors import Returns

from .conftest import frame


def momentum_pipeline() -> Pipeline:
    momentum = Returns(window_length=5)
    return Pipeline({"momentum": momentum}, screen=momentum.top(1))


def expected_leaders(panel: BarPanel, sessions: pd.DatetimeIndex) -> pd.Series:
    """Per session: the asset with the best 5-day return up to the previous close
    (pandas, first asset on ties), among assets alive that session."""
    closes = frame(panel, "close")
    known = closes.shift(1)
    returns = (known - known.shift(4)) / known.shift(4)
    from .conftest import alive

    returns = returns.where(alive(panel))
    return returns.loc[sessions].idxmax(axis=1)


def test_zipline_style_functions_trade_the_pipeline_leader(panel) -> None:  # type: ignore[no-untyped-def]
    def initialize(context):  # type: ignore[no-untyped-def]
        attach_pipeline(momentum_pipeline(), "momentum")
        context.held = None

    def handle_data(context, data):  # type: ignore[no-untyped-def]
        leader = pipeline_output("momentum").index[0]
        if leader != context.held:
            if context.held is not None:
                order(context.held, -10)
            order(leader, 10)
            context.held = leader

    strategy = FunctionStrategy(initialize=initialize, handle_data=handle_data)
    result = run_backtest(
        strategy, panel, start=panel.index[50], end=panel.index[80], volume_limit=None
    )
    sessions = panel.index[50:81]
    leaders = expected_leaders(panel, sessions)
    expected = []
    held = None
    for session, leader in leaders.items():
        if leader != held:
            if held is not None:
                expected.append((session, held.symbol, -10.0))
            expected.append((session, leader.symbol, 10.0))
            held = leader
    orders = result.orders
    got = list(
        zip(
            pd.to_datetime(orders["created"], utc=True),
            orders["symbol"],
            orders["quantity"].astype(float),
            strict=True,
        )
    )
    assert got == expected
    assert len(expected) > 4  # the leader changes: the test has teeth


def test_strategy_class_uses_the_context_and_sees_history_before_start(panel) -> None:  # type: ignore[no-untyped-def]
    class Recorder(Strategy):
        def initialize(self, context):  # type: ignore[no-untyped-def]
            self.frames = {}
            self.morning = []
            pipe = Pipeline({"ret": Returns(window_length=20), "close": EquityPricing.close.latest})
            assert context.attach_pipeline(pipe, "p") is pipe

        def before_trading_start(self, context, data):  # type: ignore[no-untyped-def]
            self.morning.append(context.pipeline_output("p"))

        def handle_data(self, context, data):  # type: ignore[no-untyped-def]
            self.frames[context.get_datetime()] = context.pipeline_output("p")

    strategy = Recorder()
    start, end = panel.index[60], panel.index[70]
    run_backtest(strategy, panel, start=start, end=end)
    research = run_pipeline(
        Pipeline({"ret": Returns(window_length=20), "close": EquityPricing.close.latest}),
        start,
        end,
        panel,
    )
    for session in panel.index[60:71]:
        pd.testing.assert_frame_equal(strategy.frames[session], research.xs(session, level=0))
    # before_trading_start sees the same session's output as handle_data that day
    for morning, session in zip(strategy.morning, panel.index[61:71], strict=True):
        pd.testing.assert_frame_equal(morning, strategy.frames[session])
    # 20-day windows at the first session are full: bars before `start` were read.
    assert strategy.frames[start]["ret"].notna().all()


def test_pipeline_output_errors(panel) -> None:  # type: ignore[no-untyped-def]
    def too_early(context):  # type: ignore[no-untyped-def]
        attach_pipeline(momentum_pipeline(), "m")
        pipeline_output("m")

    with pytest.raises(StrategyError, match="not available in initialize"):
        run_backtest(FunctionStrategy(initialize=too_early), panel)

    def unknown(context, data):  # type: ignore[no-untyped-def]
        pipeline_output("nope")

    with pytest.raises(StrategyError, match="no pipeline named 'nope'"):
        run_backtest(FunctionStrategy(handle_data=unknown), panel)

    def late(context, data):  # type: ignore[no-untyped-def]
        attach_pipeline(momentum_pipeline(), "m")

    with pytest.raises(StrategyError, match="only be called in initialize"):
        run_backtest(FunctionStrategy(handle_data=late), panel)

    def twice(context):  # type: ignore[no-untyped-def]
        attach_pipeline(momentum_pipeline(), "m")
        attach_pipeline(momentum_pipeline(), "m")

    with pytest.raises(StrategyError, match="already attached"):
        run_backtest(FunctionStrategy(initialize=twice), panel)
    with pytest.raises(PipelineError, match="needs a Pipeline"):
        AttachedPipelines().attach("not a pipeline", "x")  # type: ignore[arg-type]


def test_minute_backtest_uses_daily_bars_of_previous_sessions(panel) -> None:  # type: ignore[no-untyped-def]
    days = panel.select(start=panel.index[40], end=panel.index[52])
    minutes_per_day = 3
    index = pd.DatetimeIndex(
        [
            d + pd.Timedelta(hours=14, minutes=30 + m)
            for d in days.index
            for m in range(minutes_per_day)
        ]
    )
    fields = {
        name: np.repeat(days.field(name), minutes_per_day, axis=0)
        for name in ("open", "high", "low", "close")
    }
    fields["volume"] = np.repeat(days.volume / minutes_per_day, minutes_per_day, axis=0)
    minute = BarPanel(index=index, assets=days.assets, frequency=Frequency.MINUTE, **fields)
    daily = daily_bars(minute)
    np.testing.assert_allclose(daily.close, days.close)
    np.testing.assert_allclose(daily.volume, days.volume)

    seen = {}

    def initialize(context):  # type: ignore[no-untyped-def]
        attach_pipeline(Pipeline({"c": EquityPricing.close.latest}), "c")

    def handle_data(context, data):  # type: ignore[no-untyped-def]
        seen.setdefault(context.get_datetime().normalize(), pipeline_output("c"))

    run_backtest(
        FunctionStrategy(initialize=initialize, handle_data=handle_data), minute, validate=False
    )
    research = run_pipeline(
        Pipeline({"c": EquityPricing.close.latest}), days.index[1], days.index[-1], days
    )
    for session in days.index[1:]:
        pd.testing.assert_frame_equal(seen[session], research.xs(session, level=0))
