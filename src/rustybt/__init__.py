"""rustybt: event-driven backtesting with an exact ledger and trustworthy analytics.

from rustybt import Strategy, run_backtest
from rustybt.data.synthetic import demo_panel

The public names are imported on first use (PEP 562 module ``__getattr__``), so
``import rustybt`` costs almost nothing beyond numpy and pandas and a command
that needs only part of the package never pays for the rest.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from rustybt.assets import Asset, AssetClass
    from rustybt.engine.result import BacktestResult
    from rustybt.engine.run_algorithm import run_algorithm
    from rustybt.engine.runner import run_backtest
    from rustybt.engine.strategy import FunctionStrategy, Strategy, load_strategy_file

# Public name -> the module defining it.
_LAZY = {
    "Asset": "rustybt.assets",
    "AssetClass": "rustybt.assets",
    "BacktestResult": "rustybt.engine.result",
    "FunctionStrategy": "rustybt.engine.strategy",
    "Strategy": "rustybt.engine.strategy",
    "load_strategy_file": "rustybt.engine.strategy",
    "run_algorithm": "rustybt.engine.run_algorithm",
    "run_backtest": "rustybt.engine.runner",
}

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


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rustybt' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
