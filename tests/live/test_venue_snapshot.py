"""`VenueSnapshot` / `gather`: what a reconciliation on the broker worker reads from the
venue, that it never guesses (an id it did not gather raises `BrokerError`), that its
fills and books are one consistent cut (the books are read again while fills arrive),
and that `reconcile(..., venue=snapshot)` does to a blotter exactly what the inline
reconciliation does against the same venue state."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rustybt.live.session as session_module
from rustybt.data.bars import BarPanel
from rustybt.errors import BrokerError
from rustybt.live.broker import (
    CommandResult,
    OrderRequest,
    OrderSide,
    Outcome,
    VenueFill,
    VenueOrder,
    VenueOrderStatus,
)
from rustybt.live.broker_blotter import BrokerBlotter
from rustybt.live.broker_worker import BrokerWorker, Gather
from rustybt.live.checker import check_paper_books
from rustybt.live.feeds import ReplayFeed
from rustybt.live.paper import PaperBroker
from rustybt.live.reconcile import ReconciliationReport, gather_request, reconcile
from rustybt.live.runner import LiveRunner
from rustybt.live.state import INTENT, NOT_SENT, SENT, UNKNOWN, StateStore
from rustybt.live.venue_snapshot import VenueSnapshot, gather
from tests.live.strategies import Rebalancer

CAPITAL = Decimal(100_000)
T0 = pd.Timestamp("2016-01-04", tz="UTC")


def _order(coid: str, status: VenueOrderStatus = VenueOrderStatus.OPEN) -> VenueOrder:
    return VenueOrder(
        client_order_id=coid,
        venue_order_id=f"v-{coid}",
        symbol="AAA",
        side="buy",
        quantity=Decimal(1),
        filled_quantity=Decimal(0),
        average_price=None,
        status=status,
        order_type="market",
        limit_price=None,
        stop_price=None,
        created_at=T0,
    )


class _Venue:
    """An in-memory venue whose books are the sum of its fills. ``landing`` says how many
    new fills land at the start of each call to ``land_in`` (positions or balances): a
    fill between the fills read and the books read."""

    name = "stub"

    def __init__(
        self,
        listed: list[VenueOrder] | None = None,
        known: dict[str, VenueOrder] | None = None,
        fills: int = 0,
        landing: list[int] | None = None,
        land_in: str = "positions",
    ) -> None:
        self.listed = listed or []
        self.known = known or {}
        self.fills: list[VenueFill] = []
        self.landing = list(landing or [])
        self.land_in = land_in
        self.calls: list[str] = []
        for _ in range(fills):
            self._fill()

    def _fill(self) -> None:
        n = len(self.fills)
        side: OrderSide = "buy" if n % 3 else "sell"
        self.fills.append(
            VenueFill(
                trade_id=f"t{n}",
                client_order_id=f"c{n}",
                venue_order_id=None,
                symbol="AAA" if n % 2 else "BBB",
                side=side,
                quantity=Decimal(n + 1),
                price=Decimal("10.25") + n,
                commission=Decimal("0.01"),
                commission_asset="USD",
                timestamp=T0,
            )
        )

    def _maybe_land(self, call: str) -> None:
        if call == self.land_in and self.landing:
            for _ in range(self.landing.pop(0)):
                self._fill()

    # reads
    def open_orders(self) -> list[VenueOrder]:
        self.calls.append("open_orders")
        return list(self.listed)

    def order_status(self, client_order_id: str) -> VenueOrder | None:
        self.calls.append(f"order_status:{client_order_id}")
        return self.known.get(client_order_id)

    def recent_orders(self, since: pd.Timestamp) -> list[VenueOrder]:
        self.calls.append("recent_orders")
        return [
            o for o in self.known.values() if o.created_at is not None and o.created_at >= since
        ]

    def fills_since(self, cursor: str | None) -> tuple[list[VenueFill], str | None]:
        self.calls.append(f"fills_since:{cursor}")
        start = 0 if cursor is None else int(cursor)
        return self.fills[start:], str(len(self.fills))

    def positions(self) -> dict[str, Decimal]:
        self.calls.append("positions")
        self._maybe_land("positions")
        return _held(self.fills)

    def balances(self) -> dict[str, Decimal]:
        self.calls.append("balances")
        self._maybe_land("balances")
        return {"USD": _cash(self.fills)}

    # commands (the gather must never call them)
    def submit(self, request: OrderRequest) -> CommandResult:
        raise AssertionError("gather sent an order")

    def cancel(self, client_order_id: str) -> CommandResult:
        raise AssertionError("gather cancelled an order")

    def modify(self, client_order_id: str, replacement: OrderRequest) -> CommandResult:
        raise AssertionError("gather modified an order")

    def close(self) -> None:
        return None


def _signed(fill: VenueFill) -> Decimal:
    return fill.quantity if fill.side == "buy" else -fill.quantity


def _held(fills: list[VenueFill]) -> dict[str, Decimal]:
    held: dict[str, Decimal] = {}
    for fill in fills:
        held[fill.symbol] = held.get(fill.symbol, Decimal(0)) + _signed(fill)
    return held


def _cash(fills: list[VenueFill]) -> Decimal:
    return CAPITAL - sum((_signed(f) * f.price + f.commission for f in fills), Decimal(0))


# -- what gather reads ---------------------------------------------------------------------


def test_gather_reads_open_orders_then_only_the_unlisted_ids_then_recent_fills_books() -> None:
    listed = [_order("a")]
    known = {
        "b": _order("b", VenueOrderStatus.FILLED),
        "x": _order("x", VenueOrderStatus.CANCELLED),
    }
    venue = _Venue(listed, known, fills=4)
    since = T0 - pd.Timedelta(days=1)
    snap = gather(venue, "1", asked={"c", "a", "b"}, since=since)
    assert venue.calls == [
        "open_orders",
        "order_status:b",  # only the asked ids the venue does not list, sorted
        "order_status:c",
        "recent_orders",
        "fills_since:1",
        "positions",
        "balances",
        "fills_since:4",  # again after the books: nothing new, so one book read
    ]
    assert snap.listed == listed
    assert snap.statuses == {"b": known["b"], "c": None}
    assert snap.asked == frozenset({"a", "b", "c"})
    assert snap.recent is not None
    assert sorted(o.client_order_id for o in snap.recent) == ["b", "x"]
    assert [f.trade_id for f in snap.fills] == ["t1", "t2", "t3"]  # after the cursor
    assert snap.cursor == "4"
    assert snap.held == _held(venue.fills)
    assert snap.cash == {"USD": _cash(venue.fills)}


def test_a_first_start_does_not_ask_for_recent_orders_and_keeps_the_cursor_on_none() -> None:
    class _NoCursor(_Venue):
        def fills_since(self, cursor: str | None) -> tuple[list[VenueFill], str | None]:
            fills, _ = super().fills_since(cursor)
            return fills, None  # a venue without a cursor to give

    venue = _NoCursor(fills=2)
    snap = gather(venue, "7", asked=(), since=None)
    assert "recent_orders" not in venue.calls
    assert not any(c.startswith("order_status") for c in venue.calls)
    assert snap.recent is None
    assert snap.since is None
    assert snap.cursor == "7"  # a None cursor from the venue keeps the one we had


def test_the_snapshot_answers_the_reads_and_never_guesses() -> None:
    listed = [_order("a")]
    known = {"b": _order("b", VenueOrderStatus.FILLED)}
    venue = _Venue(listed, known, fills=2)
    since = T0 - pd.Timedelta(hours=1)
    snap = gather(venue, None, asked={"a", "b", "gone"}, since=since)
    venue.calls.clear()
    assert snap.open_orders() == listed
    assert snap.order_status("a") == listed[0]  # listed open: answered from the list
    assert snap.order_status("b") == known["b"]
    assert snap.order_status("gone") is None  # asked, the venue does not know it
    with pytest.raises(BrokerError, match="not in the reconciliation's snapshot"):
        snap.order_status("never-asked")
    assert snap.recent_orders(since) == [known["b"]]
    assert snap.recent_orders(since + pd.Timedelta(minutes=5)) == [known["b"]]  # a superset
    with pytest.raises(BrokerError, match="recent orders"):
        snap.recent_orders(since - pd.Timedelta(seconds=1))  # earlier than gathered
    # The snapshot's fills whatever cursor is asked (trade ids deduplicate the overlap).
    assert snap.fills_since(None) == (venue.fills, "2")
    assert snap.fills_since("1") == (venue.fills, "2")
    assert snap.positions() == _held(venue.fills)
    assert snap.balances() == {"USD": _cash(venue.fills)}
    snap.positions()["AAA"] = Decimal(999)  # a copy each time
    assert snap.positions() == _held(venue.fills)
    assert venue.calls == []  # nothing read from the venue after the gather
    first = gather(venue, None, asked=(), since=None)
    with pytest.raises(BrokerError, match="recent orders"):
        first.recent_orders(since)  # not gathered at all


def test_the_snapshot_refuses_every_command() -> None:
    snap = gather(_Venue(), None, asked=(), since=None)
    request = OrderRequest("rb-x-1", "AAA", "buy", Decimal(1), "market")
    with pytest.raises(BrokerError, match="does not send"):
        snap.submit(request)
    with pytest.raises(BrokerError, match="does not cancel"):
        snap.cancel("rb-x-1")
    with pytest.raises(BrokerError, match="does not modify"):
        snap.modify("rb-x-1", request)
    snap.close()  # harmless


def test_a_venue_error_while_gathering_propagates() -> None:
    class _Down(_Venue):
        def recent_orders(self, since: pd.Timestamp) -> list[VenueOrder]:
            raise BrokerError("429 too many requests")

    with pytest.raises(BrokerError, match="429"):
        gather(_Down(), None, asked=(), since=T0)


# -- the consistent cut ------------------------------------------------------------------


@pytest.mark.parametrize("land_in", ["positions", "balances"])
def test_a_fill_landing_between_the_reads_makes_the_books_be_read_again(land_in: str) -> None:
    venue = _Venue(fills=3, landing=[2], land_in=land_in)  # 2 fills land at the 1st book read
    snap = gather(venue, None, asked=(), since=None)
    reads = [c for c in venue.calls if c != "open_orders"]
    assert reads == [
        "fills_since:None",
        "positions",
        "balances",
        "fills_since:3",
        "positions",
        "balances",
        "fills_since:5",
    ]
    assert [f.trade_id for f in snap.fills] == ["t0", "t1", "t2", "t3", "t4"]
    assert snap.cursor == "5"
    assert snap.held == _held(snap.fills)  # the books include exactly the fills booked
    assert snap.cash == {"USD": _cash(snap.fills)}


def test_a_venue_that_keeps_filling_while_its_books_are_read_raises() -> None:
    venue = _Venue(fills=1, landing=[1, 1, 1])
    with pytest.raises(BrokerError, match="kept filling"):
        gather(venue, None, asked=(), since=None)
    assert venue.calls.count("positions") == 3  # three book reads, then it gives up


@settings(max_examples=60, deadline=None)
@given(
    start=st.integers(0, 6),
    cursor_at=st.integers(0, 6),
    landing=st.lists(st.integers(0, 3), max_size=4),
    land_in=st.sampled_from(["positions", "balances"]),
)
def test_gather_is_a_consistent_cut_or_an_error(
    start: int, cursor_at: int, landing: list[int], land_in: str
) -> None:
    """Whatever lands while the books are read: either the snapshot's books are exactly
    the venue's fills up to the snapshot's cursor (the fills after the given cursor are
    all in the snapshot, none twice), or, when fills landed at each of the three book
    reads, a `BrokerError`."""
    cursor_at = min(cursor_at, start)
    venue = _Venue(fills=start, landing=landing, land_in=land_in)
    cursor = None if cursor_at == 0 else str(cursor_at)
    arrivals = ([*landing, 0, 0, 0])[:3]
    if all(arrivals):
        with pytest.raises(BrokerError):
            gather(venue, cursor, asked=(), since=None)
        return
    snap = gather(venue, cursor, asked=(), since=None)
    assert snap.cursor is not None
    upto = int(snap.cursor)
    assert [f.trade_id for f in snap.fills] == [f"t{i}" for i in range(cursor_at, upto)]
    assert snap.held == _held(venue.fills[:upto])
    assert snap.cash == {"USD": _cash(venue.fills[:upto])}
    assert upto == len(venue.fills)  # nothing landed after the last read


# -- the worker's side: a Gather answered after the queued sends ---------------------------


class _Sending(_Venue):
    def __init__(self) -> None:
        super().__init__(fills=1)
        self.fail_reads = 0

    def submit(self, request: OrderRequest) -> CommandResult:
        self.calls.append(f"submit:{request.client_order_id}")
        return CommandResult(Outcome.DONE, order=_order(request.client_order_id))

    def open_orders(self) -> list[VenueOrder]:
        if self.fail_reads:
            self.fail_reads -= 1
            self.calls.append("open_orders:failed")
            raise BrokerError("venue unreachable")
        return super().open_orders()


def _wait_for(worker: BrokerWorker, kinds: int) -> list[Any]:
    items: list[Any] = []
    for _ in range(200):
        worker.wait_inbox(0.02)
        items.extend(worker.take())
        if len(items) >= kinds:
            return items
    return items


def test_the_worker_gathers_after_the_queued_sends_and_retries_a_failed_gather_with_a_poll() -> (
    None
):
    venue = _Sending()
    venue.fail_reads = 1
    worker = BrokerWorker(venue, threading.Lock(), cursor=None)
    try:
        worker.send(OrderRequest("rb-x-1", "AAA", "buy", Decimal(1), "market"))
        worker.reconcile(Gather(frozenset({"rb-x-1"}), None))
        items = _wait_for(worker, 2)
        assert [type(i).__name__ for i in items] == ["Outcomes", "BrokerError"]
        assert venue.calls[:2] == ["submit:rb-x-1", "open_orders:failed"]
        # A failed gather is not retried on its own ...
        worker.wait_inbox(0.2)
        assert worker.take() == []
        assert venue.calls.count("open_orders") == 0
        # ... but with the next poll (once a bar), which it replaces.
        worker.poll(frozenset())
        items = _wait_for(worker, 1)
        assert [type(i).__name__ for i in items] == ["VenueSnapshot"]
        snap = items[0]
        assert isinstance(snap, VenueSnapshot)
        assert snap.asked == frozenset({"rb-x-1"})
        assert [f.trade_id for f in snap.fills] == ["t0"]
        assert worker.cursor == "1"  # the worker's next poll starts after the snapshot
        assert worker.sends_pending() == 0
    finally:
        worker.close()
    assert venue.calls.count("submit:rb-x-1") == 1


# -- reconcile(..., venue=snapshot) equals the inline reconciliation -----------------------


def _paper_session(state: Path, panel: BarPanel, bars: int) -> LiveRunner:
    """A paper session (inline broker) stopped after ``bars`` bars; its store left open."""
    paper = PaperBroker(capital=CAPITAL, path=state / "paper.db")
    runner: LiveRunner

    def stop(status: object) -> None:
        if runner.metrics.bars == bars:
            runner.stop("test")

    runner = LiveRunner(
        Rebalancer(n=5, every=2),
        broker=paper,
        feed=ReplayFeed(panel, speed="max"),
        state=state,
        capital=float(CAPITAL),
        on_status=stop,
    )
    try:
        runner.run()
    finally:
        paper.close()
    return runner


def _first_session(state: Path, panel: BarPanel) -> tuple[str, str]:
    """Ten bars with the paper broker, stopped with market orders open at the venue; then
    one of them is made UNKNOWN in the state (its ack was lost; the venue has it) and an
    INTENT the venue never saw is added (the process died before sending it). Returns
    (the unknown's id, the intent's id)."""
    _paper_session(state, panel, 10).store.close()
    store = StateStore(state)
    try:
        records = store.orders()
        open_sent = [r for r in records if r.state == SENT]
        assert len(open_sent) >= 2, records
        unknown = open_sent[0]
        store.update_order(unknown.client_order_id, state=UNKNOWN)
        model = open_sent[1]
        seq = max(r.seq for r in records) + 1
        session_id = store.get("session_id")
        intent = f"rb-{session_id}-{seq}"
        store.add_order(
            type(model)(
                **{
                    **model.__dict__,
                    "client_order_id": intent,
                    "seq": seq,
                    "engine_id": str(seq),
                    "state": INTENT,
                    "venue_order_id": None,
                }
            )
        )
    finally:
        store.close()
    return unknown.client_order_id, intent


def _restart(
    state: Path, panel: BarPanel, bars: int
) -> tuple[ReconciliationReport, dict[str, tuple[str, str, str | None]]]:
    runner = _paper_session(state, panel, bars)
    try:
        report = runner.last_reconciliation
        orders = {r.client_order_id: (r.state, r.status, r.reason) for r in runner.store.orders()}
    finally:
        runner.store.close()
    assert report is not None
    return report, orders


def _on_snapshot(real: Callable[..., ReconciliationReport]) -> Callable[..., ReconciliationReport]:
    """The session's inline reconciliation, run instead on a snapshot gathered from the
    same venue the moment before (the worker's path, on the plain BrokerBlotter)."""

    def on_snapshot(blotter: BrokerBlotter, bar: int, **kwargs: Any) -> ReconciliationReport:
        assert kwargs.get("venue") is None
        request = gather_request(blotter)
        snapshot = gather(
            blotter.broker, blotter.store.get("fills_cursor"), request.asked, request.since
        )
        return real(blotter, bar, **{**kwargs, "venue": snapshot})

    return on_snapshot


def test_reconciling_on_a_snapshot_equals_reconciling_inline(
    tmp_path: Path, demo_window: BarPanel, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = tmp_path / "base"
    base.mkdir()
    unknown, intent = _first_session(base, demo_window)
    shutil.copytree(base, tmp_path / "inline")
    shutil.copytree(base, tmp_path / "snapshot")

    inline_report, inline_orders = _restart(tmp_path / "inline", demo_window, bars=3)
    monkeypatch.setattr(session_module, "reconcile", _on_snapshot(reconcile))
    snap_report, snap_orders = _restart(tmp_path / "snapshot", demo_window, bars=3)

    # The known answers: the intent the venue never saw is closed as not sent, the
    # unknown the venue has is found (sent, then filled at the next bar's open).
    for report in (inline_report, snap_report):
        assert report.complete, report
        assert set(report.resolved) == {unknown, intent}
        assert report.adopted == []
        assert report.orders_checked >= 2
    for orders in (inline_orders, snap_orders):
        assert orders[intent] == (
            NOT_SENT,
            "rejected",
            "not sent: the process stopped before sending it",
        )
        assert orders[unknown][:2] == ("closed", "filled")
    # And the two agree on everything else too.
    keep = ("orders_checked", "resolved", "adopted", "mismatches", "error")
    assert {k: getattr(snap_report, k) for k in keep} == {
        k: getattr(inline_report, k) for k in keep
    }
    assert snap_orders == inline_orders
    for name in ("inline", "snapshot"):
        check = check_paper_books(tmp_path / name, capital=CAPITAL)
        assert check.ok, (name, check)


def _recording(
    real: Callable[..., ReconciliationReport], coid: str, seen: list[tuple[str, str, bool]]
) -> Callable[..., ReconciliationReport]:
    """``real`` (the inline reconciliation or `_on_snapshot`'s), noting ``coid``'s stored
    state and whether it is open in the blotter the moment the reconciliation ends."""

    def recording(blotter: BrokerBlotter, bar: int, **kwargs: Any) -> ReconciliationReport:
        report = real(blotter, bar, **kwargs)
        record = {r.client_order_id: r for r in blotter.store.orders()}[coid]
        is_open = any(blotter.coid(o) == coid for o in blotter.open_orders)
        seen.append((record.state, record.status, is_open))
        return report

    return recording


def test_an_external_order_cancelled_while_down_is_closed_by_the_snapshot_too(
    tmp_path: Path, demo_window: BarPanel, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = tmp_path / "base"
    base.mkdir()
    _first_session(base, demo_window)
    # While the session is down: an order placed by hand at the venue and cancelled.
    paper = PaperBroker(capital=CAPITAL, path=base / "paper.db")
    runner = LiveRunner(
        Rebalancer(n=5, every=2),
        broker=paper,
        feed=ReplayFeed(demo_window, speed="max"),
        state=tmp_path / "scratch",
        capital=float(CAPITAL),
    )
    runner.prepare()  # attaches nothing; the paper broker needs its panel to take orders
    assert runner._prepared is not None
    store = StateStore(base)
    try:
        last_bar = int(store.get("last_bar") or 0)
    finally:
        store.close()
    paper.attach(runner._prepared.panel, runner._prepared._day_order_expiry)
    paper.on_bar(last_bar)
    symbol = demo_window.assets[0].symbol
    request = OrderRequest("manual-1", symbol, "buy", Decimal(2), "limit", limit_price=Decimal(1))
    assert paper.submit(request).outcome is Outcome.DONE
    assert paper.cancel("manual-1").outcome is Outcome.DONE
    runner.store.close()
    paper.close()
    shutil.copytree(base, tmp_path / "inline")
    shutil.copytree(base, tmp_path / "snapshot")

    inline: list[tuple[str, str, bool]] = []
    monkeypatch.setattr(session_module, "reconcile", _recording(reconcile, "manual-1", inline))
    inline_report, _ = _restart(tmp_path / "inline", demo_window, bars=1)
    snap: list[tuple[str, str, bool]] = []
    monkeypatch.setattr(
        session_module, "reconcile", _recording(_on_snapshot(reconcile), "manual-1", snap)
    )
    snap_report, _ = _restart(tmp_path / "snapshot", demo_window, bars=1)
    assert inline_report.adopted == snap_report.adopted == ["manual-1"]
    assert inline == [("closed", "cancelled", False)]
    assert snap == inline  # fails: [("sent", "open", True)]
