"""The soak checker on hand-made runs with known answers: availability and MTTR from
the decision log, duplicates and lost orders per order, books to the cent."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from rustybt.live.state import CLOSED, NOT_SENT, FillRecord, OrderRecord, StateStore
from rustybt.soak.checker import Floors, check_soak
from rustybt.soak.market import Market
from rustybt.soak.venue_book import VenueBook

CAPITAL = Decimal(100_000)
EPOCH = 1000.0
INTERVAL = 0.1


def _order(coid: str, state: str) -> OrderRecord:
    return OrderRecord(
        coid,
        1,
        "1",
        "SOAKA",
        Decimal(4),
        "market",
        None,
        None,
        "gtc",
        "2024-01-01",
        0,
        1.0,
        state,
        "filled",
    )


def _run(tmp_path: Path, *, venue_ids: list[str], state: dict[str, str], book_all: bool) -> Path:
    market = Market(1, 10)
    book = VenueBook(tmp_path / "venue.db", market, seed=1)
    for coid in venue_ids:
        book.submit(coid, "SOAKA", "buy", Decimal(4), 0, EPOCH)
    book.tick(1, EPOCH, partial_rate=0.0)
    fills = book.fills(0)
    book.close()
    store = StateStore(tmp_path / "state")
    for coid, s in state.items():
        store.add_order(_order(coid, s))
    for fill in fills if book_all else fills[:1]:
        store.add_fill(
            FillRecord(
                str(fill["trade_id"]),
                str(fill["coid"]),
                "SOAKA",
                Decimal(str(fill["quantity"])),
                Decimal(str(fill["price"])),
                Decimal(str(fill["commission"])),
                Decimal(0),
                1.0,
                1,
                "2024-01-01T00:01:00+00:00",
            ),
            cursor=None,
        )
    store.close()
    # 10 bars due at EPOCH + n * 0.1; pid 1 decides 0-3 on time, is killed at 1000.35,
    # pid 2 decides bar 4 at 1000.60 (MTTR 0.25 s) and bar 5 late, bar 6 never, 7-9 on time.
    lines = [f"1 {n} {EPOCH + n * INTERVAL + 0.01} 0 0" for n in range(4)]
    lines += ["2 4 1000.60 0 0", "2 5 1000.61 0 0"]
    lines += [f"2 {n} {EPOCH + n * INTERVAL + 0.01} 0 0" for n in (7, 8, 9)]
    (tmp_path / "decisions.log").write_text("\n".join(lines) + "\n")
    events = [
        {"t": 999.0, "event": "start", "pid": 1},
        {"t": 1000.35, "event": "exit", "pid": 1, "rc": -9, "cause": "kill"},
        {"t": 1000.45, "event": "start", "pid": 2},
        {"t": 1001.45, "event": "exit", "pid": 2, "rc": 0, "cause": "exit"},
    ]
    (tmp_path / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    (tmp_path / "counts-1.json").write_text(
        json.dumps({"requests": 200, "http_500": 4, "http_429": 6})
    )
    (tmp_path / "done").write_text("2")
    return tmp_path


def _check(directory: Path):  # type: ignore[no-untyped-def]
    return check_soak(
        directory,
        seed=1,
        naive=False,
        epoch=EPOCH,
        interval=INTERVAL,
        bars=10,
        deadline=0.05,
        capital=CAPITAL,
        wall_seconds=3.0,
        floors=Floors(min_availability=0.5),
    )


def test_clean_run_figures(tmp_path: Path) -> None:
    report = _check(_run(tmp_path, venue_ids=["rb-s-1"], state={"rb-s-1": CLOSED}, book_all=True))
    assert report.on_time_bars == 7  # 0-3, 7-9; bars 4 and 5 late, bar 6 never decided
    assert report.availability == 0.7
    assert report.mttr_p50_s == 0.25
    assert report.kills_random == 1
    assert report.liveness == pytest.approx((1.35 + 1.0) / 2.45)
    assert report.raw_error_rate == 0.05
    assert report.miss_seconds_per_fault == 0.3
    assert report.ok, report.failures


def test_duplicate_lost_and_books_are_caught(tmp_path: Path) -> None:
    report = _check(
        _run(
            tmp_path,
            venue_ids=["rb-s-1", "rb-s-1-resend1", "rb-s-3"],
            state={"rb-s-1": CLOSED, "rb-s-2": CLOSED, "rb-s-3": NOT_SENT},
            book_all=False,
        )
    )
    assert report.duplicate_orders == ["rb-s-1: 2 venue orders"]
    assert report.lost_orders == [
        "rb-s-2: state says closed, venue never had it",
        "rb-s-3: closed as not sent, but the venue has it",
    ]
    assert len([m for m in report.books_mismatches if m.startswith("fill ")]) == 2
    assert any(m.startswith("cash: ") for m in report.books_mismatches)
    assert not report.ok


def test_bars_decided_with_orders_refused_are_counted_by_reason(tmp_path: Path) -> None:
    """Availability counts a halted bar as decided; the report says how many and why,
    from each bar's first decision only (a bar decided again later is not counted twice)."""
    run = _run(tmp_path, venue_ids=["rb-s-1"], state={"rb-s-1": CLOSED}, book_all=True)
    halted = {0: "-", 1: "reconciliation", 2: "reconciliation,outage", 3: "stopping"}
    lines = [f"1 {n} {EPOCH + n * INTERVAL + 0.01} 0 0 0.001 {halted[n]}" for n in range(4)]
    lines += ["2 3 1000.59 0 0 0.001 reconciliation"]  # bar 3 again: not its first decision
    lines += ["2 4 1000.60 0 0 0.001 -", "2 5 1000.61 0 0 0.001 -"]
    lines += [f"2 {n} {EPOCH + n * INTERVAL + 0.01} 0 0 0.002 -" for n in (7, 8, 9)]
    (run / "decisions.log").write_text("\n".join(lines) + "\n")
    report = _check(run)
    assert report.halted_bars == {"any": 3, "reconciliation": 2, "outage": 1, "stopping": 1}
    assert report.on_time_bars == 7  # unchanged: a halted bar is decided
    assert report.decide_latency["p50_s"] is not None
