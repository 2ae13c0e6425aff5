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
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from rustybt.engine.controls import RiskLimits
from rustybt.engine.execution import CommissionModel, SlippageModel
from rustybt.engine.result import BacktestResult
from rustybt.engine.run_audit import audit_summary, open_trail
from rustybt.engine.runner import BacktestConfig, FillAt, _Run
from rustybt.engine.strategy import Strategy
from rustybt.errors import ConfigError
from rustybt.live.broker import Broker
from rustybt.live.broker_blotter import BrokerBlotter
from rustybt.live.events import LiveEvents, LiveMetrics
from rustybt.live.feeds import Feed, empty_like
from rustybt.live.health import HealthServer, notify_systemd
from rustybt.live.leader import LeaderLock, StoodBy
from rustybt.live.reconcile import ReconciliationReport
from rustybt.live.session import LiveSession, LiveStatus
from rustybt.live.state import StateStore

if TYPE_CHECKING:
    from rustybt.audit import AuditLog

__all__ = ["LiveRunner", "LiveStatus"]


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
            Orders then reach the venue after the bar that decided them, so a replay's
            fills come one bar later than the backtest's (the CLI keeps it off by default).
            After a restart or a takeover (and after a reconnect) the worker reads the
            venue for the reconciliation while bars go on, new orders refused until
            it lands.
        reconcile_wait: with ``async_broker``, seconds a restart or takeover waits for
            that reconciliation before deciding its first bar (0: decide at once, with
            new orders refused for the few bars it takes; a bar is never late for it).
        on_lead: called once this process leads, the moment it holds the lock (at
            once, or when a standby takes over), before it restores and trades: the
            CLI writes its pid file there, the soak's trader takes its priority back.
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
        on_lead: Callable[[], None] | None = None,
        reconcile_wait: float = 5.0,
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
        self.reconcile_wait = reconcile_wait
        if async_broker and blotter_factory is BrokerBlotter:
            from rustybt.live.async_blotter import AsyncBrokerBlotter

            blotter_factory = AsyncBrokerBlotter
        self.blotter_factory = blotter_factory
        self.health_port = health_port
        self.health: HealthServer | None = None
        self.metrics = LiveMetrics()
        self.last_reconciliation: ReconciliationReport | None = None
        self.leader = leader
        self.on_lead = on_lead
        self._pulse_at = 0.0
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
                self.lead()
                return
            if self._stop.is_set():
                raise StoodBy("stopped before any leader started the session")
            self.standby_pulse()
            time.sleep(leader.poll)

    def lead(self) -> None:
        """With the leader lock held: take the fencing epoch, then tell ``on_lead`` (once)."""
        assert self.leader is not None
        self.leader.lead(self.store)
        on_lead, self.on_lead = self.on_lead, None
        if on_lead is not None:
            on_lead()

    def standby_pulse(self) -> None:
        """While standing by: tell systemd this process is alive (its watchdog counts
        seconds whatever the role), at most once a second."""
        now = time.monotonic()
        if now - self._pulse_at >= 1.0:
            self._pulse_at = now
            notify_systemd("WATCHDOG=1")

    def _start_standby(self) -> None:
        """A process that must wait for the leader lock: healthy as a standby (so Docker or
        systemd do not restart it for waiting), with /health saying so."""
        with self.metrics.lock:
            self.metrics.role = "standby"
        if self.health_port is not None and self.health is None:
            self.health = HealthServer(
                self.metrics, port=self.health_port, stale_after=self.stale_after
            ).start()
        notify_systemd("READY=1\nSTATUS=warm standby: waiting for the leader lock")

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
            live=True,
        )

    def run(self) -> BacktestResult:
        """Trade until the feed finishes or `stop` is called; returns the session's result.

        With a ``leader`` lock, a process that does not get the lock at once is a warm
        standby: it builds the engine, keeps it restored (`WarmRestore`) and trades
        from the moment it holds the lock; stopped before that, it raises `StoodBy`.
        """
        self.prepare()
        if self.leader is not None and not self.leader.held:
            self._start_standby()
        try:
            return self._run()
        finally:
            if self.health is not None:
                self.health.close()

    def _run(self) -> BacktestResult:
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
        blotter = run.blotter
        assert isinstance(blotter, BrokerBlotter)
        events = LiveEvents(None, self.metrics)
        blotter.attach(self.broker, store, session_id, events)
        session = LiveSession(self, run, blotter, events, restart)
        if self.leader is not None and not self.leader.held:
            # A standby opens the audit log only once it leads: the log has one writer
            # (its leader's, until the kernel drops that writer's lock with the process).
            session.stand_by()
            restart = True
        trail = open_trail(self.audit_log, run_id=session_id, strategy_id=self.strategy.name)
        blotter.audit = events.trail = trail
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
        try:
            return trail.run(session.execute, started=started, summary=audit_summary)
        finally:
            if self.leader is not None:  # the audit log is closed: a standby may lead now
                self.leader.release()
