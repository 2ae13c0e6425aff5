"""Analytics take a BacktestResult as readily as plain pandas inputs."""

from __future__ import annotations

import pandas as pd

from rustybt import load_strategy_file, run_backtest
from rustybt.analytics.metrics import performance_metrics
from rustybt.analytics.trades import trade_summary, trade_summary_by_symbol
from rustybt.data.synthetic import demo_benchmark, demo_panel
from tests.test_examples import EXAMPLES


def test_metrics_and_trade_summaries_accept_a_result() -> None:
    strategy = load_strategy_file(EXAMPLES / "dual_moving_average.py")
    result = run_backtest(strategy, demo_panel(), benchmark=demo_benchmark())
    from_result = performance_metrics(result)
    from_series = performance_metrics(result.returns, result.benchmark_returns)
    assert from_result == from_series
    assert from_result.beta is not None
    pd.testing.assert_frame_equal(trade_summary(result), trade_summary(result.trades))
    pd.testing.assert_frame_equal(
        trade_summary_by_symbol(result), trade_summary_by_symbol(result.trades)
    )
