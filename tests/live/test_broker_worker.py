"""Broker I/O off the decision path (`AsyncBrokerBlotter` + `BrokerWorker`): the intent
is durable before the worker sends it, an unknown outcome is never resent, a send the
worker cannot confirm halts new orders (fail closed), and the books still equal the
venue's to the cent."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from rustybt.data.bars import BarPanel
from rustybt.engine.result import BacktestResult
from rustybt.errors import BrokerTimeout
from rustybt.live.broker import CommandResult, OrderRequest, Outcome
from rustybt.live.broker_worker import BrokerWorker
from rustybt.live.checker import check_paper_books
from rustybt.live.feeds import ReplayFeed
from rustybt.live.paper import PaperBroker
from rustybt.live.runner import LiveRunner
from tests.live.faulty import FaultyBroker
from tests.live.strategies import Rebalancer

CAPITAL = Decimal(100_000)


class _Watching(FaultyBroker):
    """Records, for each send, the thread it came from, whether its intent was already
    committed (read on a separate connection), and how often each id was sent."""

    def __init__(self, paper: PaperBroker, state: Path) -> None:
        super().__init__(paper)
        self.state = state
        self.threads: set[str] = set()
        self.persisted_first: list[bool] = []
        self.sent: Counter[str] = Counter()

    def submit(self, request: OrderRequest) -> CommandResult:
        self.threads.add(threading.current_thread().name)
        reader = sqlite3.connect(str(self.state / "state.db"))
        try:
            row = reader.execute(
                "SELECT state FROM orders WHERE client_order_id = ?", (request.client_order_id,)
            ).fetchone()
        finally:
            reader.close()
        self.persisted_first.append(row is not None and row[0] == "intent")
        self.sent[request.client_order_id] += 1
        return super().submit(request)


def _run(broker: _Watching, panel: BarPanel, state: Path) -> BacktestResult:
    return LiveRunner(
        Rebalancer(n=5, every=2),
        broker=broker,
        feed=ReplayFeed(panel, speed="max"),
        state=state,
        capital=float(CAPITAL),
        async_broker=True,
    ).run()


@pytest.mark.parametrize("timeout_after_apply", [0, 3])
def test_sends_run_on_the_worker_after_the_intent_is_durable_and_never_twice(
    tmp_path: Path, demo_window: BarPanel, timeout_after_apply: int
) -> None:
    paper = PaperBroker(capital=CAPITAL, path=tmp_path / "paper.db")
    broker = _Watching(paper, tmp_path)
    broker.timeout_after_apply = timeout_after_apply  # every 3rd send: applied, then UNKNOWN
    try:
        result = _run(broker, demo_window, tmp_path)
    finally:
        paper.close()
    assert len(broker.persisted_first) > 20
    assert broker.threads == {"broker-worker"}  # never from the bar loop
    assert all(broker.persisted_first)  # every intent committed before its send
    assert max(broker.sent.values()) == 1  # an unknown outcome is resolved, not resent
    check = check_paper_books(tmp_path, capital=CAPITAL)
    assert check.ok, check
    assert len(result.transactions) > 20


class _SlowVenue:
    """Only ``submit`` matters: it blocks until released (a venue that does not answer)."""

    name = "slow"

    def __init__(self) -> None:
        self.release = threading.Event()

    def submit(self, request: OrderRequest) -> CommandResult:
        self.release.wait(5)
        return CommandResult(Outcome.UNKNOWN, error=BrokerTimeout("read timed out"))


def test_the_worker_reports_how_long_a_send_has_waited() -> None:
    venue = _SlowVenue()
    worker = BrokerWorker(venue, threading.Lock(), cursor=None)  # type: ignore[arg-type]  # submit is all it calls
    request = OrderRequest("rb-x-1", "AAA", "buy", Decimal(1), "market")
    try:
        assert worker.oldest_send_age() == 0.0
        worker.send(request)
        time.sleep(0.2)
        assert worker.oldest_send_age() >= 0.2
        assert worker.in_flight("rb-x-1")
        assert worker.take() == []  # no outcome while the venue does not answer
    finally:
        venue.release.set()
        worker.close()
    items = worker.take()
    assert [type(i).__name__ for i in items] == ["Outcomes"]
    assert items[0].result.outcome is Outcome.UNKNOWN  # reported as unknown, never resent
    assert not worker.in_flight("rb-x-1")


class _SlowPolls(_SlowVenue):
    """A venue whose fill poll blocks until released; sends answer at once."""

    def __init__(self) -> None:
        super().__init__()
        self.polling = threading.Event()
        self.sent: list[str] = []

    def submit(self, request: OrderRequest) -> CommandResult:
        self.sent.append(request.client_order_id)
        return CommandResult(Outcome.DONE)

    def fills_since(self, cursor: str | None) -> tuple[list[object], str | None]:
        self.polling.set()
        self.release.wait(5)
        return [], cursor

    def open_orders(self) -> list[object]:
        return []


@pytest.mark.parametrize("wait_poll", [True, False])
def test_a_handing_over_worker_does_not_wait_for_a_running_poll(wait_poll: bool) -> None:
    """With no send queued, ``close(wait_poll=False)`` (a leader handing over) returns
    while a poll still runs; the default waits for the poll. Nothing is sent."""
    venue = _SlowPolls()
    worker = BrokerWorker(venue, threading.Lock(), cursor=None)  # type: ignore[arg-type]  # the calls it makes
    try:
        worker.poll(frozenset())
        assert venue.polling.wait(2)  # the poll is running, blocked in the venue
        if wait_poll:
            threading.Timer(0.3, venue.release.set).start()
        started = time.monotonic()
        worker.close(wait_poll=wait_poll)
        took = time.monotonic() - started
        if wait_poll:
            assert took >= 0.25
            assert not worker._thread.is_alive()
        else:
            assert took < 0.25
            assert worker._thread.is_alive()  # still polling; its answer is dropped
    finally:
        venue.release.set()
    worker._thread.join(5)
    assert not worker._thread.is_alive()  # the poll ended and the thread stopped
    assert venue.sent == []


def test_a_handing_over_worker_still_finishes_a_queued_send() -> None:
    """A send queued behind a running poll is finished before ``close(wait_poll=False)``
    returns: only reads are dropped, never an order whose intent is persisted."""
    venue = _SlowPolls()
    worker = BrokerWorker(venue, threading.Lock(), cursor=None)  # type: ignore[arg-type]  # the calls it makes
    try:
        worker.poll(frozenset())
        assert venue.polling.wait(2)
        worker.send(OrderRequest("rb-x-1", "AAA", "buy", Decimal(1), "market"))
        threading.Timer(0.3, venue.release.set).start()
        started = time.monotonic()
        worker.close(wait_poll=False)
        assert time.monotonic() - started >= 0.25  # it waited for the send
        assert venue.sent == ["rb-x-1"]
    finally:
        venue.release.set()
    worker._thread.join(5)
    assert venue.sent == ["rb-x-1"]  # once
    outcomes = [i for i in worker.take() if type(i).__name__ == "Outcomes"]
    assert [o.client_order_id for o in outcomes] == ["rb-x-1"]


def test_an_unconfirmed_send_halts_new_orders(
    tmp_path: Path, demo_window: BarPanel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the worker says a send has waited longer than ``send_timeout`` (here: bars
    20 to 39 of the session), the strategy's new orders are refused; after it, trading
    goes on, and the books still match the venue's."""
    stuck = {"on": False}
    real_age = BrokerWorker.oldest_send_age

    def age(worker: BrokerWorker) -> float:
        return 60.0 if stuck["on"] else real_age(worker)

    monkeypatch.setattr(BrokerWorker, "oldest_send_age", age)
    paper = PaperBroker(capital=CAPITAL, path=tmp_path / "paper.db")
    broker = _Watching(paper, tmp_path)
    original = broker.on_bar

    def on_bar(bar: int, *, market_at_close: bool = False) -> None:
        stuck["on"] = 20 <= bar < 40
        original(bar, market_at_close=market_at_close)

    broker.on_bar = on_bar  # type: ignore[method-assign]  # the test's clock hook
    try:
        result = _run(broker, demo_window, tmp_path)
    finally:
        paper.close()
    orders = result.orders
    refused = orders[orders["reason"].astype(str).str.contains("a send unconfirmed")]
    assert len(refused) > 5
    assert set(refused["status"]) == {"rejected"}
    assert (orders["status"] == "filled").sum() > 20  # it traded before and after
    check = check_paper_books(tmp_path, capital=CAPITAL)
    assert check.ok, check


