"""Backtests and optimisations in the background of a live kernel: a handle, and ``await``.

Jupyter already runs an asyncio event loop, so a blocking call cannot hand control
back to it and ``asyncio.run`` refuses to start. A background run therefore goes
to a worker thread (the engine holds its state per run, so nothing is shared with
the kernel's thread); the handle reports progress, returns the result, and
cancels at the next bar through the engine's run limits (``RunLimits.watch``):
the run stops before that bar and its partial result is kept, as for a time
limit. The per-bar check is one attribute read (see
benchmarks/notebook_overhead.py for the measured cost).

`start_optimize` runs `rustybt.optimize.optimize` the same way with the same
handle: its progress counts trials, and cancelling stops the search after the
trial that is running, keeping the finished trials (as Ctrl-C does).

Note: the wall-clock ``time_limit`` cannot interrupt a ``handle_data`` that never
returns in a worker thread (signals reach only the main thread); it is still
checked before every bar.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from typing import TYPE_CHECKING, Generic, TypeVar

from rustybt.engine.limits import BacktestCancelled
from rustybt.engine.runner import run_backtest
from rustybt.errors import ConfigError
from rustybt.summary import summary_html, summary_text

if TYPE_CHECKING:
    from rustybt.data.bars import BarPanel
    from rustybt.engine.result import BacktestResult
    from rustybt.engine.strategy import Strategy
    from rustybt.optimize.result import OptimizationResult
    from rustybt.optimize.space import Dimension, Space
    from rustybt.optimize.study import StrategyInput

__all__ = ["BacktestHandle", "run_backtest_async", "start_backtest", "start_optimize"]

ResultT = TypeVar("ResultT")


class BacktestHandle(Generic[ResultT]):
    """A run in a worker thread: a backtest (`start_backtest`, counting bars) or
    an optimisation (`start_optimize`, counting trials: ``bars_done`` and
    ``total_bars`` are then trials, and ``unit`` says which)."""

    def __init__(self, total_bars: int, unit: str = "bars") -> None:
        self.total_bars = total_bars
        self.bars_done = 0
        self.unit = unit
        self._cancel_requested = False
        self.future: Future[ResultT] = Future()

    def _on_bar(self, bar: int) -> None:
        # Called before each bar, in the worker thread: the one per-bar cost.
        self.bars_done = bar  # bars 0 .. bar-1 have run
        if self._cancel_requested:
            raise BacktestCancelled(
                f"the run was cancelled before bar {bar:,} of {self.total_bars:,}",
                context={"bar": bar},
                hint="the partial result is on error.result",
            )

    @property
    def progress(self) -> float:
        """Share of the bars done, 0.0 to 1.0 (1.0 once the run ended well)."""
        if self.future.done() and self.future.exception() is None:
            return 1.0
        return self.bars_done / self.total_bars if self.total_bars else 0.0

    def done(self) -> bool:
        """True once the run has ended (finished, failed or cancelled)."""
        return self.future.done()

    def cancel(self) -> bool:
        """Stop the run before its next bar; False if it had already ended."""
        if self.future.done():
            return False
        self._cancel_requested = True
        return True

    def _on_trial(self, done: int, total: int | None) -> None:
        # Called after each finished trial of an optimisation, in the worker thread.
        if total is not None:
            self.total_bars = total
        self._on_bar(done)

    @property
    def cancelled(self) -> bool:
        """True once a cancelled run has ended (an optimisation returns its
        finished trials; a backtest raises `BacktestCancelled`)."""
        if not self.future.done():
            return False
        error = self.future.exception()
        if error is None:
            return self.unit == "trials" and self._cancel_requested
        return isinstance(error, BacktestCancelled)

    def result(self, timeout: float | None = None) -> ResultT:
        """The result, waiting up to ``timeout`` seconds (None: until done).

        A backtest returns its `BacktestResult` or raises its error:
        `BacktestCancelled` after `cancel` and any other `StrategyError`, each with
        the partial result on ``error.result``. An optimisation returns its
        `OptimizationResult`, after `cancel` with the finished trials and
        ``interrupted`` True. `TimeoutError` when ``timeout`` passes first (the
        run goes on).
        """
        return self.future.result(timeout)

    def _state(self) -> str:
        if not self.future.done():
            return "cancelling" if self._cancel_requested else "running"
        error = self.future.exception()
        if error is None:
            return "cancelled" if self.cancelled else "finished"
        return "cancelled" if isinstance(error, BacktestCancelled) else f"failed: {error}"

    def _summary(self) -> dict[str, str]:
        return {
            "state": self._state(),
            "progress": f"{self.progress:.1%} "
            f"({self.bars_done:,} of {self.total_bars:,} {self.unit})",
        }

    def __repr__(self) -> str:
        return summary_text("BacktestHandle", self._summary())

    def _repr_html_(self) -> str:
        kind = "optimisation" if self.unit == "trials" else "backtest"
        return summary_html(f"Background {kind}", self._summary())


def start_backtest(
    strategy: Strategy | type[Strategy],
    data: BarPanel,
    **options: object,
) -> BacktestHandle[BacktestResult]:
    """Start ``run_backtest(strategy, data, **options)`` in a worker thread and
    return its `BacktestHandle` at once. ``progress`` defaults to False here (a
    bar drawn from another thread would land in whichever cell runs next; read
    ``handle.progress`` instead)."""
    if "on_bar" in options:
        raise ConfigError(
            "start_backtest uses on_bar itself to follow and cancel the run",
            context={"option": "on_bar"},
        )
    options.setdefault("progress", False)
    start, end = options.get("start"), options.get("end")
    window = data.select(start=start, end=end) if start is not None or end is not None else data
    handle: BacktestHandle[BacktestResult] = BacktestHandle(len(window))

    def work() -> None:
        if not handle.future.set_running_or_notify_cancel():
            return
        try:
            result = run_backtest(strategy, data, on_bar=handle._on_bar, **options)  # type: ignore[arg-type]  # options are run_backtest's keywords, checked by it
        except BaseException as error:  # noqa: BLE001  # handed to result(), not lost
            handle.future.set_exception(error)
        else:
            handle.bars_done = handle.total_bars
            handle.future.set_result(result)

    threading.Thread(target=work, name="rustybt-backtest", daemon=True).start()
    return handle


def start_optimize(
    strategy: StrategyInput,
    data: BarPanel,
    space: Space | Mapping[str, Dimension],
    **options: object,
) -> BacktestHandle[OptimizationResult]:
    """Start ``optimize(strategy, data, space, **options)`` in a worker thread and
    return its `BacktestHandle` at once: ``progress`` is the share of trials done,
    ``result()`` the `OptimizationResult`, ``cancel()`` stops after the running
    trial and keeps the finished ones. ``progress`` defaults to False (read
    ``handle.progress``)."""
    from rustybt.optimize.study import optimize  # optimize builds on the engine, not on us

    if "on_trial" in options:
        raise ConfigError(
            "start_optimize uses on_trial itself to follow and cancel the search",
            context={"option": "on_trial"},
        )
    options.setdefault("progress", False)
    handle: BacktestHandle[OptimizationResult] = BacktestHandle(0, unit="trials")

    def work() -> None:
        if not handle.future.set_running_or_notify_cancel():
            return
        try:
            found = optimize(strategy, data, space, on_trial=handle._on_trial, **options)  # type: ignore[arg-type]  # options are optimize's keywords, checked by it
        except BaseException as error:  # noqa: BLE001  # handed to result(), not lost
            handle.future.set_exception(error)
        else:
            handle.bars_done = len(found.records)
            handle.future.set_result(found)

    threading.Thread(target=work, name="rustybt-optimize", daemon=True).start()
    return handle


async def run_backtest_async(
    strategy: Strategy | type[Strategy],
    data: BarPanel,
    **options: object,
) -> BacktestResult:
    """``await run_backtest_async(...)``: the backtest runs in a worker thread while
    the event loop (Jupyter's) stays free. Cancelling the awaiting task cancels the
    run at its next bar."""
    handle = start_backtest(strategy, data, **options)
    try:
        return await asyncio.wrap_future(handle.future)
    except asyncio.CancelledError:
        handle.cancel()
        raise
