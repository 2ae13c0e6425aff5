"""With ``LiveRunner(async_broker=True)`` a reconciliation after a reconnect or a restart
reads the venue on the broker worker: bars go on being decided (new orders refused)
until it lands, then trading resumes, and the books still equal the venue's to the cent
with no order lost or sent twice. A leader stopped while a warm standby waits keeps
deciding bars (new orders refused) until its sends have outcomes, then hands over.

The venue's latency is injected on the worker, outside the wire lock (the paper
broker's clock, ``on_bar``, shares that lock: latency under it would stall the bar
loop for a reason no real venue has)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from rustybt.data.bars import BarPanel
from rustybt.engine.result import BacktestResult
from rustybt.live.async_blotter import AsyncBrokerBlotter
from rustybt.live.broker import OrderRequest
from rustybt.live.broker_worker import BrokerWorker, Gather, Outcomes
from rustybt.live.checker import check_paper_books
from rustybt.live.feeds import ReplayFeed
from rustybt.live.leader import LeaderLock
from rustybt.live.paper import PaperBroker
from rustybt.live.reconcile import ReconciliationReport
from rustybt.live.runner import LiveRunner, LiveStatus
from rustybt.live.state import INTENT, UNKNOWN, StateStore
from tests.live.faulty import FaultyBroker
from tests.live.strategies import Rebalancer

CAPITAL = Decimal(100_000)
RECONCILING = "reconciling with the venue"
STOPPING = "stopping: handing over to the standby"


class _Captured(AsyncBrokerBlotter):
    """The async blotter, kept where the test can see it (the runner drops its engine)."""

    last: AsyncBrokerBlotter | None = None

    def attach(self, *args: Any, **kwargs: Any) -> None:
        super().attach(*args, **kwargs)
        _Captured.last = self


def _slow_gathers(monkeypatch: pytest.MonkeyPatch, delay: float) -> list[float]:
    """Every reconciliation read on the worker answers ``delay`` seconds late (a venue
    under 429s and retries); returns when each gather was asked and when it ended."""
    real = BrokerWorker._snapshot
    spans: list[float] = []

    def slow(worker: BrokerWorker, request: Gather) -> None:
        spans.append(time.monotonic())
        time.sleep(delay)
        real(worker, request)
        spans.append(time.monotonic())

    monkeypatch.setattr(BrokerWorker, "_snapshot", slow)
    return spans


def _runner(
    state: Path,
    broker: object,
    panel: BarPanel,
    on_status: Callable[[LiveStatus], None] | None = None,
    **kwargs: Any,
) -> LiveRunner:
    return LiveRunner(
        Rebalancer(n=5, every=2),
        broker=broker,  # type: ignore[arg-type]  # a paper broker or a wrapper of one
        feed=ReplayFeed(panel, speed="max"),
        state=state,
        capital=float(CAPITAL),
        async_broker=True,
        blotter_factory=_Captured,
        on_status=on_status,
        **kwargs,
    )


def _refused(result: BacktestResult, reason: str) -> pd.DataFrame:
    orders = result.orders
    return orders[orders["reason"].fillna("").astype(str).str.contains(reason, regex=False)]


def _no_loose_intents(state: Path) -> None:
    store = StateStore(state)
    try:
        loose = [r.client_order_id for r in store.orders() if r.state in (INTENT, UNKNOWN)]
    finally:
        store.close()
    assert loose == []


# -- (a) a reconnect's reconciliation does not hold the bar loop ------------------------------


def test_a_reconnect_reconciles_on_the_worker_while_bars_go_on(
    tmp_path: Path, demo_window: BarPanel, monkeypatch: pytest.MonkeyPatch
) -> None:
    delay = 0.3
    spans = _slow_gathers(monkeypatch, delay)
    paper = PaperBroker(capital=CAPITAL, path=tmp_path / "paper.db")
    broker = FaultyBroker(paper)
    broker.down_bars = {20, 21, 22}
    seen: list[tuple[int, str | None, float, ReconciliationReport | None]] = []
    runner: LiveRunner

    def status(item: LiveStatus) -> None:
        seen.append((runner.metrics.bars, item.halted, item.latency_s, runner.last_reconciliation))
        time.sleep(0.01)  # bars 10 ms apart: the gather spans many of them

    runner = _runner(tmp_path, broker, demo_window, status)
    try:
        result = runner.run()
    finally:
        paper.close()
    first = seen[0][3]
    assert first is not None
    assert first.complete
    assert len(spans) == 2  # exactly one gather: the reconnect's
    pending = [s for s in seen if s[1] is not None and RECONCILING in s[1]]
    # Many bars decided while the gather was under way (~0.3 s at 10 ms a bar), each
    # quickly: the bar loop never waited for the venue.
    assert len(pending) >= 10, [s[:2] for s in seen]
    assert max(s[2] for s in pending) < delay / 2
    bars = [s[0] for s in pending]
    assert bars == list(range(bars[0], bars[0] + len(bars)))  # one contiguous stretch
    assert bars[0] > 20  # after the outage
    # The reconnect's reconciliation landed later, complete, and trading resumed.
    landed = seen[bars[-1]][3]  # the status of the bar after the stretch
    assert landed is not None
    assert landed is not first
    assert landed.complete, landed
    assert seen[bars[-1]][1] is None
    assert runner.last_reconciliation is landed
    # New orders were refused while it was pending (and only then, after the outage).
    refused = _refused(result, RECONCILING)
    assert len(refused) > 0
    assert set(refused["status"]) == {"rejected"}
    assert (result.orders["status"] == "filled").sum() > 20
    check = check_paper_books(tmp_path, capital=CAPITAL)
    assert check.ok, check
    _no_loose_intents(tmp_path)


# -- (b) a restart: decide at once (reconcile_wait=0) or wait (the default) -----------------


def _settled(item: LiveStatus) -> None:
    """Wait at the end of each bar until the worker has sent this bar's orders and
    answered this bar's poll: async runs then fill on the same bars every time."""
    blotter = _Captured.last
    assert blotter is not None
    worker = blotter.worker
    assert worker is not None
    limit = time.monotonic() + 5.0
    while time.monotonic() < limit:
        with worker._wake:
            if not worker._sends and any(not isinstance(i, Outcomes) for i in worker._inbox):
                return
        time.sleep(0.0005)
    raise AssertionError("the worker did not answer the bar's poll")