class _Syncs(FaultyBroker):
    """Records which thread asked the venue for fills after the session was stopped."""

    def __init__(self, paper: PaperBroker) -> None:
        super().__init__(paper)
        self.stopped = False
        self.late_syncs: list[str] = []

    def fills_since(self, cursor: str | None):  # type: ignore[no-untyped-def]
        if self.stopped:
            self.late_syncs.append(threading.current_thread().name)
        return super().fills_since(cursor)


@pytest.mark.parametrize("standby_waits", [False, True])
def test_a_stopping_leader_hands_over_to_a_waiting_standby(
    tmp_path: Path, demo_window: BarPanel, standby_waits: bool
) -> None:
    """Stopped with a warm standby waiting, the leader finishes its sends and drops the
    lock without the final fill sync (the standby's reconciliation does it); with none
    waiting it syncs the venue's last fills itself. Either way the lock is free when
    `run` returns."""
    from rustybt.live.leader import LeaderLock

    paper = PaperBroker(capital=CAPITAL, path=tmp_path / "paper.db")
    broker = _Syncs(paper)
    standby = LeaderLock(tmp_path)
    if standby_waits:
        assert standby.announce_standby()
    runner: LiveRunner

    def stop_after_ten(status: object) -> None:
        if runner.metrics.bars == 10:
            broker.stopped = True
            runner.stop("test")

    runner = LiveRunner(
        Rebalancer(n=5, every=2),
        broker=broker,
        feed=ReplayFeed(demo_window, speed="max"),
        state=tmp_path,
        capital=float(CAPITAL),
        async_broker=True,
        leader=LeaderLock(tmp_path),
        on_status=stop_after_ten,
    )
    try:
        runner.run()
    finally:
        paper.close()
    assert standby.try_acquire()  # released before run returned
    standby.release()
    assert ("MainThread" in broker.late_syncs) is not standby_waits
