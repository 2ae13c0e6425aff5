"""`LiveRunner`: the engine driven by a feed, with orders routed to a `Broker`.

The backtest's `_Run` is the engine: the same `Strategy`, `TradingContext`,
orders, execution models, ledger, audit trail and `BacktestResult`; only the
blotter is a `BrokerBlotter` and bars are written into the live panel as the
feed delivers them. Per bar:

1. the bar is validated (the backtest's rules) and written into the panel;
2. the bar is marked as begun in the state store (a restart resumes after it,
   so no bar is decided twice);
3. the paper broker (if any) matches resting orders against it;
4. venue fills and closures are booked; the breaker and risk state are checked;
5. the engine's `step` runs (scheduled functions, ``handle_data``, valuation).

On start the state is restored (orders, fills -> ledger, closed sessions) and
reconciled with the venue before the first new bar is traded.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from rustybt.data.bars import FloatArray
from rustybt.engine.controls import RiskLimits
from rustybt.engine.execution import CommissionModel, SlippageModel
from rustybt.engine.result import BacktestResult
from rustybt.engine.run_audit import audit_summary, open_trail
from rustybt.engine.runner import BacktestConfig, FillAt, _Run
from rustybt.engine.strategy import Strategy
from rustybt.errors import BrokerError, ConfigError
from rustybt.live.bar_writer import write_bar, write_history
from rustybt.live.breaker import Breaker
from rustybt.live.broker import Broker
from rustybt.live.broker_blotter import BrokerBlotter
from rustybt.live.crashpoints import crash_point
from rustybt.live.events import LiveEvents, LiveMetrics
from rustybt.live.feeds import Feed, FeedBar, empty_like
from rustybt.live.health import HealthServer, notify_systemd
from rustybt.live.leader import LeaderLock, StoodBy
from rustybt.live.reconcile import ReconciliationReport, baseline, reconcile
from rustybt.live.restore import BoolArray, restore_state, save_session
from rustybt.live.state import StateStore
from rustybt.live.strategy_state import StrategyState
from rustybt.live.warm import WarmRestore

if TYPE_CHECKING:
    from rustybt.audit import AuditLog

__all__ = ["LiveRunner", "LiveStatus"]


@dataclass(frozen=True)
class LiveStatus:
    """What the status line shows after each bar."""

    bar_time: pd.Timestamp
    equity: float
    open_orders: int
    latency_s: float
    halted: str | None


class LiveRunner:
    """Run ``strategy`` live: ``LiveRunner(strategy, broker=..., feed=..., state=...).run()``.

    Args:
        strategy: the same `Strategy` (or subclass) that was backtested.
        broker: a `Broker` (`PaperBroker` or an adapter).
        feed: a `Feed` (`ReplayFeed` or a venue feed).
        state: a directory (``state.db`` in it) or a `StateStore`; restarting with
            the same state resumes the session.
        capital, commission, slippage, volume_limit, fill_at, check_cash, benchmark:
            as `run_backtest` (the paper broker uses the same cost models).
        limits: account risk limits (max daily loss, drawdown, orders per minute,
            price band, ...); the zipline ``set_*`` controls in ``initialize`` add to them.
        stale_after: refuse new orders on a bar that arrives more than this many
            seconds after it was due (None: no check).
        cancel_on_stop: cancel open orders when stopping gracefully.
        cash_currency: balance compared with the ledger's cash in reconciliation
            (None: positions only).
        on_status: called with a `LiveStatus` after each bar (the CLI's status line).
        health_port: serve ``/health`` and ``/metrics`` on 127.0.0.1 at this port (0:
            any free port, see ``runner.health.port``; None: no server).
        blotter_factory: the order router (tests swap in a deliberately naive one to
            prove the recovery checker catches duplicates).
        leader: a `LeaderLock` on the state directory for a warm standby: `run` (or
            `wait_for_leadership`) builds the engine, then waits for the lock, then
            restores and trades; intents and sends are fenced by its epoch.
        async_broker: move broker I/O off the decision path (`AsyncBrokerBlotter`):
            a bar never waits for the venue; sends and polls run on a worker thread.
    """

    def __init__(
        self,
        strategy: Strategy | type[Strategy],
        *,
        broker: Broker,
        feed: Feed,
        state: str | Path | StateStore,
        capital: float = 1_000_000.0,
        commission: CommissionModel | None = None,
        slippage: SlippageModel | None = None,
        volume_limit: float | None = 0.025,
        fill_at: FillAt = "next_open",
        check_cash: bool = False,
        benchmark: str | pd.Series | None = None,
        audit_log: str | Path | AuditLog | None = None,
        validate: bool = True,
        limits: RiskLimits | None = None,
        stale_after: float | None = None,
        cancel_on_stop: bool = False,
        cash_currency: str | None = "USD",
        data_source: str = "live feed",
        on_status: Callable[[LiveStatus], None] | None = None,
        blotter_factory: type[BrokerBlotter] = BrokerBlotter,
        health_port: int | None = None,
        leader: LeaderLock | None = None,
        async_broker: bool = False,
    ) -> None:
        self.strategy = strategy() if isinstance(strategy, type) else strategy
        if not isinstance(self.strategy, Strategy):
            raise ConfigError(
                f"strategy must be a Strategy, not {type(self.strategy).__name__}",
                hint="subclass rustybt.Strategy or wrap functions with FunctionStrategy",
            )
        self.broker = broker
        self.feed = feed
        self.store = state if isinstance(state, StateStore) else StateStore(state)
        self.config = BacktestConfig(
            capital=capital,
            fill_at=fill_at,
            volume_limit=volume_limit,
            check_cash=check_cash,
            data_source=data_source,
        )
        self.commission, self.slippage, self.benchmark = commission, slippage, benchmark
        self.audit_log = audit_log
        self.validate = validate
        self.limits = limits or RiskLimits()
        self.stale_after = stale_after
        self.cancel_on_stop = cancel_on_stop
        self.cash_currency = cash_currency
        self.on_status = on_status
        if async_broker and blotter_factory is BrokerBlotter:
            from rustybt.live.async_blotter import AsyncBrokerBlotter

            blotter_factory = AsyncBrokerBlotter
        self.blotter_factory = blotter_factory
        self.health_port = health_port
        self.health: HealthServer | None = None
        self.metrics = LiveMetrics()
        self.last_reconciliation: ReconciliationReport | None = None
        self.leader = leader
        self._prepared: _Run | None = None
        self._stop = threading.Event()
        self._stop_reason = "feed finished"

    # -- control ---------------------------------------------------------------------
    def stop(self, reason: str = "stop requested") -> None:
        """Ask the loop to stop after the current bar (thread- and signal-safe)."""
        self._stop_reason = reason
        self._stop.set()

    def _await_session(self) -> None:
        """A standby needs the session id: wait until a leader wrote it, or lead."""
        leader = self.leader
        assert leader is not None
        while self.store.get("session_id") is None and not leader.held:
            if leader.try_acquire():
                leader.lead(self.store)
                return
            if self._stop.is_set():
                raise StoodBy("stopped before any leader started the session")
            time.sleep(leader.poll)

    async def run_async(self) -> BacktestResult:
        """The asyncio form: the loop runs in a worker thread (broker clients are sync)."""
        import asyncio  # only the asyncio form needs it (start-up time)

        return await asyncio.to_thread(self.run)

    def prepare(self) -> None:
        """Build the engine for this session (imports, panel, calendar layout) without
        touching the state: a warm standby does this before it waits for the lock."""
        if self._prepared is not None:
            return
        if self.validate:  # imported now, not on the first bar after a takeover
            import rustybt.data.validation  # noqa: F401
        self._prepared = _Run(
            self.strategy,
            empty_like(self.feed),
            self.config,
            self.benchmark,
            self.commission,
            self.slippage,
            blotter_factory=self.blotter_factory,
        )

    def run(self) -> BacktestResult:
        """Trade until the feed finishes or `stop` is called; returns the session's result.

        With a ``leader`` lock, a process that does not get the lock at once is a warm
        standby: it builds the engine, keeps it restored (`WarmRestore`) and trades
        from the moment it holds the lock; stopped before that, it raises `StoodBy`.
        """
        self.prepare()
        if self.leader is not None:
            self._await_session()
        store = self.store
        session_id = store.get("session_id")
        restart = session_id is not None
        if session_id is None:
            session_id = uuid.uuid4().hex[:12]
            store.set("session_id", session_id)
        run, self._prepared = self._prepared, None  # one session per prepared engine
        assert run is not None  # built by prepare()
        panel = run.panel
        run.run_id = session_id
        trail = open_trail(self.audit_log, run_id=session_id, strategy_id=self.strategy.name)
        blotter = run.blotter
        assert isinstance(blotter, BrokerBlotter)
        blotter.audit = trail
        events = LiveEvents(trail, self.metrics)
        blotter.attach(self.broker, store, session_id, events)
        session = _Session(self, run, blotter, events, restart)
        if trail is None:
            return session.execute()
        started = {
            "broker": self.broker.name,
            "session_id": session_id,
            "restart": restart,
            "start": panel.index[0].isoformat(),
            "end": panel.index[-1].isoformat(),
            "frequency": str(panel.frequency),
            "assets": len(panel.assets),
        }
        return trail.run(session.execute, started=started, summary=audit_summary)


class _Session:
    """One process lifetime of a live session (start or restart → stop)."""

    TAIL_EVERY = 0.05  # seconds between a standby's catch-ups with its leader

    def __init__(
        self,
        runner: LiveRunner,
        run: _Run,
        blotter: BrokerBlotter,
        events: LiveEvents,
        restart: bool,
    ) -> None:
        self.runner, self.run, self.blotter, self.events = runner, run, blotter, events
        self.restart = restart
        self.breaker = Breaker(runner.store, blotter, events, runner.limits)
        self.last_bar = -1
        self.first_bar = 0
        self._last_watchdog = 0.0

    def execute(self) -> BacktestResult:
        from rustybt.api import current_context

        token = current_context.set(self.run.context)
        try:
            return self._execute()
        finally:
            current_context.reset(token)

    def _execute(self) -> BacktestResult:
        runner, run, blotter, store = self.runner, self.run, self.blotter, self.runner.store
        broker = blotter.broker  # the runner's broker (locked when a worker shares it)
        attach = getattr(broker, "attach", None)
        if attach is not None:  # the paper broker trades on the live panel
            attach(run.panel, run._day_order_expiry)
        self.strategy_state = StrategyState(run, store, self.events)  # before initialize
        run.begin()
        run.context._controls.extend(runner.limits)
        run.context._controls.on_violation = self.breaker.violation
        configure = getattr(broker, "configure", None)
        if configure is not None:
            configure(
                slippage=blotter.slippage,
                commission=blotter.commission,
                volume_limit=blotter.volume_limit,
                check_cash=blotter.check_cash,
            )
        start_bar = int(getattr(runner.feed, "start_bar", 0))
        leader = runner.leader
        if leader is not None and not leader.held:
            resume = self._stand_by(leader, start_bar)
        else:
            resume = restore_state(run, blotter, store, runner.feed, start_bar, self._write_history)
        self.last_bar = resume - 1
        self.first_bar = resume
        if self.restart:  # after initialize: the strategy's own state as it was
            self.strategy_state.restore()
        if store.get_json("baseline") is None:
            store.set_json("baseline", baseline(blotter))
            store.set("capital", str(runner.config.capital))
        self.breaker.load()
        self._reconcile()
        start_worker = getattr(blotter, "start_worker", None)
        if start_worker is not None:  # broker I/O moves off the decision path from here
            start_worker()
        self.events.emit(
            "info",
            "live.started",
            {
                "broker": broker.name,
                "session_id": blotter.session_id,
                "restart": self.restart,
                "resume_bar_time": (
                    run.panel.index[resume].isoformat() if resume < len(run.panel) else None
                ),
            },
        )
        runner.feed.seek(resume)
        if runner.health_port is not None:
            runner.health = HealthServer(
                runner.metrics, port=runner.health_port, stale_after=runner.stale_after
            ).start()
        notify_systemd("READY=1")
        try:
            self._loop()
        finally:
            if runner.health is not None:
                runner.health.close()
        stop_worker = getattr(blotter, "stop_worker", None)
        if stop_worker is not None:  # finish queued sends and book their outcomes
            stop_worker()
        return self._stop()

    def _stand_by(self, leader: LeaderLock, start_bar: int) -> int:
        """Wait for the lock, keeping the engine restored; the bar to resume at."""
        runner = self.runner
        if leader.try_acquire():  # nobody leads: a plain (cold) restart
            leader.lead(runner.store)
            return restore_state(
                self.run, self.blotter, runner.store, runner.feed, start_bar, self._write_history
            )
        warm = WarmRestore(self.run, self.blotter, runner.store, runner.feed, self._write_history)
        next_tail = 0.0
        while not leader.try_acquire():
            if runner._stop.is_set():
                raise StoodBy("stopped while standing by; this process traded nothing")
            now = time.monotonic()
            if now >= next_tail:
                warm.tail()
                next_tail = now + self.TAIL_EVERY
            time.sleep(leader.poll)
        leader.lead(runner.store)
        self.restart = True
        return warm.finish(start_bar)

    def _reconcile(self) -> None:
        runner = self.runner
        start = runner.store.get_json("baseline")
        self.runner.last_reconciliation = reconcile(
            self.blotter,
            self.last_bar,
            cash_currency=runner.cash_currency,
            start=start if isinstance(start, dict) else {},
        )

    def _loop(self) -> None:
        runner, run, blotter, store = self.runner, self.run, self.blotter, self.runner.store
        feed, metrics = runner.feed, runner.metrics
        on_bar = getattr(blotter.broker, "on_bar", None)
        session_end = run.layout.session_end
        while not runner._stop.is_set():
            item = feed.next_bar(timeout=0.5)
            if item is None:
                if feed.finished:
                    return
                self._idle()
                continue
            arrived = time.perf_counter()
            bar = item.bar
            self._write(item)
            # Begun: a restart resumes after this bar, so no bar is decided twice.
            store.set_many({"last_bar": str(bar), "last_bar_time": item.timestamp.isoformat()})
            self._check_stale(item)
            try:
                if on_bar is not None:
                    on_bar(bar)
                blotter.sync(bar)
                if "outage" in blotter.halt_reasons:
                    self._reconnected(None)
            except BrokerError as error:
                self._outage(error)
            self.breaker.load()  # an operator's reset takes effect while running
            run.step(bar)
            self.strategy_state.save(bar)
            latency = time.perf_counter() - arrived
            metrics.observe_latency(latency)
            if session_end[bar]:
                save_session(store, run)
            self.last_bar = bar
            self._publish(bar, latency)
            crash_point("after_bar")

    def _write(self, item: FeedBar) -> None:
        write_bar(self.run, item, self.events, validate=self.runner.validate)

    def _write_history(self, start: int, rows: dict[str, FloatArray], present: BoolArray) -> None:
        write_history(self.run, start, rows, present, self.events, validate=self.runner.validate)

    def _check_stale(self, item: FeedBar) -> None:
        limit = self.runner.stale_after
        blotter = self.blotter
        blotter.halt_reasons.pop("stale", None)
        if limit is None or item.due is None:
            return
        lateness = time.monotonic() - item.due
        if lateness > limit:
            blotter.halt_reasons["stale"] = f"stale bar ({lateness:.1f}s late)"
            self.events.bar_stale(item.timestamp, lateness, limit)

    def _outage(self, error: BrokerError) -> None:
        blotter = self.blotter
        if "outage" not in blotter.halt_reasons:
            self._outage_since = time.monotonic()
            blotter.halt_reasons["outage"] = f"broker unreachable: {error.message}"
            self.events.emit("error", "broker.unreachable", {"error": error.message})

    def _reconnected(self, error: str | None) -> None:
        outage = time.monotonic() - getattr(self, "_outage_since", time.monotonic())
        self.blotter.halt_reasons.pop("outage", None)
        self.events.reconnected(outage, error)
        self._reconcile()

    def _idle(self) -> None:
        """No bar yet: check a lost broker connection and an operator's breaker reset."""
        self._watchdog()
        self.breaker.load()
        if "outage" in self.blotter.halt_reasons:
            try:
                self.blotter.broker.open_orders()
            except BrokerError:
                return
            self._reconnected(None)

    def _watchdog(self) -> None:
        now = time.monotonic()
        if now - self._last_watchdog >= 1.0:  # systemd's WatchdogSec is seconds, not bars
            self._last_watchdog = now
            notify_systemd("WATCHDOG=1")

    def _publish(self, bar: int, latency: float) -> None:
        self._watchdog()
        run, runner, metrics = self.run, self.runner, self.runner.metrics
        equity = run.context.portfolio.portfolio_value
        when = run.panel.index[bar]
        with metrics.lock:
            metrics.bars += 1
            metrics.last_bar_time = when.isoformat()
            metrics.last_bar_wall = time.time()
            metrics.equity = f"{equity:.2f}"
            metrics.open_orders = len(self.blotter.open_orders)
        if runner.on_status is not None:
            runner.on_status(
                LiveStatus(
                    when, equity, len(self.blotter.open_orders), latency, self.blotter.halted
                )
            )

    def _stop(self) -> BacktestResult:
        runner, blotter = self.runner, self.blotter
        cancelled = 0
        reason = runner._stop_reason if runner._stop.is_set() else "feed finished"
        if runner.cancel_on_stop and runner._stop.is_set():
            when = self.run.panel.index[max(self.last_bar, 0)]
            for order in list(blotter.open_orders):
                blotter.cancel(order, when, "cancelled on stop")
                cancelled += 1
        self.events.emit(
            "info",
            "live.stopped",
            {
                "reason": reason,
                "cancelled_orders": cancelled,
                "last_bar_time": (
                    self.run.panel.index[self.last_bar].isoformat() if self.last_bar >= 0 else None
                ),
            },
        )
        if self.last_bar < 0:
            raise ConfigError(
                "the live session ended before its first bar",
                hint="check the feed (dates, --from) and the state directory",
            )
        # A restart that finds every bar already decided (the process was killed after
        # the last bar, before it wrote its result) rebuilds the result from the state
        # store: nothing is decided twice, and the finished session is not lost.
        finished = self.last_bar == len(self.run.panel) - 1
        return self.run.finish(None if finished else self.last_bar)