def _first_half(state: Path, panel: BarPanel, bars: int = 20) -> None:
    paper = PaperBroker(capital=CAPITAL, path=state / "paper.db")
    runner: LiveRunner

    def stop(item: LiveStatus) -> None:
        _settled(item)
        if runner.metrics.bars == bars:
            runner.stop("test")

    runner = _runner(state, paper, panel, stop)
    try:
        runner.run()
    finally:
        runner.store.close()
        paper.close()


def test_a_restart_with_no_wait_decides_its_first_bars_before_the_reconciliation_lands(
    tmp_path: Path, demo_window: BarPanel, monkeypatch: pytest.MonkeyPatch
) -> None:
    _first_half(tmp_path, demo_window)
    spans = _slow_gathers(monkeypatch, 0.3)
    paper = PaperBroker(capital=CAPITAL, path=tmp_path / "paper.db")
    seen: list[tuple[str | None, ReconciliationReport | None]] = []
    runner: LiveRunner

    def status(item: LiveStatus) -> None:
        seen.append((item.halted, runner.last_reconciliation))
        time.sleep(0.01)

    runner = _runner(tmp_path, paper, demo_window, status, reconcile_wait=0)
    started = time.monotonic()
    try:
        result = runner.run()
    finally:
        paper.close()
    assert spans[0] - started < 2.0  # asked at the start ...
    halted, report = seen[0]
    assert report is None  # ... and the first bar was decided before it landed
    assert halted is not None
    assert RECONCILING in halted
    pending = [i for i, (h, _) in enumerate(seen) if h is not None and RECONCILING in h]
    assert pending == list(range(len(pending)))
    assert len(pending) >= 10
    landed = seen[len(pending)][1]
    assert landed is not None
    assert landed.complete, landed
    assert seen[len(pending)][0] is None  # trading resumed
    refused = _refused(result, RECONCILING)
    assert len(refused) > 0
    assert set(refused["status"]) == {"rejected"}
    check = check_paper_books(tmp_path, capital=CAPITAL)  # nothing lost or sent twice
    assert check.ok, check
    _no_loose_intents(tmp_path)


