"""rustybt: event-driven backtesting with an exact ledger and trustworthy analytics.

from rustybt import Strategy, run_backtest
from rustybt.data.synthetic import demo_panel
"""

from __future__ import annotations

__version__ = "0.1.0"

from rustybt.assets import Asset, AssetClass
from rustybt.engine.result import BacktestResult
from rustybt.engine.run_algorithm import run_algorithm
from rustybt.engine.runner import run_backtest
from rustybt.engine.strategy import FunctionStrategy, Strategy, load_strategy_file

__all__ = [
    "Asset",
    "AssetClass",
    "BacktestResult",
    "FunctionStrategy",
    "Strategy",
    "__version__",
    "load_strategy_file",
    "run_algorithm",
    "run_backtest",
]
