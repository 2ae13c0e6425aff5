"""The result tables built on first read equal the ones built when the run finished.

Each run is watched at `_Run._result`: right after the deferred result is made, the
tables are also built eagerly from the run's state (the builders the engine used
before: `FillLog.to_frame`, `orders_frame`, `positions_frame`, `decisions_frame`,
`BarPanel.select`, the universe of every session's closes). Then the run's state is
changed as a continuing live session would change it, and only then are the deferred
tables read: every one must equal its eager twin, values, dtypes and column order.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from rustybt import BacktestResult, FunctionStrategy, Strategy, run_backtest
from rustybt.data.bars import BarPanel, Frequency
from rustybt.data.synthetic import benchmark_panel
from rustybt.engine import runner as runner_module
from rustybt.engine.orders import orders_frame
from rustybt.engine.result import DEFERRED_TABLES
from rustybt.errors import StrategyError

TABLES = ("perf", "transactions", "orders", "positions", "decisions", "universe")


def _eager_universe(run: Any, perf_index: pd.Index) -> pd.DataFrame:
    """The universe as the engine built it before it was deferred."""
    panel, layout = run.panel, run.layout
    symbols = list(panel.symbols)
    if panel.frequency == Frequency.DAILY:
        frame = pd.DataFrame(panel.close, index=layout.sessions, columns=symbols)
        return frame.reindex(perf_index)
    frame = pd.DataFrame(panel.close, columns=symbols)
    last = frame.groupby(layout.session_of_bar).last()
    last.index = layout.sessions[last.index.to_numpy()]
    return last.reindex(layout.sessions).reindex(perf_index)


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch) -> list[tuple[BacktestResult, dict[str, Any]]]:
    """Every result the engine makes, with its tables built eagerly at that moment;
    the run's fill log, decisions and open orders are then changed."""
    seen: list[tuple[BacktestResult, dict[str, Any]]] = []
    original = runner_module._Run._result

    def result(self: Any, tracker: Any, end: Any, last_bar: int | None = None) -> BacktestResult:
        made = original(self, tracker, end, last_bar)
        assert not set(DEFERRED_TABLES) & set(made.__dict__)  # nothing built yet
        last = len(self.panel) - 1 if last_bar is None else last_bar
        traded = sorted(set(self.blotter.fills.symbols))
        eager = {
            "perf": made.perf.copy(),
            "transactions": self.blotter.fills.to_frame(self.panel.index),
            "orders": orders_frame(self.blotter.all_orders),
            "positions": tracker.positions_frame(),
            "decisions": self.recorder.decisions_frame(),
            "bars": None
            if not traded
            else self.panel.select(assets=traded, end=self.panel.index[last]),
            "universe": _eager_universe(self, made.perf.index),
        }
        seen.append((made, eager))
        # What a session going on would do: more fills, decisions, order changes.
        later = Decimal(7)
        self.blotter.fills.flat.extend((0, "LATER", later, later, later, later, "LATER", 1.0, 1.0))
        self.recorder.decisions.append({"timestamp": end, "signal": "later", "reason": ""})
        for order in self.blotter.open_orders:
            order.reason = "changed later"
        return made

    monkeypatch.setattr(runner_module._Run, "_result", result)
    return seen


def _same_tables(lazy: BacktestResult, eager: dict[str, Any]) -> None:
    for name in TABLES:
        got, want = getattr(lazy, name), eager[name]
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert list(got.dtypes) == list(want.dtypes), name
        assert list(got.columns) == list(want.columns), name
    if eager["bars"] is None:
        assert lazy.bars is None
    else:
        assert lazy.bars is not None
        assert lazy.bars.assets == eager["bars"].assets
        pd.testing.assert_frame_equal(lazy.bars.to_frame(), eager["bars"].to_frame())


def _eager_result(lazy: BacktestResult, eager: dict[str, Any]) -> BacktestResult:
    return BacktestResult(
        metadata=lazy.metadata, **{k: v for k, v in eager.items() if k != "perf"}, perf=lazy.perf
    )