@pytest.mark.parametrize("slow", [False, True])
def test_a_restart_with_the_default_wait_equals_one_that_waits_as_long_as_it_takes(
    tmp_path: Path, demo_window: BarPanel, monkeypatch: pytest.MonkeyPatch, slow: bool
) -> None:
    """A restart waits (up to ``reconcile_wait``, 5 s by default) for the worker's
    reconciliation before its first bar: then it is as before, the first bar decided
    on reconciled books with new orders allowed. Same result as a restart allowed to
    wait a minute, with a fast venue or one 0.3 s slow."""
    results: list[BacktestResult] = []
    firsts: list[tuple[str | None, ReconciliationReport | None]] = []
    for name, wait in (("default", None), ("long", 60.0)):
        state = tmp_path / name
        state.mkdir()
        _first_half(state, demo_window)
        with monkeypatch.context() as patch:
            if slow:
                _slow_gathers(patch, 0.3)
            paper = PaperBroker(capital=CAPITAL, path=state / "paper.db")
            seen: list[tuple[str | None, ReconciliationReport | None]] = []
            holder: list[LiveRunner] = []

            def status(
                item: LiveStatus, seen: list[Any] = seen, holder: list[LiveRunner] = holder
            ) -> None:
                seen.append((item.halted, holder[0].last_reconciliation))
                _settled(item)

            extra = {} if wait is None else {"reconcile_wait": wait}
            runner = _runner(state, paper, demo_window, status, **extra)
            holder.append(runner)
            try:
                results.append(runner.run())
            finally:
                runner.store.close()
                paper.close()
        firsts.append(seen[0])
        check = check_paper_books(state, capital=CAPITAL)
        assert check.ok, (name, check)
    for halted, report in firsts:
        assert halted is None  # the first bar traded
        assert report is not None
        assert report.complete, report
    default, long = results
    assert _refused(default, RECONCILING).empty
    assert _refused(long, RECONCILING).empty
    columns = ["timestamp", "symbol", "quantity", "price", "commission", "order_id", "bar"]
    assert len(default.transactions) > 20
    pd.testing.assert_frame_equal(
        default.transactions[columns].reset_index(drop=True),
        long.transactions[columns].reset_index(drop=True),
    )
    assert default.metadata["ledger"] == long.metadata["ledger"]
    assert default.final_equity == long.final_equity


# -- (c) SIGTERM with a warm standby waiting and a send on the wire ------------------------


