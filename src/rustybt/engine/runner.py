"""`run_backtest`: the event loop from bars to a `BacktestResult`.

Per bar, in this order: resting orders are matched against the bar (so orders
placed at bar t trade at t+1's open at the earliest), scheduled functions run,
``handle_data`` runs, same-bar-close market orders fill (when asked for), and at
a session's last bar the account is valued and day orders expire. The strategy
only ever sees data up to the current bar.
"""

from __future__ import annotations

import gc
import math
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from rustybt.assets import Asset
from rustybt.data.bars import BarPanel, Frequency
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.blotter import Blotter
from rustybt.engine.data_portal import BarData
from rustybt.engine.execution import CommissionModel, SlippageModel
from rustybt.engine.failures import USER_EXIT, strategy_failed
from rustybt.engine.fill_mirror import FillMirror
from rustybt.engine.ledger import Ledger
from rustybt.engine.limits import RunLimits, TimeUp
from rustybt.engine.orders import OrderStatus, orders_frame
from rustybt.engine.performance import PerformanceTracker
from rustybt.engine.progress import BarProgress, progress_bar
from rustybt.engine.recorder import Recorder
from rustybt.engine.result import BacktestResult
from rustybt.engine.result_tables import (
    deferred_decisions,
    deferred_positions,
    deferred_transactions,
    deferred_universe,
)
from rustybt.engine.run_audit import audit_started, audit_summary, open_trail
from rustybt.engine.run_metadata import mark_failed, run_metadata
from rustybt.engine.scheduling import SessionLayout
from rustybt.engine.session_calendar import earlier_sessions
from rustybt.engine.strategy import FunctionStrategy, Strategy
from rustybt.errors import ConfigError, StrategyError
from rustybt.money import to_decimal

if TYPE_CHECKING:  # pydantic (behind the validation config) is imported on first use
    from rustybt.data.validation import ValidationConfig

if TYPE_CHECKING:
    from rustybt.audit import AuditLog

__all__ = ["BacktestConfig", "run_backtest"]

# The cyclic collector's thresholds during a backtest (`execute`): a young collection
# every 10,000 new container objects, a middle one every 100 young ones (not 10).
_YOUNG_THRESHOLD = 10_000
_MIDDLE_THRESHOLD = 100

FillAt = Literal["next_open", "next_close", "close"]


@dataclass(frozen=True)
class BacktestConfig:
    """Run settings that are not part of the strategy itself."""

    capital: float = 1_000_000.0
    fill_at: FillAt = "next_open"
    volume_limit: float | None = 0.025
    check_cash: bool = False
    data_source: str = "in-memory panel"

    def __post_init__(self) -> None:
        if not (self.capital > 0 and math.isfinite(self.capital)):
            raise ConfigError(
                f"capital must be a positive, finite amount, not {self.capital!r}",
                context={"capital": self.capital},
                hint="e.g. --capital 100000",
            )
        if self.fill_at not in ("next_open", "next_close", "close"):
            raise ConfigError(
                f"fill_at must be 'next_open', 'next_close' or 'close', not {self.fill_at!r}",
                context={"fill_at": self.fill_at},
            )
        if self.volume_limit is not None and not 0 < self.volume_limit <= 1:
            raise ConfigError(
                "volume_limit must be in (0, 1] or None",
                context={"volume_limit": self.volume_limit},
            )


