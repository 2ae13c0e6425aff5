"""Strategy files: zipline-style functions or a Strategy subclass, with parameters."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from rustybt import FunctionStrategy, Strategy, load_strategy_file, run_backtest
from rustybt.errors import ConfigError, DataNotFound, StrategyError
from tests.engine.helpers import make_panel

FUNCTIONS = """
PARAMS = {"size": 5, "label": "x"}

def initialize(context):
    context.asset = context.symbol("A")

def handle_data(context, data):
    if data.bar == 0:
        context.order(context.asset, context.params["size"])
"""

SUBCLASS = """
from rustybt import Strategy

class Helper(Strategy):
    pass

class BuySome(Strategy):
    def __init__(self, size=3):
        super().__init__(size=size)
        self.size = size

    def handle_data(self, context, data):
        if data.bar == 0:
            context.order("A", self.size)
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _bought(strategy: Strategy) -> D:
    result = run_backtest(strategy, make_panel(open=[10.0, 10.0]), capital=1000)
    return D(sum(result.transactions["quantity"], D(0)))


def test_module_functions_with_params_merged_over_the_file_defaults(tmp_path: Path) -> None:
    path = _write(tmp_path, "buy_five.py", FUNCTIONS)
    strategy = load_strategy_file(path)
    assert isinstance(strategy, FunctionStrategy)
    assert strategy.name == "buy_five"
    assert strategy.params == {"size": 5, "label": "x"}
    assert _bought(strategy) == 5
    overridden = load_strategy_file(path, size=7)
    assert overridden.params == {"size": 7, "label": "x"}
    assert _bought(overridden) == 7


def test_the_last_strategy_subclass_is_used_with_params(tmp_path: Path) -> None:
    path = _write(tmp_path, "classy.py", SUBCLASS)
    strategy = load_strategy_file(path, size=4)
    assert strategy.name == "BuySome"
    assert _bought(strategy) == 4
    result = run_backtest(strategy, make_panel(open=[10.0, 10.0]), capital=1000)
    assert result.metadata["params"] == {"size": 4}
    with pytest.raises(ConfigError, match=r"has no parameter 'sizes'; did you mean 'size'\?"):
        load_strategy_file(path, sizes=4)


def test_strategy_file_errors(tmp_path: Path) -> None:
    with pytest.raises(DataNotFound, match="strategy file not found"):
        load_strategy_file(tmp_path / "missing.py")
    with pytest.raises(ConfigError, match=r"must be a \.py file"):
        load_strategy_file(_write(tmp_path, "notes.txt", "x = 1"))
    with pytest.raises(StrategyError, match="failed to import: SyntaxError"):
        load_strategy_file(_write(tmp_path, "broken.py", "def handle_data(:\n"))
    with pytest.raises(StrategyError, match="failed to import: ZeroDivisionError"):
        load_strategy_file(_write(tmp_path, "raises.py", "x = 1 / 0\n"))
    with pytest.raises(StrategyError, match="defines neither initialize nor handle_data"):
        load_strategy_file(_write(tmp_path, "empty.py", "VALUE = 1\n"))


def test_function_strategy_rejects_non_callables_and_reports_overrides() -> None:
    with pytest.raises(StrategyError, match="handle_data must be a function"):
        FunctionStrategy(handle_data=42)  # type: ignore[arg-type]
    strategy = FunctionStrategy(handle_data=lambda context, data: None)
    assert strategy.overrides("handle_data")
    assert not strategy.overrides("before_trading_start")
    assert not Strategy().overrides("handle_data")