def test_a_stopping_leader_decides_bars_with_orders_refused_until_its_send_is_done(
    tmp_path: Path, demo_window: BarPanel, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = threading.Event()
    sending = threading.Event()
    real_send = BrokerWorker._send
    stop_at, release_at = 10, 16
    blocked: list[str] = []

    def slow_send(worker: BrokerWorker, request: OrderRequest) -> None:
        if not gate.is_set() and not blocked and stopped.is_set():  # the first after the stop
            blocked.append(request.client_order_id)
            sending.set()
            assert gate.wait(5)
        real_send(worker, request)

    monkeypatch.setattr(BrokerWorker, "_send", slow_send)
    stopped = threading.Event()
    paper = PaperBroker(capital=CAPITAL, path=tmp_path / "paper.db")
    standby = LeaderLock(tmp_path)
    assert standby.announce_standby()
    seen: list[tuple[int, str | None, bool]] = []
    runner: LiveRunner

    def status(item: LiveStatus) -> None:
        bars = runner.metrics.bars
        seen.append((bars, item.halted, gate.is_set()))
        if bars == stop_at - 1:
            stopped.set()  # the orders of the next (rebalancing) bar meet a slow venue
        if bars == stop_at:
            assert sending.wait(2)  # one of this bar's sends is on the wire
            runner.stop("SIGTERM")
        if bars == release_at:
            gate.set()  # the venue answers

    runner = _runner(tmp_path, paper, demo_window, status, leader=LeaderLock(tmp_path))
    try:
        result = runner.run()
    finally:
        runner.store.close()
        paper.close()
    after = [s for s in seen if s[0] > stop_at]
    # Bars 11..16 decided while the send was out, each with new orders refused.
    assert [s[0] for s in after[: release_at - stop_at]] == list(range(stop_at + 1, release_at + 1))
    assert all(s[1] is not None and STOPPING in s[1] for s in after)
    assert len(after) < 40  # it stopped once the send's outcome was in
    refused = _refused(result, STOPPING)
    assert len(refused) > 0
    assert set(refused["status"]) == {"rejected"}
    assert standby.try_acquire()  # handed over before run returned
    standby.release()
    store = StateStore(tmp_path)
    try:
        records = {r.client_order_id: r for r in store.orders()}
    finally:
        store.close()
    assert len(blocked) == 1
    assert records[blocked[0]].state not in (INTENT, UNKNOWN)  # its outcome is in
    # The standby (here: a restart) takes over and ends with the venue's books.
    monkeypatch.setattr(BrokerWorker, "_send", real_send)
    paper = PaperBroker(capital=CAPITAL, path=tmp_path / "paper.db")
    runner = _runner(tmp_path, paper, demo_window, leader=LeaderLock(tmp_path))
    try:
        runner.run()
        assert runner.last_reconciliation is not None
        assert runner.last_reconciliation.complete
    finally:
        runner.store.close()
        paper.close()
    check = check_paper_books(tmp_path, capital=CAPITAL)
    assert check.ok, check
    _no_loose_intents(tmp_path)


def test_fills_polled_after_the_snapshot_do_not_make_a_false_mismatch(
    tmp_path: Path, demo_window: BarPanel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The venue answers the reconciliation's reads at once, but the answer takes 0.2 s
    to arrive (latency after the venue read its books); meanwhile the first bar fills
    the orders the previous process sent at its last bar, and the poll that bar asked
    for runs right after the snapshot is posted. Both are taken by the next bar's
    drain: the poll's fills are booked, then the snapshot (without them) is reconciled."""
    from rustybt.live.venue_snapshot import gather

    _first_half(tmp_path, demo_window)  # stopped on a rebalancing bar: orders open

    def late_answer(worker: BrokerWorker, request: Gather) -> None:
        with worker.lock:
            snapshot = gather(worker.broker, worker.cursor, request.asked, request.since)
        time.sleep(0.2)  # the answer on its way back
        worker.cursor = snapshot.cursor
        with worker._wake:
            if worker._gather is request:
                worker._gather = None
            worker._inbox.append(snapshot)
            worker._wake.notify_all()

    monkeypatch.setattr(BrokerWorker, "_snapshot", late_answer)
    paper = PaperBroker(capital=CAPITAL, path=tmp_path / "paper.db")
    seen: list[str | None] = []
    runner: LiveRunner

    def status(item: LiveStatus) -> None:
        seen.append(item.halted)
        time.sleep(0.01)

    runner = _runner(tmp_path, paper, demo_window, status, reconcile_wait=0)
    try:
        runner.run()
    finally:
        runner.store.close()
        paper.close()
    report = runner.last_reconciliation
    assert report is not None
    halted_to_the_end = seen[-1]
    assert report.complete, (report, halted_to_the_end)  # fails: a position/cash mismatch
    assert halted_to_the_end is None  # trading resumed


def test_a_restart_with_no_bar_left_still_finishes_its_reconciliation(
    tmp_path: Path, demo_window: BarPanel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A restart after the session's last bar (the soak's settling run) has no bar to
    carry the reconciliation it asked the worker for: it waits for it before it ends,
    so the stored reconciliation is this start's, complete."""
    _first_half(tmp_path, demo_window, bars=len(demo_window.index))
    store = StateStore(tmp_path)
    try:
        store.set_json(
            "last_reconciliation", {"at": "2000-01-01T00:00:00+00:00", "complete": False}
        )
    finally:
        store.close()
    spans = _slow_gathers(monkeypatch, 0.2)
    paper = PaperBroker(capital=CAPITAL, path=tmp_path / "paper.db")
    runner = _runner(tmp_path, paper, demo_window, reconcile_wait=0)
    try:
        runner.run()
    finally:
        paper.close()
    assert len(spans) == 2  # asked once, and waited for
    report = runner.last_reconciliation
    assert report is not None
    assert report.complete, report
    store = StateStore(tmp_path)
    try:
        stored = store.get_json("last_reconciliation")
    finally:
        store.close()
    assert isinstance(stored, dict)
    assert stored["complete"] is True
    assert stored["at"] == report.at
