"""`LiveSession`: one process lifetime of a live session (start or restart -> stop).

`LiveRunner.run` builds the engine and hands it here. Start: restore (a cold
restart from the state store, or a warm standby's takeover), reconcile with the
venue, start the broker worker (``async_broker``); then the bar loop (per bar:
validate and write the bar, mark it begun, book the venue's news, run the engine's
step, keep the strategy's state); stop: finish sends, cancel if asked, build the
result. See `rustybt.live.runner` for the per-bar order of things.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from rustybt.data.bars import FloatArray
from rustybt.engine.result import BacktestResult
from rustybt.engine.runner import _Run
from rustybt.errors import BrokerError, ConfigError
from rustybt.live.bar_writer import write_bar, write_history
from rustybt.live.breaker import Breaker
from rustybt.live.broker_blotter import BrokerBlotter
from rustybt.live.crashpoints import crash_point
from rustybt.live.events import LiveEvents
from rustybt.live.feeds import FeedBar
from rustybt.live.health import HealthServer, notify_systemd
from rustybt.live.leader import LeaderLock, StoodBy
from rustybt.live.reconcile import ReconciliationReport, baseline, reconcile
from rustybt.live.restore import BoolArray, restore_state, save_session
from rustybt.live.strategy_state import StrategyState
from rustybt.live.venue_snapshot import VenueSnapshot
from rustybt.live.warm import WarmRestore

if TYPE_CHECKING:
    from rustybt.live.runner import LiveRunner

__all__ = ["LiveSession", "LiveStatus"]


@dataclass(frozen=True)
class LiveStatus:
    """What the status line shows after each bar."""

    bar_time: pd.Timestamp
    equity: float
    open_orders: int
    latency_s: float
    halted: str | None
    # Why new orders were refused at this bar, by source ("outage", "reconciliation",
    # "stopping", "sender", "stale", "breaker"...); empty while trading.
    halt_reasons: tuple[str, ...] = ()


class LiveSession:
    """One process lifetime of a live session (start or restart → stop)."""

    TAIL_EVERY = 0.05  # seconds between a standby's catch-ups with its leader
    DRAIN_LIMIT = 10.0  # seconds a stopping leader decides bars while its sends finish
    FINISH_WAIT = 10.0  # seconds an ending session waits for a reconciliation in flight
    RECHECK_FIRST, RECHECK_MAX = 0.1, 30.0  # seconds before a mismatch is checked again
    SETTLE_HEAP_EVERY = 10.0  # seconds between collect-and-freeze of the heap (_settle_heap)

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
        self.resume: int | None = None  # the bar to trade first (known once restored)
        self.took_over: int | None = None  # the epoch of a warm takeover by this process
        self._recheck_at: float | None = None  # when an incomplete reconciliation is redone
        self._recheck_every = self.RECHECK_FIRST
        self._heap_settled = time.monotonic()

    def execute(self) -> BacktestResult:
        from rustybt.api import current_context

        token = current_context.set(self.run.context)
        try:
            if self.resume is None:
                self._begin()
                self.resume = restore_state(
                    self.run,
                    self.blotter,
                    self.runner.store,
                    self.runner.feed,
                    self._start_bar(),
                    self._write_history,
                )
            gc.freeze()  # what was restored lives as long as the session (`_settle_heap`)
            self._heap_settled = time.monotonic()
            return self._execute(self.resume)
        finally:
            gc.unfreeze()
            current_context.reset(token)

    def stand_by(self) -> None:
        """Wait for the leader lock as a warm standby (the engine built, initialized and
        kept restored), then take over; `execute` trades from there. Raises `StoodBy` when
        stopped first. A standby attaches its broker only once it leads: the paper broker
        loads its books from its database when attached, and the leader still changes them."""
        from rustybt.api import current_context

        leader = self.runner.leader
        assert leader is not None
        token = current_context.set(self.run.context)
        try:
            self._begin(attach=False)
            self.resume = self._stand_by(leader, self._start_bar())
            self._attach_broker()
            self._configure_broker()
        finally:
            current_context.reset(token)

    def _settle_heap(self) -> None:
        """Every ``SETTLE_HEAP_EVERY`` seconds, between bars: collect cyclic garbage, then
        freeze what survives (`gc.freeze`). A session keeps its orders and fills, so the
        heap grows all session long, and a full collection walks all of it at a moment
        the collector picks: in the soak 0.09 s after 5 minutes, 0.35 s in a standby
        after 7, growing with the session, and a takeover or a bar waits for it. Frozen
        objects are out of the collector's sight, so the collections here and the
        automatic ones walk only what is newer; collecting first means no garbage is
        frozen (nothing leaks). The session gives everything back at its end."""
        now = time.monotonic()
        if now - self._heap_settled >= self.SETTLE_HEAP_EVERY:
            gc.collect()
            gc.freeze()
            self._heap_settled = now

    def _start_bar(self) -> int:
        return int(getattr(self.runner.feed, "start_bar", 0))

    def _begin(self, *, attach: bool = True) -> None:
        """Initialize the strategy (and the broker's books, unless standing by)."""
        run, runner = self.run, self.runner
        if attach:
            self._attach_broker()
        self.strategy_state = StrategyState(run, runner.store, self.events)  # before initialize
        run.begin()
        run.context._controls.extend(runner.limits)
        run.context._controls.on_violation = self.breaker.violation
        if attach:
            self._configure_broker()

    def _execute(self, resume: int) -> BacktestResult:
        runner, run, blotter, store = self.runner, self.run, self.blotter, self.runner.store
        broker = blotter.broker  # the runner's broker (locked when a worker shares it)
        self._leading()
        if self.took_over is not None:
            when = run.panel.index[resume].isoformat() if resume < len(run.panel) else None
            self.events.emit(
                "info", "live.takeover", {"epoch": self.took_over, "resume_bar_time": when}
            )
        self.last_bar = resume - 1
        self.first_bar = resume
        if self.restart:  # after initialize: the strategy's own state as it was
            self.strategy_state.restore()
        if store.get_json("baseline") is None:
            store.set_json("baseline", baseline(blotter))
            store.set("capital", str(runner.config.capital))
        self.breaker.load()
        start_worker = getattr(blotter, "start_worker", None)
        if self.restart and start_worker is not None:
            # A restart or takeover with a broker worker: the worker reads the venue for
            # the reconciliation; bars are decided (new orders refused) until it lands.
            start_worker()
            self._reconcile()
            self._await_reconciliation(runner.reconcile_wait)
        else:
            self._reconcile()
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
        if runner.health_port is not None and runner.health is None:
            runner.health = HealthServer(
                runner.metrics, port=runner.health_port, stale_after=runner.stale_after
            ).start()
        notify_systemd("READY=1")
        try:
            self._loop()
            if self._standby_takes_over():
                self._drain_sends()
            else:  # the last reconciliation asked for is the one stored and shown
                self._await_reconciliation(self.FINISH_WAIT)
        finally:
            if runner.health is not None:
                runner.health.close()
        stop_worker = getattr(blotter, "stop_worker", None)
        if stop_worker is not None:  # finish queued sends and book their outcomes
            stop_worker(settle=not self._standby_takes_over())
        return self._stop()

    def _attach_broker(self) -> None:
        attach = getattr(self.blotter.broker, "attach", None)
        if attach is not None:  # the paper broker trades on the live panel
            attach(self.run.panel, self.run._day_order_expiry)

    def _configure_broker(self) -> None:
        blotter = self.blotter
        configure = getattr(blotter.broker, "configure", None)
        if configure is not None:
            configure(
                slippage=blotter.slippage,
                commission=blotter.commission,
                volume_limit=blotter.volume_limit,
                check_cash=blotter.check_cash,
            )

    def _leading(self) -> None:
        """This process leads from here: /health and /metrics say so, the CLI is told."""
        runner = self.runner
        with runner.metrics.lock:
            runner.metrics.role = "leader"
        if runner.on_lead is not None:  # a process that led without the lock's wait
            runner.on_lead()
            runner.on_lead = None

    def _stand_by(self, leader: LeaderLock, start_bar: int) -> int:
        """Wait for the lock, keeping the engine restored; the bar to resume at."""
        runner = self.runner
        if leader.try_acquire():  # nobody leads: a plain (cold) restart
            runner.lead()
            return restore_state(
                self.run, self.blotter, runner.store, runner.feed, start_bar, self._write_history
            )
        warm = WarmRestore(self.run, self.blotter, runner.store, runner.feed, self._write_history)
        next_tail = 0.0
        while not leader.try_acquire():
            if runner._stop.is_set():
                leader.withdraw_standby()
                gc.unfreeze()
                raise StoodBy("stopped while standing by; this process traded nothing")
            now = time.monotonic()
            if now >= next_tail:
                warm.tail()
                self._settle_heap()  # a takeover must not wait for a full collection
                next_tail = now + self.TAIL_EVERY
                runner.standby_pulse()
                if not runner.metrics.warm and leader.announce_standby():
                    with runner.metrics.lock:  # /health: a takeover now is warm
                        runner.metrics.warm = True
            time.sleep(leader.poll)
        leader.withdraw_standby()
        runner.lead()
        self.restart = True
        resume = warm.finish(start_bar)
        with runner.metrics.lock:
            runner.metrics.failovers += 1
            runner.metrics.warm = False
        self.took_over = leader.epoch  # audited once the audit log is this process's
        return resume

    def _reconcile(self) -> None:
        """Reconcile now, or (with a broker worker) ask the worker to read the venue:
        `_reconciled` reconciles on what it read when it arrives."""
        request = getattr(self.blotter, "request_reconcile", None)
        if request is not None and request():
            return
        self._reconcile_on(None)

    def _reconciled(self) -> None:
        """Reconcile on the worker's snapshot if it arrived. An incomplete one is asked
        again, sooner after a venue error, later after a mismatch (backing off): a
        venue's fill stream can lag its positions (the soak's silent stream does for a
        second), so a mismatch may clear once the fills arrive. New orders stay refused
        until a reconciliation is complete."""
        take = getattr(self.blotter, "take_snapshot", None)
        if take is None:
            return
        now = time.monotonic()
        snapshot = take()
        if snapshot is not None:
            report = self._reconcile_on(snapshot)
            if report.complete:
                self._recheck_at, self._recheck_every = None, self.RECHECK_FIRST
            else:
                self._recheck_at = now + (0.0 if report.error else self._recheck_every)
                if not report.error:
                    self._recheck_every = min(self._recheck_every * 2, self.RECHECK_MAX)
        if self._recheck_at is not None and now >= self._recheck_at:
            self._recheck_at = None
            self._reconcile()

    def _reconcile_on(self, venue: VenueSnapshot | None) -> ReconciliationReport:
        runner = self.runner
        start = runner.store.get_json("baseline")
        report = reconcile(
            self.blotter,
            self.last_bar,
            cash_currency=runner.cash_currency,
            start=start if isinstance(start, dict) else {},
            venue=venue,
        )
        self.runner.last_reconciliation = report
        return report

    def _loop(self, until: Callable[[], bool] | None = None, wait: float = 0.5) -> None:
        """Decide bars until stopped (or ``until`` says so), the feed finished."""
        runner, run, blotter, store = self.runner, self.run, self.blotter, self.runner.store
        feed, metrics = runner.feed, runner.metrics
        on_bar = getattr(blotter.broker, "on_bar", None)
        session_end = run.layout.session_end
        done = until if until is not None else runner._stop.is_set
        while not done():
            item = feed.next_bar(timeout=wait)
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
                self._reconciled()
            except BrokerError as error:
                self._outage(error)
            self.breaker.load()  # an operator's reset takes effect while running
            run.step(bar)
            self.strategy_state.save(bar)
            latency = time.perf_counter() - arrived
            metrics.observe_latency(latency)
            if session_end[bar]:  # marked decided with the session's row, atomically
                save_session(store, run, decided=bar)
            else:
                store.set("decided_bar", str(bar))  # a restart need not decide it (resume_bar)
            self.last_bar = bar
            self._publish(bar, latency)
            self._settle_heap()
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
                    when,
                    equity,
                    len(self.blotter.open_orders),
                    latency,
                    self.blotter.halted,
                    tuple(self.blotter.halt_reasons),
                )
            )

    def _standby_takes_over(self) -> bool:
        """Stopped (not finished) while a warm standby waits: the standby's reconciliation
        settles the venue's last fills and unknown outcomes, so this process leaves them
        to it and hands over as soon as its sends are done."""
        runner, leader = self.runner, self.runner.leader
        return (
            runner._stop.is_set()
            and not runner.cancel_on_stop
            and leader is not None
            and leader.held
            and self.events.trail is None
            and leader.standby_waiting()
        )

    def _await_reconciliation(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for a reconciliation still on the worker, then
        reconcile on it: before a restart's first bar (``reconcile_wait``), and when a
        session ends (or stops with no standby to take over), since a restart after the
        last bar has no bar left to carry it and the stored reconciliation is what
        `rustybt status` and the soak's checker read."""
        wait = getattr(self.blotter, "wait_snapshot", None)
        if wait is None or not getattr(self.blotter, "reconciling", False):
            return
        wait(timeout)
        self._reconciled()

    def _drain_sends(self) -> None:
        """Stopped while a warm standby waits, with sends still queued or on the wire:
        the lock cannot pass before their outcomes are in (the standby could close an
        order as never sent and then see it arrive), so this process goes on deciding
        bars, new orders refused (fail closed), until they are; then it hands over. A
        send meeting a venue timeout takes the client's timeout, which would otherwise
        be bars decided by nobody."""
        pending = getattr(self.blotter, "sends_pending", None)
        if pending is None or not pending():
            return
        self.blotter.halt_reasons["stopping"] = "stopping: handing over to the standby"
        limit = time.monotonic() + self.DRAIN_LIMIT
        self._loop(until=lambda: not pending() or time.monotonic() > limit, wait=0.005)

    def _hand_over(self) -> None:
        """A stopping leader whose broker and store work is done drops the leader lock
        now, not at its exit: a standby takes over while this process builds its result
        and exits (a third of a second in the soak). With an audit log the lock is kept
        until the log is closed (`LiveRunner`): the log has one writer at a time."""
        leader = self.runner.leader
        if leader is not None and self.events.trail is None:
            leader.release()

    def _stop(self) -> BacktestResult:
        runner, blotter = self.runner, self.blotter
        cancelled = 0
        reason = runner._stop_reason if runner._stop.is_set() else "feed finished"
        if runner.cancel_on_stop and runner._stop.is_set():
            when = self.run.panel.index[max(self.last_bar, 0)]
            for order in list(blotter.open_orders):
                blotter.cancel(order, when, "cancelled on stop")
                cancelled += 1
        self._hand_over()
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
