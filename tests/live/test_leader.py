"""Warm standby: one leader per state directory (flock), fenced by an epoch, so a
stale leader that lost its lock can neither persist an intent nor send an order."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from rustybt.engine.algorithm import TradingContext
from rustybt.engine.data_portal import BarData
from rustybt.errors import StrategyError
from rustybt.live.feeds import ReplayFeed
from rustybt.live.leader import LeaderLock
from rustybt.live.paper import PaperBroker
from rustybt.live.runner import LiveRunner
from rustybt.live.state import Fenced, OrderRecord, StateStore
from tests.live.faulty import FaultyBroker
from tests.live.strategies import Rebalancer


def _record(coid: str, seq: int) -> OrderRecord:
    return OrderRecord(
        client_order_id=coid,
        seq=seq,
        engine_id=str(seq),
        symbol="AAA",
        quantity=Decimal(10),
        order_type="market",
        limit_price=None,
        stop_price=None,
        time_in_force="gtc",
        created="2016-01-04T00:00:00+00:00",
        created_bar=0,
        decision_price=10.0,
        state="intent",
        status="open",
    )


def test_one_holder_at_a_time(tmp_path: Path) -> None:
    first, second = LeaderLock(tmp_path), LeaderLock(tmp_path)
    assert first.try_acquire()
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()


def test_the_lock_is_free_the_moment_its_holder_is_killed(tmp_path: Path) -> None:
    code = (
        "import sys, time\n"
        "from rustybt.live.leader import LeaderLock\n"
        "assert LeaderLock(sys.argv[1]).try_acquire()\n"
        "print('held', flush=True)\n"
        "time.sleep(60)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        standby = LeaderLock(tmp_path)
        assert not standby.try_acquire()
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        limit = time.monotonic() + 1.0
        while not standby.try_acquire():
            assert time.monotonic() < limit, "the kernel did not release the lock"
            time.sleep(0.001)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=10)


def test_each_leadership_takes_a_newer_epoch_and_writes_its_pid(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    try:
        for expected in (1, 2, 3):
            lock = LeaderLock(tmp_path)
            assert lock.try_acquire()
            assert lock.lead(store) == expected
            assert LeaderLock.leader_pid(tmp_path) is not None
            lock.release()
    finally:
        store.close()


def test_a_stale_leader_is_fenced_from_the_store(tmp_path: Path) -> None:
    """The lock file is deleted and recreated (an operator's mistake, a second host on a
    shared disk): two processes hold "the" lock. The epoch still lets only the newest
    one write."""
    old_store, new_store = StateStore(tmp_path), StateStore(tmp_path)
    try:
        old = LeaderLock(tmp_path)
        assert old.try_acquire()
        assert old.lead(old_store) == 1
        old_store.add_order(_record("rb-s-1", 1))  # leading: it may write
        (tmp_path / LeaderLock.FILE).unlink()
        new = LeaderLock(tmp_path)
        assert new.try_acquire()
        assert new.lead(new_store) == 2
        with pytest.raises(Fenced, match="epoch 2 has taken over"):
            old_store.add_order(_record("rb-s-2", 2))
        with pytest.raises(Fenced):
            old_store.set_many({"last_bar": "7"})
        with pytest.raises(Fenced):
            old_store.check_fence()
        assert [r.client_order_id for r in new_store.orders()] == ["rb-s-1"]
        assert new_store.get("last_bar") is None
        new_store.add_order(_record("rb-s-2", 2))  # the new leader writes
    finally:
        old_store.close()
        new_store.close()


class _TakenOver(Rebalancer):
    """Rebalances; at bar ``at`` another process takes the session (a second holder of
    a recreated lock file), then this one tries to keep trading."""

    def __init__(self, state: Path, at: int) -> None:
        super().__init__(n=4, every=1)
        self.state, self.at, self.seen = state, at, 0

    def handle_data(self, context: TradingContext, data: BarData) -> None:
        self.seen += 1
        if self.seen == self.at:
            (self.state / LeaderLock.FILE).unlink()
            usurper = LeaderLock(self.state)
            assert usurper.try_acquire()
            store = StateStore(self.state)
            usurper.lead(store)
            store.close()
        super().handle_data(context, data)


def test_a_stale_leader_never_sends(tmp_path: Path, demo_window: object) -> None:
    paper = PaperBroker(capital=100_000, path=tmp_path / "paper.db")
    broker = FaultyBroker(paper)
    runner = LiveRunner(
        _TakenOver(tmp_path, at=5),
        broker=broker,
        feed=ReplayFeed(demo_window, speed="max"),  # type: ignore[arg-type]  # a BarPanel fixture
        state=tmp_path,
        capital=100_000,
        leader=LeaderLock(tmp_path),
    )
    try:
        with pytest.raises(StrategyError) as caught:
            runner.run()
    finally:
        paper.close()
    assert isinstance(caught.value.__cause__, Fenced)
    sent_before = broker.submits
    assert sent_before > 0  # it traded while it led
    store = StateStore(tmp_path)
    try:
        assert store.get("leader_epoch") == "2"
        # every order it persisted was sent before the takeover; none after
        assert len(store.orders()) == sent_before
        assert store.get("last_bar") == "4"  # the bar it was fenced in was its last
    finally:
        store.close()


def test_a_leader_knows_when_a_warm_standby_waits(tmp_path: Path) -> None:
    leader, first, second = LeaderLock(tmp_path), LeaderLock(tmp_path), LeaderLock(tmp_path)
    assert leader.try_acquire()
    assert not leader.standby_waiting()
    assert first.announce_standby()
    assert second.announce_standby()  # shared: any number of standbys
    assert leader.standby_waiting()
    assert leader.standby_waiting()  # probing takes nothing away
    first.withdraw_standby()  # it leads now, or stopped
    assert leader.standby_waiting()
    second.release()  # releasing withdraws too
    assert not leader.standby_waiting()
    leader.release()
