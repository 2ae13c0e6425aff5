"""fill_at="next_close": zipline's daily fills (the next bar's close; limits and
stops checked against that close only)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from rustybt import run_backtest
from rustybt.errors import ConfigError
from tests.engine.helpers import Scripted, make_panel

# open, high, low, close per bar
OPEN = [10.0, 10.0, 12.0, 11.0]
HIGH = [10.5, 13.0, 12.5, 11.5]
LOW = [9.5, 9.0, 9.8, 10.5]
CLOSE = [10.0, 11.0, 10.0, 11.0]


def _fills(calls: list[tuple[int, str, tuple[object, ...], dict[str, object]]]) -> list[object]:
    panel = make_panel(open=OPEN, high=HIGH, low=LOW, close=CLOSE)
    result = run_backtest(
        Scripted(calls).strategy, panel, capital=1000, fill_at="next_close", volume_limit=None
    )
    return [
        (int(bar), price)
        for bar, price in zip(result.transactions["bar"], result.transactions["price"], strict=True)
    ]


def test_market_orders_fill_at_the_next_close() -> None:
    assert _fills([(0, "order", ("A", 1), {})]) == [(1, D("11.0"))]


def test_limits_and_stops_see_only_the_close() -> None:
    # Buy limit 10.5: bar 1's low (9.0) would trade intrabar, but its close (11) does
    # not; bar 2's close (10) does, at that close.
    assert _fills([(0, "order", ("A", 1), {"limit_price": 10.5})]) == [(2, D("10.0"))]
    # Sell stop 10.2: bar 1's low would trigger, its close does not; bar 2's close does.
    assert _fills([(0, "order", ("A", -1), {"stop_price": 10.2})]) == [(2, D("10.0"))]


def test_an_unknown_fill_rule_is_refused() -> None:
    with pytest.raises(ConfigError, match="next_close"):
        run_backtest(Scripted([]).strategy, make_panel(open=OPEN), fill_at="tomorrow")  # type: ignore[arg-type]
