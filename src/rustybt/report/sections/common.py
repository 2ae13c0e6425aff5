"""Helpers shared by the section builders."""

from __future__ import annotations

import pandas as pd

from rustybt.errors import RustyBTError
from rustybt.report.inputs import ReportInputs

__all__ = ["Omitted", "benchmark_in_window", "require_result"]


class Omitted(RustyBTError):
    """A section the data does not allow; ``message`` says why (shown in the report)."""


def require_result(inputs: ReportInputs, what: str) -> None:
    if inputs.result is None:
        raise Omitted(f"{what} need a backtest or paper-trading result, not a plain return series")


def benchmark_in_window(inputs: ReportInputs) -> pd.Series | None:
    """The benchmark cut to the strategy's first and last dates (None without one)."""
    if inputs.benchmark is None or not inputs.has_benchmark:
        return None
    index = inputs.returns.index
    bench = inputs.benchmark.dropna()
    if isinstance(index, pd.DatetimeIndex) and len(index):
        bench = bench.loc[(bench.index >= index[0]) & (bench.index <= index[-1])]
    return bench if len(bench) else None