class Crossover(Strategy):
    def initialize(self, context: Any) -> None:
        context.names = context.assets

    def handle_data(self, context: Any, data: Any) -> None:
        for asset in context.names:
            window = data.history(asset, "close", 20)
            if np.isnan(window[0]):
                continue
            held = asset in context.portfolio.positions
            if window[-5:].mean() > window.mean() and not held:
                context.order_target_percent(asset, 1.0 / len(context.names))
            elif window[-5:].mean() <= window.mean() and held:
                context.order_target(asset, 0)
        context.record(held=float(len(context.portfolio.positions)))


class LimitsStopsCancels(Strategy):
    """Limit, stop and stop-limit orders, some cancelled, some left open at the end;
    decisions logged with mixed details."""

    def handle_data(self, context: Any, data: Any) -> None:
        bar = context.bar_count = getattr(context, "bar_count", -1) + 1
        asset = context.assets[bar % len(context.assets)]
        price = data.current(asset, "close")
        if bar % 3 == 0:
            context.order(asset, 10, limit_price=price * 0.99)
        elif bar % 3 == 1:
            order = context.order(asset, -5, stop_price=price * 0.97)
            if order is not None and bar % 2:
                context.cancel_order(order)
        else:
            context.order(asset, 3, limit_price=price * 1.02, stop_price=price * 1.01)
        context.log_decision("tick", reason="scripted", bar=bar, note=None if bar % 2 else "x")


class FailsAtBar(Crossover):
    def handle_data(self, context: Any, data: Any) -> None:
        super().handle_data(context, data)
        if data.current_dt == context.fail_at:
            raise ValueError("scripted failure")


def _zipline_style() -> FunctionStrategy:
    from rustybt.api import order_target, order_target_percent, record

    def initialize(context: Any) -> None:
        context.asset = context.assets[0]

    def handle_data(context: Any, data: Any) -> None:
        closes = data.history(context.asset, "close", 10)
        values = closes.to_numpy()
        if np.isnan(values[0]):
            return
        held = context.asset in context.portfolio.positions
        if values[-3:].mean() > values.mean() and not held:
            order_target_percent(context.asset, 0.5)
        elif values[-3:].mean() <= values.mean() and held:
            order_target(context.asset, 0)
        record(close=values[-1])

    return FunctionStrategy(initialize=initialize, handle_data=handle_data, zipline_api=True)


def _daily(n_assets: int = 6, n_bars: int = 120) -> BarPanel:
    return benchmark_panel(n_assets, n_bars, "daily", seed=3)


def _minute() -> BarPanel:
    return benchmark_panel(3, 1_500, "minute", asset_class="crypto", seed=5)


