"""A finished run is never thrown away: failures keep a partial result marked failed,
analyze errors keep the complete one, limits stop endless strategies."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt import BacktestResult, Strategy, run_backtest
from rustybt.assets import Asset
from rustybt.data.bars import BarPanel
from rustybt.engine.limits import LimitReached
from rustybt.errors import ConfigError, StrategyError, UnknownSymbol
from tests.engine.helpers import make_panel

N = 20


def _panel() -> BarPanel:
    prices = np.linspace(100.0, 119.0, N)
    return make_panel(open=prices, close=prices, assets=(Asset("A"),))


class _BuyThenFail(Strategy):
    """Buys 10 shares on the first bar, records the bar, fails at bar ``fail_at``."""

    def initialize(self, context: Any) -> None:  # Any: the engine's context
        context.bar = 0

    def handle_data(self, context: Any, data: Any) -> None:  # Any: context and data
        if context.bar == 0:
            context.order("A", 10)
        context.record(step=context.bar)
        context.bar += 1
        if context.bar == self.params.get("fail_at", 10**9):
            self.fail()

    def fail(self) -> None:
        raise ValueError("bad signal")


def test_a_failing_run_keeps_a_partial_result_marked_failed(tmp_path: Path) -> None:
    with pytest.raises(StrategyError, match="bad signal") as caught:
        run_backtest(_BuyThenFail(fail_at=8), _panel())
    partial = caught.value.result
    assert isinstance(partial, BacktestResult)
    assert partial.failed
    assert partial.metadata["status"] == "failed"
    assert partial.metadata["bars_run"] == 8
    error = partial.metadata["error"]
    assert isinstance(error, dict)
    assert error["hook"] == "handle_data"
    assert "bad signal" in str(error["message"])
    # 8 sessions ran (the failing one valued at its bar); the fill happened at bar 1's open.
    assert len(partial.perf) == 8
    assert list(partial.perf["step"]) == list(range(8))
    assert len(partial.transactions) == 1
    assert partial.final_equity == Decimal(1_000_000) + 10 * (Decimal("107") - Decimal("101"))
    assert "FAILED" in repr(partial)
    assert "bad signal" in repr(partial)
    assert "FAILED" in partial._repr_html_()
    partial.save(tmp_path / "partial")
    loaded = BacktestResult.load(tmp_path / "partial")
    assert loaded.failed
    assert "FAILED" in repr(loaded)
    assert len(loaded.perf) == 8


def test_a_completed_run_is_not_marked_failed() -> None:
    result = run_backtest(_BuyThenFail(), _panel())
    assert not result.failed
    assert result.metadata["status"] == "completed"
    assert "FAILED" not in repr(result)


def test_failing_initialize_has_no_partial_result() -> None:
    class Broken(Strategy):
        def initialize(self, context: Any) -> None:  # Any: the engine's context
            raise RuntimeError("no")

    with pytest.raises(StrategyError) as caught:
        run_backtest(Broken, _panel())
    assert caught.value.result is None


def test_analyze_raising_keeps_the_complete_result() -> None:
    class BadAnalyze(_BuyThenFail):
        def analyze(self, context: Any, result: BacktestResult) -> None:  # Any: context
            raise KeyError("missing column")

    with pytest.raises(StrategyError, match="missing column") as caught:
        run_backtest(BadAnalyze(), _panel())
    result = caught.value.result
    assert isinstance(result, BacktestResult)
    assert len(result.perf) == N
    assert result.failed
    assert result.metadata["bars_run"] == N
    error = result.metadata["error"]
    assert isinstance(error, dict)
    assert error["hook"] == "analyze"


@pytest.mark.parametrize(
    ("raised", "message"),
    [
        (SystemExit(3), "called sys.exit(3)"),
        (SystemExit(), "called sys.exit("),
        (KeyboardInterrupt(), "interrupted (KeyboardInterrupt)"),
    ],
)
def test_exit_and_interrupt_in_user_code_are_strategy_failures(
    raised: BaseException, message: str, tmp_path: Path
) -> None:
    class Exits(_BuyThenFail):
        def fail(self) -> None:
            raise raised

    log = tmp_path / "audit.jsonl"
    with pytest.raises(StrategyError) as caught:
        run_backtest(Exits(fail_at=3), _panel(), audit_log=log)
    assert message in caught.value.message
    assert isinstance(caught.value.result, BacktestResult)
    events = [json.loads(line)["event"] for line in log.read_text().splitlines()]
    assert events[0] == "run.started"
    assert events[-1] == "run.failed"


def test_sys_exit_in_initialize_is_a_strategy_failure() -> None:
    class ExitsEarly(Strategy):
        def initialize(self, context: Any) -> None:  # Any: the engine's context
            sys.exit("bye")

    with pytest.raises(StrategyError, match=r"called sys.exit\(bye\) in initialize"):
        run_backtest(ExitsEarly, _panel())


def test_an_exception_whose_str_raises_is_reported() -> None:
    class Nasty(Exception):
        def __str__(self) -> str:
            raise RuntimeError("str is broken too")

    class RaisesNasty(_BuyThenFail):
        def fail(self) -> None:
            raise Nasty

    with pytest.raises(StrategyError, match="could not be shown: RuntimeError") as caught:
        run_backtest(RaisesNasty(fail_at=2), _panel())
    assert "Nasty" in caught.value.message


def test_a_five_megabyte_exception_text_is_capped() -> None:
    class Huge(_BuyThenFail):
        def fail(self) -> None:
            raise ValueError("x" * 5_000_000)

    with pytest.raises(StrategyError) as caught:
        run_backtest(Huge(fail_at=2), _panel())
    assert len(str(caught.value)) < 3_000
    assert "chars cut" in caught.value.message


def test_an_unknown_set_benchmark_symbol_fails_before_the_loop() -> None:
    calls: list[int] = []

    class BadBenchmark(Strategy):
        def initialize(self, context: Any) -> None:  # Any: the engine's context
            context.set_benchmark("NOPE")

        def handle_data(self, context: Any, data: Any) -> None:  # Any: context and data
            calls.append(1)

    with pytest.raises(UnknownSymbol):
        run_backtest(BadBenchmark, _panel())
    assert calls == []


def test_mixed_decision_values_are_kept_as_json_text(tmp_path: Path) -> None:
    class Decides(Strategy):
        def initialize(self, context: Any) -> None:  # Any: the engine's context
            context.n = 0

        def handle_data(self, context: Any, data: Any) -> None:  # Any: context and data
            context.n += 1
            odd = context.n % 2
            context.log_decision(
                "hold",
                reason="test",
                value=[1, 2.5, "x"] if odd else "plain",
                amount=Decimal("1.25") if odd else 3,
                size=context.n,
                label="text",
            )

    result = run_backtest(Decides, _panel())
    result.save(tmp_path / "r")
    decisions = BacktestResult.load(tmp_path / "r").decisions
    assert json.loads(decisions["value"].iloc[0]) == [1, 2.5, "x"]
    assert json.loads(decisions["value"].iloc[1]) == "plain"
    assert json.loads(decisions["amount"].iloc[0]) == "1.25"
    assert json.loads(decisions["amount"].iloc[1]) == 3
    assert list(decisions["size"]) == list(range(1, N + 1))  # uniform columns stay as they are
    assert set(decisions["label"]) == {"text"}


def test_max_bars_stops_the_run_with_a_partial_result() -> None:
    with pytest.raises(LimitReached, match="bar limit") as caught:
        run_backtest(_BuyThenFail(), _panel(), max_bars=5)
    partial = caught.value.result
    assert isinstance(partial, BacktestResult)
    assert partial.metadata["bars_run"] == 5
    assert len(partial.perf) == 5


def test_time_limit_stops_an_endless_handle_data(tmp_path: Path) -> None:
    class Endless(_BuyThenFail):
        def fail(self) -> None:
            while True:
                pass

    log = tmp_path / "audit.jsonl"
    began = time.monotonic()
    with pytest.raises(LimitReached, match="time limit") as caught:
        run_backtest(Endless(fail_at=2), _panel(), time_limit=0.3, audit_log=log)
    assert time.monotonic() - began < 5
    assert "handle_data" in caught.value.message
    assert isinstance(caught.value.result, BacktestResult)
    events = [json.loads(line)["event"] for line in log.read_text().splitlines()]
    assert events[-1] == "run.failed"


def test_time_limit_stops_a_loop_that_keeps_calling_the_engine() -> None:
    class Busy(_BuyThenFail):
        def fail(self) -> None:
            while True:
                self.context.portfolio.cash  # noqa: B018  # engine code, forever

        def initialize(self, context: Any) -> None:  # Any: the engine's context
            super().initialize(context)
            self.context = context

    with pytest.raises(LimitReached, match="time limit"):
        run_backtest(Busy(fail_at=2), _panel(), time_limit=0.3)


@pytest.mark.parametrize(
    ("options"), [{"time_limit": 0}, {"time_limit": float("nan")}, {"max_bars": 0}]
)
def test_bad_limits_are_config_errors(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        run_backtest(_BuyThenFail(), _panel(), **options)


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)


def test_decision_numbers_that_do_not_fit_a_column_are_kept_as_json_text(tmp_path: Path) -> None:
    columns = {"big": [10**20, 1], "mixed": [2**60, 0.5], "flags": [True, 1.5]}

    class Logs(Strategy):
        def initialize(self, context: Any) -> None:  # Any: the engine's context
            context.i = 0

        def handle_data(self, context: Any, data: Any) -> None:  # Any: context and data
            if context.i < 2:
                context.log_decision("x", **{k: v[context.i] for k, v in columns.items()})
            context.i += 1

    run_backtest(Logs, _panel()).save(tmp_path / "r")
    decisions = BacktestResult.load(tmp_path / "r").decisions
    for name, values in columns.items():
        assert [json.loads(text) for text in decisions[name]] == values


@settings(max_examples=40)
@given(
    values=st.lists(
        st.dictionaries(
            st.sampled_from(["a", "b", "timestamp", "reason"]),
            _json_values | st.decimals(allow_nan=False, places=3),
            max_size=3,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_decision_values_survive_save_and_load(values: list[dict[str, Any]]) -> None:
    class Logs(Strategy):
        def initialize(self, context: Any) -> None:  # Any: the engine's context
            context.i = 0

        def handle_data(self, context: Any, data: Any) -> None:  # Any: context and data
            if context.i < len(values):
                context.log_decision("x", **values[context.i])
            context.i += 1

    result = run_backtest(Logs, _panel())
    with tempfile.TemporaryDirectory() as folder:
        result.save(Path(folder) / "r")
        loaded = BacktestResult.load(Path(folder) / "r")
    assert len(loaded.decisions) == len(values)
    assert str(loaded.decisions["timestamp"].dtype) == "datetime64[ns, UTC]"
