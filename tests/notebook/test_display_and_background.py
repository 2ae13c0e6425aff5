"""Rich displays, background handles and progress bars (no kernel: see test_notebooks)."""

from __future__ import annotations

import asyncio
import io
import sys
import threading
from pathlib import Path

import pytest

from rustybt import Strategy, run_backtest
from rustybt.data.synthetic import demo_panel
from rustybt.engine.limits import BacktestCancelled
from rustybt.engine.progress import BarProgress, wants_progress
from rustybt.errors import ConfigError
from rustybt.notebook import run_backtest_async, start_backtest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
from dual_moving_average import DualMovingAverage


@pytest.fixture(scope="module")
def panel():  # type: ignore[no-untyped-def]
    return demo_panel()


@pytest.fixture(scope="module")
def result(panel):  # type: ignore[no-untyped-def]
    return run_backtest(DualMovingAverage(fast=10, slow=40), panel)


def test_panel_summary_is_short_and_names_a_few_symbols(panel) -> None:  # type: ignore[no-untyped-def]
    text = repr(panel)
    assert "bars            1,007" in text
    assert "20: SYN000, SYN001, SYN002, SYN003, SYN004, SYN005, ... (+14 more)" in text
    assert "2015-01-02 to 2018-12-31" in text
    html = panel._repr_html_()
    assert len(html) < 2000
    assert "SYN019" not in html


def test_strategy_shows_name_parameters_and_hooks() -> None:
    text = repr(DualMovingAverage(fast=10, slow=40))
    assert "DualMovingAverage" in text
    assert "fast=10, slow=40" in text
    assert "initialize, handle_data" in text
    assert "analyze" not in text
    assert "<caption" in DualMovingAverage()._repr_html_()


def test_order_and_position_summaries(result, panel) -> None:  # type: ignore[no-untyped-def]
    held: list[object] = []

    class Hold(Strategy):
        def handle_data(self, context, data):  # type: ignore[no-untyped-def]
            if data.bar == 0:
                self.order = context.order(context.symbol("SYN000"), 10)
            if data.bar == 3:
                held.extend([context.portfolio, context.portfolio.positions, self.order])
                held.append(repr(context.portfolio))
                held.append(context.portfolio._repr_html_())

    run_backtest(Hold(), panel, end="2015-01-10")
    _portfolio, positions, order = held[0], held[1], held[2]
    position = next(iter(positions.values()))  # type: ignore[attr-defined]
    assert repr(position).startswith("Position(SYN000, amount=10,")
    assert "market value" in position._repr_html_()
    assert repr(order).startswith("Order(")
    assert "SYN000, 10 market" in repr(order)
    assert "filled" in order._repr_html_()
    assert "10 of 10" in order._repr_html_()
    assert "<td>SYN000</td>" in held[4]  # type: ignore[operator]


def test_result_and_metrics_text_and_html(result) -> None:  # type: ignore[no-untyped-def]
    from rustybt.analytics.metrics import performance_metrics

    assert "total return      35.12%" in repr(result)
    assert "<caption" in result._repr_html_()
    metrics = performance_metrics(result.perf["returns"])
    assert repr(metrics).startswith("PerformanceMetrics(\n")
    assert "sharpe ratio" in metrics._repr_html_()


def test_handle_finishes_with_the_same_result_as_a_direct_run(panel, result) -> None:  # type: ignore[no-untyped-def]
    handle = start_backtest(DualMovingAverage(fast=10, slow=40), panel)
    background = handle.result(timeout=60)
    assert handle.done()
    assert handle.progress == 1.0
    assert not handle.cancelled
    assert background.final_equity == result.final_equity
    assert "finished" in repr(handle)


def test_cancel_stops_at_the_next_bar_and_keeps_the_partial_result(panel) -> None:  # type: ignore[no-untyped-def]
    started, release = threading.Event(), threading.Event()

    class Waits(Strategy):
        def handle_data(self, context, data):  # type: ignore[no-untyped-def]
            if data.bar == 5:
                started.set()
                release.wait(10)

    handle = start_backtest(Waits(), panel)
    assert started.wait(10)
    assert handle.cancel()
    assert not handle.done()
    release.set()
    with pytest.raises(BacktestCancelled, match="before bar 6 of 1,007") as caught:
        handle.result(timeout=30)
    assert handle.cancelled
    assert handle.progress == pytest.approx(6 / 1007)
    assert len(caught.value.result.perf) == 6  # type: ignore[attr-defined]  # bars 0-5 ran
    assert not handle.cancel()  # already over


def test_await_in_a_running_event_loop(panel, result) -> None:  # type: ignore[no-untyped-def]
    async def main() -> object:
        ticks = 0
        task = asyncio.ensure_future(run_backtest_async(DualMovingAverage(fast=10, slow=40), panel))
        while not task.done():  # the loop stays free while the run works
            ticks += 1
            await asyncio.sleep(0.001)
        return await task, ticks

    background, ticks = asyncio.run(main())  # type: ignore[misc]
    assert background.final_equity == result.final_equity
    assert ticks > 0


def test_on_bar_is_reserved_by_start_backtest(panel) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="on_bar"):
        start_backtest(DualMovingAverage(), panel, on_bar=print)


def test_progress_is_off_when_stderr_is_not_a_terminal(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert not wants_progress(None)
    assert wants_progress(True)
    assert not wants_progress(False)


def test_progress_bar_advances_in_small_steps_and_ends_full(panel) -> None:  # type: ignore[no-untyped-def]
    from tqdm.std import tqdm

    updates: list[int] = []

    class Recording(tqdm):  # type: ignore[misc]
        def update(self, n: float | None = 1) -> bool | None:
            updates.append(int(n or 0))
            return super().update(n)

    out = io.StringIO()
    bar = BarProgress(lambda **kw: Recording(file=out, **kw), panel.index, "demo")
    for number in range(len(panel)):
        bar(number)
    bar.close(finished=True)
    assert sum(updates) == len(panel)
    assert max(updates) <= 2  # 1,007 bars: a step of one bar, never a jump
    assert bar._bar.n == len(panel)


def test_run_backtest_draws_a_bar_when_asked(panel, capsys) -> None:  # type: ignore[no-untyped-def]
    run_backtest(DualMovingAverage(), panel, progress=True, end="2015-06-30")
    err = capsys.readouterr().err
    # A run this short (< 0.5 s) shows nothing until it ends: then the final line.
    assert err == "" or "session" in err


def test_in_a_kernel_without_ipywidgets_no_bar_is_drawn_unless_asked(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from rustybt import progress

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    monkeypatch.setattr(progress, "_in_kernel", lambda: True)
    monkeypatch.setattr(progress, "_widgets", lambda: False)
    assert not wants_progress(None)
    monkeypatch.setattr(progress, "_widgets", lambda: True)
    assert wants_progress(None)
