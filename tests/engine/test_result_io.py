"""`BacktestResult.save` / `load` round-trip: Decimals digit for digit, frames equal."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rustybt import BacktestResult, run_backtest
from rustybt.api import FixedBasisPoints, PerDollar
from rustybt.assets import Asset
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.data_portal import BarData
from rustybt.errors import CatalogError, DataNotFound
from tests.engine.helpers import Scripted, make_panel, order_at


def _result() -> BacktestResult:
    rng = np.random.default_rng(7)
    closes = np.c_[
        100 * np.cumprod(1 + rng.normal(0, 0.01, 8)), 30000 * np.cumprod(1 + rng.normal(0, 0.02, 8))
    ].round(4)
    panel = make_panel(
        open=closes * 0.999,
        high=closes * 1.01,
        low=closes * 0.98,
        close=closes,
        volume=[[500.0, 40.0]] * 8,
        assets=(Asset("AAA", sector="Tech"), Asset.crypto("BTC")),
    )

    def each_bar(context: TradingContext, data: BarData) -> None:
        context.record(lev=context.portfolio.gross_leverage)
        if data.bar == 3:
            context.log_decision("rebalance", reason="month start", weight=0.25)

    script = Scripted(
        [
            order_at(0, "AAA", 30),  # 12 per bar under the 2.5% cap: three fills
            order_at(0, "BTC", 0.123456789),
            order_at(2, "AAA", -5, limit_price=float(closes[2, 0]) * 1.005),
            order_at(4, "BTC", -0.2),  # reversal to short
            order_at(5, "AAA", 3, limit_price=1.0),  # rests, open at the end
        ],
        each_bar=each_bar,
    )
    return run_backtest(
        script.strategy,
        panel,
        capital=100_000,
        commission=PerDollar(0.00075),
        slippage=FixedBasisPoints(3.3),
        benchmark="AAA",
    )


def test_round_trip_is_lossless(tmp_path: Path) -> None:
    result = _result()
    assert len(result.transactions) >= 5
    assert len(result.decisions) == 1
    loaded = BacktestResult.load(result.save(tmp_path / "run"))

    for name in ("transactions", "orders"):
        before, after = getattr(result, name), getattr(loaded, name)
        for column in ("quantity", "price", "commission", "slippage", "filled", "average_price"):
            if column in before.columns:
                assert [str(v) for v in before[column]] == [str(v) for v in after[column]]
                assert all(isinstance(v, Decimal | None) for v in after[column])
        pd.testing.assert_frame_equal(before, after)
    # The index freq (a date_range artefact of the test panel) is not data; parquet drops it.
    pd.testing.assert_frame_equal(result.perf, loaded.perf, check_freq=False)
    pd.testing.assert_frame_equal(result.positions, loaded.positions)
    pd.testing.assert_frame_equal(result.decisions, loaded.decisions)
    assert loaded.metadata == result.metadata
    assert loaded.ledger == result.ledger
    assert [str(v) for v in loaded.ledger.values()] == [str(v) for v in result.ledger.values()]
    assert loaded.bars is not None
    assert result.bars is not None
    assert loaded.bars.symbols == result.bars.symbols
    np.testing.assert_array_equal(loaded.bars.close, result.bars.close)


def test_saved_decimals_are_strings_listed_in_the_metadata(tmp_path: Path) -> None:
    result = _result()
    directory = result.save(tmp_path / "run")
    payload = json.loads((directory / "metadata.json").read_text())
    assert payload["decimal_columns"]["transactions"] == [
        "quantity",
        "price",
        "commission",
        "slippage",
    ]
    raw = pd.read_parquet(directory / "transactions.parquet")
    assert raw["price"].tolist() == [str(v) for v in result.transactions["price"]]


def test_an_empty_run_round_trips(tmp_path: Path) -> None:
    script = Scripted([])
    result = run_backtest(script.strategy, make_panel(open=[1.0, 2.0]), capital=10)
    loaded = BacktestResult.load(result.save(tmp_path / "empty"))
    assert loaded.bars is None
    assert len(loaded.transactions) == 0
    # The index freq (a date_range artefact of the test panel) is not data; parquet drops it.
    pd.testing.assert_frame_equal(result.perf, loaded.perf, check_freq=False)
    assert loaded.final_equity == Decimal(10)


def test_loading_what_is_not_a_result(tmp_path: Path) -> None:
    with pytest.raises(DataNotFound, match="no saved backtest result"):
        BacktestResult.load(tmp_path)
    (tmp_path / "metadata.json").write_text("{not json")
    with pytest.raises(CatalogError, match="not valid JSON"):
        BacktestResult.load(tmp_path)


def test_repr_summarises_the_run() -> None:
    text = repr(_result())
    assert text.startswith("BacktestResult(")
    assert "starting capital  100,000.00" in text
