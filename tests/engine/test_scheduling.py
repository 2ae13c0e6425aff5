"""Known answers for `schedule_function`: exactly which bars each rule fires on."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from rustybt import FunctionStrategy, run_backtest
from rustybt.data.bars import Frequency
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.data_portal import BarData
from rustybt.engine.scheduling import DateRule, TimeRule, date_rules, time_rules
from rustybt.errors import ConfigError, StrategyError
from tests.engine.helpers import make_panel

# Two sessions of five minute bars each.
MINUTES = pd.DatetimeIndex(
    [f"2024-01-02 14:3{m}" for m in range(5)] + [f"2024-01-03 14:3{m}" for m in range(5)],
    tz="UTC",
)


def _fired(
    index: pd.DatetimeIndex,
    rules: list[tuple[DateRule | None, TimeRule | None]],
    frequency: Frequency = Frequency.DAILY,
) -> list[list[pd.Timestamp]]:
    """For each (date rule, time rule), the timestamps at which the function ran."""
    fired: list[list[pd.Timestamp]] = [[] for _ in rules]

    def make(slot: int) -> Callable[[TradingContext, BarData], None]:
        def scheduled(context: TradingContext, data: BarData) -> None:
            fired[slot].append(data.current_dt)

        return scheduled

    def initialize(context: TradingContext) -> None:
        for slot, (date_rule, time_rule) in enumerate(rules):
            context.schedule_function(make(slot), date_rule, time_rule)

    panel = make_panel(open=[10.0] * len(index), index=index, frequency=frequency)
    run_backtest(FunctionStrategy(initialize=initialize), panel, capital=1000)
    return fired


def _days(*days: str) -> list[pd.Timestamp]:
    return [pd.Timestamp(day, tz="UTC") for day in days]


def test_daily_date_rules() -> None:
    index = pd.bdate_range("2024-01-02", "2024-02-29", tz="UTC")
    month_start, second, month_end, every = _fired(
        index,
        [
            (date_rules.month_start(), None),
            (date_rules.month_start(days_offset=1), None),
            (date_rules.month_end(), None),
            (date_rules.every_day(), None),
        ],
    )
    assert month_start == _days("2024-01-02", "2024-02-01")
    assert second == _days("2024-01-03", "2024-02-02")
    assert month_end == _days("2024-01-31", "2024-02-29")
    assert every == list(index)


def test_week_rules_follow_the_sessions_present() -> None:
    # No session on Monday 15 January (a holiday) nor Friday 19 January.
    index = pd.bdate_range("2024-01-02", "2024-01-26", tz="UTC").drop(
        _days("2024-01-15", "2024-01-19")
    )
    week_start, week_end, week_end_1 = _fired(
        index,
        [
            (date_rules.week_start(), None),
            (date_rules.week_end(), None),
            (date_rules.week_end(days_offset=1), None),
        ],
    )
    assert week_start == _days("2024-01-02", "2024-01-08", "2024-01-16", "2024-01-22")
    assert week_end == _days("2024-01-05", "2024-01-12", "2024-01-18", "2024-01-26")
    assert week_end_1 == _days("2024-01-04", "2024-01-11", "2024-01-17", "2024-01-25")


def test_minute_time_rules() -> None:
    fired = _fired(
        MINUTES,
        [
            (None, time_rules.market_open(minutes=1)),
            (None, time_rules.market_open(minutes=3)),
            (None, time_rules.market_close()),
            (None, time_rules.market_close(minutes=2)),
            (None, time_rules.every_minute()),
            (date_rules.month_start(), time_rules.market_open()),
            (None, None),
        ],
        Frequency.MINUTE,
    )
    bars = [[MINUTES.get_loc(t) for t in times] for times in fired]
    assert bars == [
        [0, 5],
        [2, 7],
        [4, 9],
        [3, 8],
        list(range(10)),
        [0],  # both sessions are in January: only the first is a month start
        [0, 5],  # defaults: every day at the open
    ]


def test_scheduled_functions_run_in_order_before_handle_data() -> None:
    calls: list[tuple[str, int]] = []

    def first(context: TradingContext, data: BarData) -> None:
        calls.append(("first", data.bar))

    def second(context: TradingContext, data: BarData) -> None:
        calls.append(("second", data.bar))

    def initialize(context: TradingContext) -> None:
        context.schedule_function(second, date_rules.every_day())
        context.schedule_function(first, date_rules.month_start())

    def handle_data(context: TradingContext, data: BarData) -> None:
        calls.append(("handle_data", data.bar))

    panel = make_panel(open=[1.0, 2.0])
    run_backtest(
        FunctionStrategy(initialize=initialize, handle_data=handle_data), panel, capital=1000
    )
    assert calls == [
        ("second", 0),
        ("first", 0),
        ("handle_data", 0),
        ("second", 1),
        ("handle_data", 1),
    ]


def test_schedule_function_outside_initialize_is_a_strategy_error() -> None:
    def handle_data(context: TradingContext, data: BarData) -> None:
        context.schedule_function(lambda c, d: None)

    with pytest.raises(StrategyError, match="only be called in initialize"):
        run_backtest(FunctionStrategy(handle_data=handle_data), make_panel(open=[1.0]))


def test_invalid_rule_offsets() -> None:
    with pytest.raises(ConfigError, match="start at 1"):
        time_rules.market_open(minutes=0)
    with pytest.raises(ConfigError, match="days_offset"):
        date_rules.month_start(days_offset=-1)


def test_end_rules_do_not_fire_on_a_truncated_last_period() -> None:
    from rustybt.engine.scheduling import date_rules

    # Wed 2020-01-29 .. Tue 2020-02-04: January ends inside the data, February does not;
    # the week of Feb 3 is cut off on Tuesday.
    sessions = pd.bdate_range("2020-01-29", "2020-02-04", tz="UTC")
    month_end = date_rules.month_end().session_mask(sessions)
    week_end = date_rules.week_end().session_mask(sessions)
    assert [str(d.date()) for d in sessions[month_end]] == ["2020-01-31"]
    assert [str(d.date()) for d in sessions[week_end]] == ["2020-01-31"]
    complete = pd.bdate_range("2020-01-29", "2020-02-07", tz="UTC")
    assert str(complete[date_rules.week_end().session_mask(complete)][-1].date()) == "2020-02-07"