SCENARIOS: dict[str, Callable[[], BacktestResult]] = {
    "crossover": lambda: run_backtest(Crossover(), _daily(), volume_limit=None),
    "limits, stops, cancels": lambda: run_backtest(LimitsStopsCancels(), _daily(4, 60)),
    "minute": lambda: run_backtest(Crossover(), _minute(), volume_limit=None),
    "zipline-style": lambda: run_backtest(_zipline_style(), _daily(1, 150), fill_at="next_close"),
    "benchmark and close fills": lambda: run_backtest(
        Crossover(), _daily(), benchmark=_daily().symbols[1], fill_at="close", check_cash=True
    ),
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_deferred_tables_equal_the_eager_ones(
    scenario: str, watched: list[tuple[BacktestResult, dict[str, Any]]]
) -> None:
    result = SCENARIOS[scenario]()
    [(made, eager)] = watched
    assert made is result
    assert (len(result.orders) and len(eager["positions"])) or scenario == "zipline-style"
    # repr reads the counts without building anything, and says what the eager one says
    text = repr(result)
    assert not set(DEFERRED_TABLES) & set(result.__dict__)
    assert text == repr(_eager_result(result, eager))
    assert result._repr_html_() == _eager_result(result, eager)._repr_html_()
    _same_tables(result, eager)
    assert result.__dict__["_pending"] == {}  # the captured inputs are released
    assert repr(result) == text


@pytest.mark.parametrize("where", ["minute", "daily"])
def test_a_failed_runs_result_on_the_error_defers_the_same_tables(
    where: str, watched: list[tuple[BacktestResult, dict[str, Any]]]
) -> None:
    panel = _minute() if where == "minute" else _daily()
    strategy = FailsAtBar()
    # A bar inside a session: the failing session is valued at the failing bar.
    strategy_bar = 1_000 if where == "minute" else 70
    fail_at = panel.index[strategy_bar]

    def initialize(context: Any) -> None:
        Crossover.initialize(strategy, context)
        context.fail_at = fail_at

    strategy.initialize = initialize  # type: ignore[method-assign]
    with pytest.raises(StrategyError) as caught:
        run_backtest(strategy, panel, volume_limit=None)
    result = caught.value.result
    assert result is not None
    assert result.failed
    [(made, eager)] = watched
    assert made is result
    _same_tables(result, eager)


def test_pickle_copy_replace_and_fields_see_every_table(
    watched: list[tuple[BacktestResult, dict[str, Any]]],
) -> None:
    result = SCENARIOS["limits, stops, cancels"]()
    [(_, eager)] = watched
    for other in (
        pickle.loads(pickle.dumps(result)),
        copy.deepcopy(result),
        copy.copy(result),
        dataclasses.replace(result),
    ):
        assert "_pending" not in other.__dict__
        _same_tables(other, eager)
    names = [f.name for f in dataclasses.fields(result)]
    assert names[:5] == ["perf", "transactions", "orders", "positions", "metadata"]
    assert set(dataclasses.asdict(result)) == set(names)


def test_save_load_and_exports_equal_the_eager_results(
    tmp_path: Path, watched: list[tuple[BacktestResult, dict[str, Any]]]
) -> None:
    result = SCENARIOS["crossover"]()
    [(_, eager)] = watched
    reference = _eager_result(result, eager)
    loaded = BacktestResult.load(result.save(tmp_path / "lazy"))
    loaded_reference = BacktestResult.load(reference.save(tmp_path / "eager"))
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(loaded, name), getattr(loaded_reference, name))
    for name, frame in result.to_pandas().items():
        pd.testing.assert_frame_equal(frame, reference.to_pandas()[name], check_exact=True)
    polars = result.to_polars()
    for name, frame in reference.to_polars().items():
        assert polars[name].equals(frame), name


def test_a_result_built_with_its_tables_is_unchanged() -> None:
    frame = pd.DataFrame({"x": [1.0]})
    result = BacktestResult(
        perf=frame, transactions=frame, orders=frame, positions=frame, metadata={}
    )
    assert result.transactions is frame
    assert result.positions is frame
    assert result.bars is None
    assert result.universe.empty
    assert result.decisions.empty
    result.universe = frame  # an attribute as before: assignable
    assert result.universe is frame
    assert pickle.loads(pickle.dumps(result)).universe.equals(frame)


def test_an_unread_result_holds_less_memory_than_a_read_one() -> None:
    """The captured inputs of the two big tables weigh less than the tables they
    build (positions: 32 bytes a row against 56; the universe: the panel's own closes
    against a copy). The transactions' input is the fill log's own rows (about the
    table's size), so it is not part of this comparison."""
    import gc
    import tracemalloc

    panel = _daily(100, 300)
    tracemalloc.start()
    try:
        result = run_backtest(Crossover(), panel, volume_limit=None)
        gc.collect()
        unread, _ = tracemalloc.get_traced_memory()
        for name in ("positions", "universe"):
            getattr(result, name)
        gc.collect()
        read, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    tables = sum(
        int(getattr(result, name).memory_usage(index=True, deep=False).sum())
        for name in ("positions", "universe")
    )
    assert len(result.positions) > 3_000
    # Reading them adds more than a quarter of the two big tables' own bytes (about
    # 40% here; the share grows with the assets held per session, as each session's
    # position arrays carry a fixed ~100-byte header).
    assert read - unread > tables / 4, (unread, read, tables)
