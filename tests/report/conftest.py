"""Shared fixtures: one demo backtest with trades, positions, sectors and a benchmark."""

from __future__ import annotations

from pathlib import Path

import pytest

from rustybt import BacktestResult, load_strategy_file, run_backtest
from rustybt.data.synthetic import demo_benchmark, demo_panel
from rustybt.report import ReportGenerator

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def demo_result() -> BacktestResult:
    strategy = load_strategy_file(ROOT / "examples" / "momentum_rotation.py", top_k=5)
    return run_backtest(strategy, demo_panel(), benchmark=demo_benchmark())


@pytest.fixture(scope="session")
def demo_report(demo_result: BacktestResult) -> ReportGenerator:
    return ReportGenerator(demo_result)


@pytest.fixture(scope="session")
def demo_json(demo_report: ReportGenerator) -> dict[str, object]:
    import json

    # Through the JSON text, as a user would read it.
    return dict(json.loads(json.dumps(demo_report.to_dict(), allow_nan=False)))
