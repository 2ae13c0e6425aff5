"""Scripts of zipline's own test suite (zipline/test_algorithms.py), rewritten with
rustybt imports and run as files, the way the CLI runs them."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from rustybt import run_backtest
from rustybt.assets import Asset
from rustybt.engine.strategy import load_strategy_file
from rustybt.errors import StrategyError
from tests.engine.helpers import make_panel

PANEL = make_panel(
    open=[[10.0, 20.0], [11.0, 21.0], [12.0, 22.0], [13.0, 23.0], [14.0, 24.0]],
    assets=(Asset("TEST"), Asset("OTHER")),
)

API_ALGO = """
from rustybt.api import order, set_slippage, FixedSlippage, record, sid

def initialize(context):
    context.incr = 0
    set_slippage(FixedSlippage())

def handle_data(context, data):
    if context.incr == 0:
        assert 0 not in context.portfolio.positions
    else:
        assert context.portfolio.positions[0].amount == context.incr
        assert context.portfolio.positions[0].last_sale_price == data.current(sid(0), "price")
        assert context.portfolio.positions[0].last_sale_date == context.get_datetime()
    context.incr += 1
    order(sid(0), 1)
    record(incr=context.incr)
"""

ENVIRONMENT_ALGO = """
from rustybt.api import get_environment

def initialize(context):
    context.environment = get_environment()
    context.everything = get_environment("*")

def handle_data(context, data):
    pass

def analyze(context, perf):
    global SEEN
    SEEN = (context.environment, context.everything["data_frequency"], len(perf))
"""

PORTFOLIO_IN_INIT = """
def initialize(context):
    context.cash_at_start = context.portfolio.cash
    context.settled = context.account.settled_cash

def handle_data(context, data):
    pass

def analyze(context, perf):
    global SEEN
    SEEN = (context.cash_at_start, context.settled)
"""

RECORD_VARIABLES = """
from rustybt.api import record

def initialize(context):
    context.incr = 0

def handle_data(context, data):
    context.incr += 1
    record(incr=context.incr, magic=float("%s"))

def analyze(context, perf):
    global SEEN
    SEEN = perf
"""

CALL_WITH_KWARGS = """
from rustybt.api import symbol

def initialize(context):
    context.seen = []

def handle_data(context, data):
    history = data.history(assets=symbol("TEST"), fields="price", bar_count=5, frequency="1d")
    current = data.current(assets=symbol("TEST"), fields="price")
    positional = data.history(symbol("TEST"), "price", 5, "1d")
    context.seen.append((history.iloc[-1], current, positional.equals(history),
                         data.is_stale(symbol("TEST")), data.can_trade(symbol("TEST"))))

def analyze(context, perf):
    global SEEN
    SEEN = context.seen
"""

BAD_KWARGS = """
from rustybt.api import symbol

def initialize(context):
    pass

def handle_data(context, data):
    data.history(assets=symbol("TEST"), fields="price", blahblah=5, frequency="1d")
"""


def _run(tmp_path: Path, source: str, name: str = "algo") -> object:
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    strategy = load_strategy_file(path)
    run_backtest(strategy, PANEL, capital=10_000)
    return strategy


def _seen(strategy: object) -> object:
    # The hooks live in the loaded module; its SEEN global is what analyze kept.
    module = strategy._hooks["analyze"].__globals__  # type: ignore[attr-defined]
    return module["SEEN"]


def test_api_algo_fills_one_share_a_bar_by_sid(tmp_path: Path) -> None:
    _run(tmp_path, API_ALGO)  # its own asserts check each bar


def test_get_environment(tmp_path: Path) -> None:
    assert _seen(_run(tmp_path, ENVIRONMENT_ALGO)) == ("rustybt", "daily", 5)


def test_portfolio_and_account_in_initialize(tmp_path: Path) -> None:
    assert _seen(_run(tmp_path, PORTFOLIO_IN_INIT)) == (10_000.0, 10_000.0)


@pytest.mark.parametrize("magic", ["nan", "inf", "-inf", "1.5"])
def test_record_variables_and_float_magic(tmp_path: Path, magic: str) -> None:
    perf = _seen(_run(tmp_path, RECORD_VARIABLES % magic))
    assert isinstance(perf, pd.DataFrame)
    assert perf["incr"].tolist() == [1, 2, 3, 4, 5]
    value = float(magic)
    assert all((math.isnan(v) and math.isnan(value)) or v == value for v in perf["magic"].tolist())


def test_history_and_current_with_keywords(tmp_path: Path) -> None:
    seen = _seen(_run(tmp_path, CALL_WITH_KWARGS))
    assert seen[-1] == (14.0, 14.0, True, False, True)


def test_bad_keyword_is_reported_as_the_strategy_error(tmp_path: Path) -> None:
    with pytest.raises(StrategyError, match="blahblah"):
        _run(tmp_path, BAD_KWARGS)
