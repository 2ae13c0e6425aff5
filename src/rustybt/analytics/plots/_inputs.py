"""What every figure accepts: a `BacktestResult` or the plain pandas objects in it."""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import pandas as pd

from rustybt.data.bars import FloatArray
from rustybt.engine.result import BacktestResult
from rustybt.errors import ConfigError, SchemaError

__all__ = [
    "ReturnsSource",
    "TradesSource",
    "closed_trades",
    "float_column",
    "resolve_benchmark",
    "resolve_returns",
    "resolve_trades",
]

ReturnsSource: TypeAlias = "BacktestResult | pd.Series[float]"
TradesSource: TypeAlias = "BacktestResult | pd.DataFrame"


def resolve_returns(source: ReturnsSource) -> pd.Series[float]:
    """The strategy's simple returns: ``result.returns`` or the Series itself."""
    if isinstance(source, BacktestResult):
        return source.returns.astype(np.float64)
    if isinstance(source, pd.Series):
        return source
    raise ConfigError(
        "pass a BacktestResult or a returns Series",
        context={"got": type(source).__name__},
    )


def resolve_benchmark(
    source: ReturnsSource, benchmark: pd.Series[float] | None
) -> pd.Series[float] | None:
    """``benchmark`` if given, else the result's benchmark returns (None without one).

    A benchmark column that is entirely NaN (no benchmark was set) counts as none.
    """
    if benchmark is not None:
        if not isinstance(benchmark, pd.Series):
            raise ConfigError(
                "benchmark must be a returns Series",
                context={"got": type(benchmark).__name__},
            )
        return benchmark
    if isinstance(source, BacktestResult):
        found = source.benchmark_returns
        if found is not None and bool(found.notna().any()):
            return found.astype(np.float64)
    return None


def resolve_trades(source: TradesSource) -> pd.DataFrame:
    """The round-trips frame: ``result.trades`` or the DataFrame itself."""
    if isinstance(source, BacktestResult):
        return source.trades
    if isinstance(source, pd.DataFrame):
        return source
    raise ConfigError(
        "pass a BacktestResult or a trades DataFrame (result.trades)",
        context={"got": type(source).__name__},
    )


def closed_trades(source: TradesSource, needed: tuple[str, ...]) -> pd.DataFrame:
    """Closed round trips only, after checking the columns a figure needs."""
    trades = resolve_trades(source)
    missing = [name for name in ("is_open", *needed) if name not in trades.columns]
    if missing:
        raise SchemaError(
            f"trades frame lacks column(s) {', '.join(missing)}; pass result.trades",
            context={"missing": missing, "columns": [str(c) for c in trades.columns][:12]},
        )
    closed: pd.DataFrame = trades[~trades["is_open"].astype(bool)]
    return closed


def float_column(frame: pd.DataFrame, name: str) -> FloatArray:
    """A column as float64 (Decimal money columns included; None becomes NaN)."""
    return np.array(
        [np.nan if value is None else float(value) for value in frame[name]],
        dtype=np.float64,
    )