def run_backtest(
    strategy: Strategy | type[Strategy],
    data: BarPanel,
    *,
    start: object | None = None,
    end: object | None = None,
    capital: float = 1_000_000.0,
    benchmark: str | pd.Series | None = None,
    commission: CommissionModel | None = None,
    slippage: SlippageModel | None = None,
    volume_limit: float | None = 0.025,
    fill_at: FillAt = "next_open",
    check_cash: bool = False,
    data_source: str = "in-memory panel",
    audit_log: str | Path | AuditLog | None = None,
    validate: bool | ValidationConfig = True,
    time_limit: float | None = None,
    max_bars: int | None = None,
    progress: bool | None = None,
    on_bar: Callable[[int], None] | None = None,
) -> BacktestResult:
    """Run ``strategy`` over ``data`` between ``start`` and ``end`` (inclusive).

    Args:
        strategy: a `Strategy` instance or subclass (instantiated without params).
        data: bars for every asset the strategy may trade (see `rustybt.data`).
        capital: starting cash.
        benchmark: a symbol in ``data`` (its close-to-close returns) or a returns
            Series; overrides ``set_benchmark`` in ``initialize``.
        commission, slippage: execution cost models (default: none).
        volume_limit: share of each bar's volume one asset's orders may take per
            bar (None: no cap; partial fills carry over).
        fill_at: ``"next_open"`` (default: market orders fill at the next bar's
            open), ``"next_close"`` (zipline's daily rule: orders trade at the
            next bar's close, limits and stops checked against it) or
            ``"close"`` (at the close of the bar they were placed in).
        check_cash: reject a buy fill that cash cannot pay for (a cash account, as
            backtrader's default broker); by default cash may go negative (margin,
            as in zipline) and leverage shows in ``perf``.
        validate: check the bars of the window before running (layer 2 and the
            cheap temporal rules of `rustybt.data.validation.check_panel`): a bar
            breaking an ERROR rule (high < low, price <= 0, negative volume, future
            timestamp) is masked to NaN for that asset, so it is skipped, and
            ``result.metadata["data_issues"]`` summarises what was found. False
            turns the check off; a `ValidationConfig` sets the thresholds.
        audit_log: write the run's audit events (orders, fills, decisions, start,
            end) as JSON lines: a path (appended to, closed after the run) or an
            open `rustybt.log.AuditLog`. None uses the log set up by
            `rustybt.log.configure_logging`, if any; otherwise nothing is logged.
        time_limit: stop the run after this many seconds of wall-clock time (even
            inside a ``handle_data`` that never returns, on POSIX in the main thread).
        max_bars: stop the run before bar number ``max_bars`` (counted from 0).
        progress: a progress bar (tqdm: bars, bars/s, ETA, sessions) on stderr or
            as a notebook widget; None (default) shows it only when stderr is a
            terminal or in a Jupyter kernel with ipywidgets, and only for runs
            longer than 0.5 s.
        on_bar: called with each bar's number (from 0) before it runs; it may raise
            a `rustybt.engine.limits.LimitReached` to stop the run there (the
            background handles of `rustybt.notebook` cancel this way).

    Raises:
        StrategyError: user code raised (or called ``sys.exit()``, or was interrupted),
            or a limit was reached. When bars had run, ``error.result`` holds the
            partial `BacktestResult`, marked ``metadata["status"] == "failed"`` with
            the error, so nothing that happened is lost; when ``analyze`` raised it
            holds the complete result (also marked failed).
    """
    config = BacktestConfig(
        capital=capital,
        fill_at=fill_at,
        volume_limit=volume_limit,
        check_cash=check_cash,
        data_source=data_source,
    )
    limits = RunLimits(time_limit, max_bars)  # bad limits fail before any work
    if isinstance(strategy, type):
        strategy = strategy()
    if not isinstance(strategy, Strategy):
        raise ConfigError(
            f"strategy must be a Strategy, not {type(strategy).__name__}",
            hint="subclass rustybt.Strategy or wrap functions with FunctionStrategy",
        )
    panel = data.select(start=start, end=end) if start is not None or end is not None else data
    # The bars before ``start`` stay visible to data.history, as in zipline.
    first = int(data.index.searchsorted(panel.index[0]))
    lookback = data.select(end=data.index[first - 1]) if first > 0 else None
    data_issues: dict[str, object] = {"checked": False}
    if validate is not False:
        from rustybt.data.validation.panel import check_panel

        chosen = None
        if not isinstance(validate, bool):  # a config: pydantic is loaded already
            from rustybt.data.validation.config import ValidationConfig

            chosen = validate if isinstance(validate, ValidationConfig) else None
        checked = check_panel(panel, config=chosen)
        panel, data_issues = checked.panel, checked.to_dict()
        if lookback is not None:
            lookback = check_panel(lookback, config=chosen).panel
    run = _Run(strategy, panel, config, benchmark, commission, slippage, lookback)
    run.history = data  # bars before ``start`` feed attached pipelines' windows
    run.data_issues = data_issues
    bar_progress = progress_bar(progress, panel.index, desc=strategy.name)
    limits.watch = _watchers(bar_progress, on_bar)
    run.limits = limits
    finished = False
    try:
        trail = open_trail(audit_log, run_id=run.run_id, strategy_id=strategy.name)
        if trail is None:
            result = run.execute()
        else:
            run.blotter.audit = trail
            result = trail.run(run.execute, started=audit_started(run), summary=audit_summary)
        finished = True
        return result
    finally:
        if bar_progress is not None:
            bar_progress.close(finished)


def _watchers(
    bar_progress: BarProgress | None, on_bar: Callable[[int], None] | None
) -> Callable[[int], None] | None:
    """One per-bar callable for the run limits (None when nothing watches)."""
    if bar_progress is None or on_bar is None:
        return bar_progress if bar_progress is not None else on_bar
    progress, user = bar_progress, on_bar

    def both(bar: int) -> None:
        progress(bar)
        user(bar)

    return both


def _weak_day_order_expiry(run: _Run) -> Callable[[int], int]:
    """``run._day_order_expiry`` through a weak reference (the context holding it is
    part of the run: see `FillMirror`). The run outlives every order its strategy
    places while it runs; afterwards an order has no session to expire in."""
    ref = weakref.ref(run)

    def expiry(bar: int) -> int:
        alive = ref()
        if alive is None:
            raise StrategyError(
                "orders cannot be placed after the backtest ended",
                hint="place orders in handle_data or a scheduled function",
            )
        return alive._day_order_expiry(bar)

    return expiry


class _Run:
    """One backtest's mutable state; `execute` is the hot loop."""

    def __init__(
        self,
        strategy: Strategy,
        panel: BarPanel,
        config: BacktestConfig,
        benchmark: str | pd.Series | None,
        commission: CommissionModel | None,
        slippage: SlippageModel | None,
        lookback: BarPanel | None = None,
        *,
        blotter_factory: type[Blotter] = Blotter,
        live: bool = False,
    ) -> None:
        self.strategy = strategy
        self.panel = panel
        self.config = config
        self.daily = panel.frequency is Frequency.DAILY
        self.layout = SessionLayout.from_index(panel.index, daily=self.daily)
        self.ledger = Ledger(to_decimal(config.capital))
        self.blotter = blotter_factory(
            panel,
            self.ledger,
            slippage=slippage,
            commission=commission,
            volume_limit=config.volume_limit,
            check_cash=config.check_cash,
        )
        self.lookback = lookback
        # ``live``: bars are written into the panel as they arrive (`rustybt.live`).
        self.data = BarData(panel, lookback=lookback, zipline_api=strategy.zipline_api, live=live)
        self.blotter.timestamp = self.data.timestamp
        self.blotter.next_close = config.fill_at == "next_close"
        self.quantities = np.zeros(len(panel.assets))
        self.cost_basis = np.zeros(len(panel.assets))
        self._assets = list(panel.assets)
        # Neither callable holds this run: the blotter and the context are part of it,
        # and a cycle back to it would keep a finished run (its orders) alive until a
        # full collection instead of freeing it when it is dropped.
        self.blotter.on_fill = FillMirror(
            self._assets, self.ledger, self.quantities, self.cost_basis
        ).apply
        self.recorder = Recorder(self.layout.session_of_bar, len(self.layout.sessions))
        self.context = TradingContext(
            data=self.data,
            ledger=self.ledger,
            blotter=self.blotter,
            quantities=self.quantities,
            recorder=self.recorder,
            day_order_expiry=_weak_day_order_expiry(self),
            params=dict(strategy.params),
        )
        self.context._environment.update(
            data_frequency=str(panel.frequency),
            start=panel.index[0],
            end=panel.index[-1],
            capital_base=config.capital,
        )
        self.benchmark_override = benchmark
        if isinstance(benchmark, str):
            self.data.column(benchmark)  # an unknown symbol fails now, not after the run
        self.run_id = uuid.uuid4().hex[:12]
        self.data_issues: dict[str, object] = {"checked": False}
        self.limits = RunLimits(None, None)
        self._masks_of: SessionLayout | None = None
        # Per-bar flags as Python lists: indexing one is several times cheaper than a
        # numpy scalar read, and step() reads three per bar.
        self._starts: list[bool] = []
        self._ends: list[bool] = []
        self.history = panel

    def _day_order_expiry(self, bar: int) -> int:
        """Last bar of the session in which a day order placed at ``bar`` can trade."""
        layout = self.layout
        if self.daily:
            return bar + 1
        ends = np.flatnonzero(layout.session_end[bar:])
        # Placed at a session's last bar: it is good for the whole next session.
        offset = 1 if len(ends) > 1 and ends[0] == 0 else 0
        return bar + int(ends[offset]) if len(ends) else len(self.panel) - 1

    def _call(self, hook: str, func: Callable[..., object], *args: object) -> None:
        try:
            func(*args)
        except TimeUp:
            raise self.limits.reached(
                f"the run passed its time limit ({self.limits.time_limit:g} s)",
                self._when(),
                hook,
            ) from None
        except USER_EXIT as exc:  # user code: any exception (or exit) is a StrategyError
            raise strategy_failed(self.strategy, hook, self._when(), exc) from exc

    def _when(self) -> object:
        return self.panel.index[self.data.bar] if self.data.bar >= 0 else "start"

    def execute(self) -> BacktestResult:
        from rustybt.api import current_context

        token = current_context.set(self.context)
        # Everything alive before the run (modules, the bars) is set aside from the
        # cyclic collector, which otherwise walks all of it again in each full
        # collection the run's orders trigger (~0.05 s per collection with pandas
        # loaded). Cycles made during the run are still collected; unfreeze returns
        # the set-aside objects to the collector's care afterwards.
        gc.freeze()
        # A young collection every 10,000 new container objects instead of 700: every
        # order is one, and the default threshold promoted them through the older
        # generations (2,000 x 2,520: 173 collections, 0.13 s, one of them full;
        # with this 11 young ones, 0.055 s). A run's survivors of a young collection are
        # its long-lived orders, which the middle generation's collections walk once
        # more and never free (2,000 x 2,520: one of 57 ms, collecting nothing); every
        # 100 young collections instead of 10, they and the full collections they lead
        # to come ten times more rarely. Garbage still dies young: a strategy's
        # per-bar cycles are freed by the young collections. Restored after the run.
        thresholds = gc.get_threshold()
        gc.set_threshold(
            max(thresholds[0], _YOUNG_THRESHOLD),
            max(thresholds[1], _MIDDLE_THRESHOLD),
            *thresholds[2:],
        )
        try:
            with self.limits:
                return self._execute()
        finally:
            # What the run made and still holds (its orders, the result) goes to the
            # oldest generation with everything else: the young collections it survived
            # would otherwise lead, once the usual thresholds are back, to a middle
            # collection walking all of it (~60 ms at 2,000 x 2,520) to free nothing.
            gc.freeze()
            gc.unfreeze()
            gc.set_threshold(*thresholds)
            current_context.reset(token)

    def _execute(self) -> BacktestResult:
        self.begin()
        step = self.step
        limits = self.limits if self.limits.active else None
        index = self.panel.index
        try:
            for bar in range(len(self.panel)):
                if limits is not None:
                    limits.check(bar, index[bar])
                step(bar)
        except StrategyError as error:
            error.result = self._failed_result(self.tracker, error)
            raise
        return self.finish()

    def begin(self) -> None:
        """Call ``initialize`` and prepare the per-bar hooks (the live runner calls it too)."""
        strategy, context = self.strategy, self.context
        self._call("initialize", strategy.initialize, context)
        context._initialized = True
        if isinstance(context._benchmark, str | Asset):
            # An unknown set_benchmark symbol fails now, not after the whole run.
            symbol = (
                context._benchmark.symbol
                if isinstance(context._benchmark, Asset)
                else context._benchmark
            )
            self.data.column(symbol)
        # Attached pipelines are computed once, for the whole run, before the first bar.
        self._pipelines = context._pipelines if context._pipelines else None
        if self._pipelines is not None:
            self._pipelines.compute(self.history, self.panel, self.layout.sessions)
        self.tracker = PerformanceTracker(
            self.panel,
            self.layout,
            self.ledger,
            self.quantities,
            self.cost_basis,
            context._value_prices,
        )
        self._handle = (
            (
                strategy.bound_hook("handle_data")
                if isinstance(strategy, FunctionStrategy)
                else strategy.handle_data
            )
            if strategy.overrides("handle_data")
            else None
        )
        self._before = (
            strategy.before_trading_start if strategy.overrides("before_trading_start") else None
        )
        layout = self.layout
        if any(item.date_rule.kind.endswith("start") for item in context._scheduled):
            layout = replace(layout, earlier=earlier_sessions(self.panel, self.lookback))
        self._scheduled = [
            (item.func, item.bar_mask(layout, daily=self.daily)) for item in context._scheduled
        ]
        any_scheduled = np.zeros(len(self.panel), dtype=bool)
        for _, mask in self._scheduled:
            any_scheduled |= mask
        self._any_scheduled: list[bool] = any_scheduled.tolist()
        self._at_close = self.config.fill_at == "close"
        self._zipline = strategy.zipline_api
        # zipline calls before_trading_start before the first session too (its data
        # then shows the bar before the start, or NaN when the data has none).
        self._first_before = 0 if self._zipline else 1

    def step(self, bar: int) -> None:
        """One bar: resting orders trade, scheduled functions and ``handle_data`` run
        (zipline-style code: ``handle_data`` first, as zipline does), same-bar-close
        orders fill, and a session's last bar values the account.

        The backtest loop and the live runner both drive the engine through this."""
        data, blotter, context = self.data, self.blotter, self.context
        layout = self.layout
        if layout is not self._masks_of:
            # session_start/_end are computed properties: build them once per layout,
            # not once per bar (the live runner may swap in a longer layout).
            self._masks_of = layout
            self._starts = layout.session_start.tolist()
            self._ends = layout.session_end.tolist()
        session_start = self._starts[bar]
        if self._pipelines is not None and session_start:
            self._pipelines.session = int(layout.session_of_bar[bar])
        if self._before is not None and session_start:
            data.bar = bar - 1
            if bar >= self._first_before:
                data.before_first_session = bar == 0
                data.clock_ahead = int(self._zipline)
                self._call("before_trading_start", self._before, context, data)
                data.before_first_session = False
                data.clock_ahead = 0
        data.bar = bar
        if blotter.open_orders:
            blotter.process_bar(bar)
        if context._controls.account_active:
            self._check_account(bar)
        handle, zipline = self._handle, self._zipline
        if zipline and handle is not None:
            self._call("handle_data", handle, context, data)
        if self._any_scheduled[bar]:
            for func, mask in self._scheduled:
                if mask[bar]:
                    self._call(getattr(func, "__name__", "scheduled"), func, context, data)
        if handle is not None and not zipline:
            self._call("handle_data", handle, context, data)
        if self._at_close and blotter.open_orders:
            blotter.process_bar(bar, market_at_close=True)
        if self._ends[bar]:
            self.tracker.close_session(bar, len(blotter.fills))

    def _check_account(self, bar: int) -> None:
        """Account controls (max leverage, daily loss, drawdown) before the strategy runs."""
        values = self.quantities * self.context._value_prices[bar]
        equity = float(self.ledger.cash) + float(values.sum())
        gross = float(np.abs(values).sum())
        controls = self.context._controls
        state = controls.account_state(self.panel.index[bar], equity, gross)
        controls.check_account(state)

    def finish(self, last_bar: int | None = None) -> BacktestResult:
        """Build the result after the last bar stepped (default: the panel's last) and
        call ``analyze``; when ``analyze`` raises, the complete result is kept, marked
        failed, on the error."""
        end = self.panel.index[-1 if last_bar is None else last_bar]
        for order in self.blotter.open_orders:
            if order.status is OrderStatus.OPEN and not order.filled:
                order.reason = "still open when the backtest ended"
        result = self._result(self.tracker, end, last_bar)
        try:
            self._call("analyze", self.strategy.analyze, self.context, result)
        except StrategyError as error:
            # The run itself completed: keep all of it, marked as failed in analyze.
            bars_run = len(self.panel) if last_bar is None else last_bar + 1
            mark_failed(result, error, bars_run=bars_run)
            error.result = result
            raise
        return result

    def _failed_result(
        self, tracker: PerformanceTracker, error: StrategyError
    ) -> BacktestResult | None:
        """What the run produced up to the failing bar (None when no bar ran)."""
        bar = self.data.bar
        if bar < 0:
            return None
        if tracker.sessions_closed <= self.layout.session_of_bar[bar]:
            # The failing session was not closed yet: value it at the failing bar.
            tracker.close_session(bar, len(self.blotter.fills))
        result = self._result(tracker, self.panel.index[bar], last_bar=bar)
        mark_failed(result, error, bars_run=bar + 1)
        return result

    def _benchmark_returns(self) -> pd.Series | None:
        chosen = (
            self.benchmark_override
            if self.benchmark_override is not None
            else (self.context._benchmark)
        )
        if chosen is None:
            return None
        sessions = self.layout.sessions
        if isinstance(chosen, pd.Series):
            series = chosen.copy()
            series.index = pd.DatetimeIndex(series.index).normalize()
            if series.index.tz is None:
                series.index = series.index.tz_localize("UTC")
            else:
                series.index = series.index.tz_convert("UTC")
            return series.reindex(sessions).astype(float).rename("benchmark_returns")
        column = self.data.column(chosen)
        closes = self.data._prices[:, column][self.layout.session_end]
        returns = np.full(len(closes), np.nan)
        returns[1:] = closes[1:] / closes[:-1] - 1.0
        return pd.Series(returns, index=sessions, name="benchmark_returns")

    def _result(
        self, tracker: PerformanceTracker, end: pd.Timestamp, last_bar: int | None = None
    ) -> BacktestResult:
        # A live session stopped early keeps only the sessions it closed.
        n = None if last_bar is None else tracker.sessions_closed
        perf = tracker.frame(n)
        benchmark = self._benchmark_returns()
        first = tracker.first_session
        if benchmark is not None:
            perf["benchmark_returns"] = benchmark.to_numpy()[first:n]
        for name, values in self.recorder.values.items():
            perf[name] = values[first:n]
        last = len(self.panel) - 1 if last_bar is None else last_bar
        marks = {
            asset: to_decimal(float(self.data._prices[last, self.data.column(asset)]))
            for asset in self.ledger.positions
        }
        metadata = run_metadata(self, end, marks)
        traded = sorted(set(self.blotter.fills.symbols))
        # What is not always read is built on first read, from inputs captured now
        # (`rustybt.engine.result_tables`): 2,000 x 2,520 daily holds 2.25 M position
        # rows. The orders are built now: the Order objects would outlive the run and
        # weigh more than their table.
        return BacktestResult.deferred(
            perf=perf,
            orders=orders_frame(self.blotter.all_orders),
            metadata=metadata,
            bars=(
                None
                if not traded
                else self.panel.select(assets=traded)
                if last_bar is None
                else self.panel.select(assets=traded, end=self.panel.index[last])
            ),
            tables={
                "transactions": deferred_transactions(self.blotter.fills, self.panel.index),
                "positions": deferred_positions(tracker),
                "decisions": deferred_decisions(self.recorder),
                # A failed or stopped-early run keeps the sessions it valued.
                "universe": deferred_universe(self.panel, self.layout, perf.index, last),
            },
        )
