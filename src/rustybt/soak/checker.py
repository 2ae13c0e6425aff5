"""The soak checker: every figure of the report, from the files the run left behind.

Ground truth is the broker's SQLite (``venue.db``); the trader's view is its state
store (``state/state.db``); decisions come from ``decisions.log``; kills, stops and
restarts from the supervisor's ``events.jsonl``; injected faults from the broker's
``counts-*.json``. Duplicates are counted per order against the broker's books (one
intent, several venue orders; or a venue order the trader never intended), never by
net position.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np

from rustybt.live.state import INTENT, NOT_SENT, UNKNOWN, StateStore
from rustybt.soak.attribution import (
    Decision,
    attribute_misses,
    decide_latency,
    faults_from_events,
)
from rustybt.soak.market import Market

__all__ = ["Floors", "SoakReport", "check_soak"]

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Floors:
    """What must hold for the soak to pass (besides 0 lost/duplicates/unrecovered)."""

    min_availability: float = 0.1  # under the default fault rate (one every 2-5 s)
    max_mttr_p99: float = 2.0  # seconds
    max_miss_per_fault: float = 4.0  # seconds of bars missed per fault (the error budget's unit)


@dataclass
class SoakReport:
    seed: int
    naive: bool
    wall_seconds: float
    bars: int
    bar_interval_s: float
    deadline_s: float
    decided_bars: int = 0
    on_time_bars: int = 0
    availability: float = 0.0
    faults: int = 0
    miss_seconds_per_fault: float | None = None
    faults_per_day_within_999: float | None = None
    trader_starts: int = 0
    kills_random: int = 0
    kills_crash_point: int = 0
    graceful_stops: int = 0
    broker_restarts: int = 0
    liveness: float = 0.0
    mttr_p50_s: float | None = None
    mttr_p99_s: float | None = None
    mttr_max_s: float | None = None
    venue_requests: int = 0
    injected_faults: dict[str, int] = field(default_factory=dict)
    raw_error_rate: float = 0.0
    unrecovered_errors: list[str] = field(default_factory=list)
    unrecovered_error_rate: float = 0.0
    venue_orders: int = 0
    state_orders: int = 0
    fills: int = 0
    resends_refused_by_venue: int = 0
    lost_orders: list[str] = field(default_factory=list)
    duplicate_orders: list[str] = field(default_factory=list)
    books_mismatches: list[str] = field(default_factory=list)
    bad_bars_injected: dict[str, int] = field(default_factory=dict)
    bad_bars_seen_by_strategy: int = 0
    # Which fault cost which bars (`attribution`): cause -> faults, late, never, bars, ...
    misses_by_cause: dict[str, dict[str, float | int | None]] = field(default_factory=dict)
    deciders: int = 0  # trader processes that decided at least one bar
    # Bars decided with new orders refused, by reason ("any": at least one reason)
    halted_bars: dict[str, int] = field(default_factory=dict)
    # Arrival to decision of each bar: p50_s, p99_s, max_s, slow (> deadline), first_max_s
    decide_latency: dict[str, float | int | None] = field(default_factory=dict)
    finished: bool = False
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["ok"] = self.ok
        return data


def _intent(coid: str) -> str:
    return coid.split("-resend")[0]


def _events(directory: Path) -> list[dict[str, object]]:
    path = directory / "events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _decisions(directory: Path) -> list[Decision]:
    """The decision log; a last line without its newline (cut by SIGKILL) is no decision."""
    rows = []
    path = directory / "decisions.log"
    if path.exists():
        for line in path.read_text().split("\n")[:-1]:
            parts = line.split()
            if len(parts) in (5, 6, 7):  # older logs lack latency (6) and halt reasons (7)
                latency = float(parts[5]) if len(parts) >= 6 else None
                halted = tuple(parts[6].split(",")) if len(parts) == 7 and parts[6] != "-" else ()
                rows.append(
                    Decision(
                        int(parts[0]),
                        int(parts[1]),
                        float(parts[2]),
                        int(parts[3]),
                        latency,
                        halted,
                    )
                )
    return rows


def _availability(report: SoakReport, rows: list[Decision], epoch: float) -> None:
    first: dict[int, float] = {}
    halted: Counter[str] = Counter()
    for row in rows:
        if row.bar not in first:
            first[row.bar] = row.when
            halted.update(row.halted)
            halted["any"] += bool(row.halted)
    report.decided_bars = len(first)
    # Availability counts a bar decided with new orders refused (fail closed) as decided;
    # how many there were, and why, is reported beside it.
    report.halted_bars = dict(halted.most_common())
    report.on_time_bars = sum(
        1
        for bar, when in first.items()
        if when - (epoch + bar * report.bar_interval_s) <= report.deadline_s
    )
    report.availability = report.on_time_bars / report.bars if report.bars else 0.0
    report.bad_bars_seen_by_strategy = max((r.bad_seen for r in rows), default=0)
    report.deciders = len({r.pid for r in rows})
    report.decide_latency = decide_latency(rows, report.deadline_s)


def _process(report: SoakReport, events: list[dict[str, object]], rows: list[Decision]) -> None:
    starts = {int(str(e["pid"])): float(str(e["t"])) for e in events if e["event"] == "start"}
    exits = {int(str(e["pid"])): e for e in events if e["event"] == "exit"}
    report.trader_starts = len(starts)
    t0 = min(starts.values(), default=0.0)
    t1 = max((float(str(e["t"])) for e in events), default=t0)
    kill_times = []
    lives = []
    for pid, started in starts.items():
        end = exits.get(pid)
        stopped = float(str(end["t"])) if end else t1
        lives.append((started, stopped))
        if end is None:
            continue
        rc, cause = int(str(end["rc"])), str(end.get("cause"))
        if cause == "retire" and rc in (0, -15):
            continue  # the standby stopped once the session was done: not a fault
        if cause == "kill":
            report.kills_random += 1
        elif cause == "crash_point" and rc == -9:
            report.kills_crash_point += 1
        elif cause == "term":
            report.graceful_stops += 1
        if rc == -9:
            kill_times.append(stopped)
        elif cause == "term" and rc == -15:
            # Told to stop before its graceful handler was installed (still starting up):
            # it stopped as asked, and nothing it had committed is lost.
            continue
        elif rc != 0:
            report.unrecovered_errors.append(f"trader pid {pid} exited with code {rc}")
    report.liveness = _covered(lives) / (t1 - t0) if t1 > t0 else 0.0
    report.broker_restarts = sum(1 for e in events if e["event"] == "venue_restart")
    times = sorted(r.when for r in rows)
    repairs = []
    for killed in kill_times:
        index = int(np.searchsorted(times, killed, side="right"))
        if index < len(times):
            repairs.append(times[index] - killed)
    if repairs:
        report.mttr_p50_s = round(float(np.percentile(repairs, 50)), 3)
        report.mttr_p99_s = round(float(np.percentile(repairs, 99)), 3)
        report.mttr_max_s = round(max(repairs), 3)


def _covered(lives: list[tuple[float, float]]) -> float:
    """Seconds at least one trader process was running (a standby overlaps its leader)."""
    total, reach = 0.0, float("-inf")
    for start, stop in sorted(lives):
        if stop > reach:
            total += stop - max(start, reach)
            reach = stop
    return total


def _faults(report: SoakReport, directory: Path) -> None:
    total: Counter[str] = Counter()
    for path in directory.glob("counts-*.json"):
        total.update(json.loads(path.read_text()))
    report.venue_requests = total.pop("requests", 0)
    report.injected_faults = dict(sorted(total.items()))
    refused = total["http_500"] + total["http_429"] + total["timeout_after_apply"]
    report.raw_error_rate = refused / report.venue_requests if report.venue_requests else 0.0


def _orders(report: SoakReport, directory: Path, capital: Decimal) -> None:
    store = StateStore(directory / "state")
    venue = sqlite3.connect(str(directory / "venue.db"))
    try:
        ours = {r.client_order_id: r for r in store.orders()}
        theirs = dict(venue.execute("SELECT coid, submits FROM orders").fetchall())
        report.state_orders, report.venue_orders = len(ours), len(theirs)
        report.resends_refused_by_venue = sum(n - 1 for n in theirs.values())
        per_intent: defaultdict[str, list[str]] = defaultdict(list)
        for coid in theirs:
            per_intent[_intent(coid)].append(coid)
        for intent, coids in sorted(per_intent.items()):
            if len(coids) > 1:
                report.duplicate_orders.append(f"{intent}: {len(coids)} venue orders")
            elif intent not in ours:
                report.duplicate_orders.append(f"{coids[0]}: at the venue, never intended")
        for coid, record in sorted(ours.items()):
            if record.state in (INTENT, UNKNOWN):
                report.unrecovered_errors.append(f"{coid}: still {record.state} at the end")
            elif record.state == NOT_SENT and coid in theirs:
                report.lost_orders.append(f"{coid}: closed as not sent, but the venue has it")
            elif record.state != NOT_SENT and coid not in theirs:
                report.lost_orders.append(f"{coid}: state says {record.state}, venue never had it")
        _books(report, store, venue, capital)
        reconciliation = store.get_json("last_reconciliation")
        if isinstance(reconciliation, dict) and reconciliation.get("error"):
            report.unrecovered_errors.append(f"last reconciliation: {reconciliation['error']}")
    finally:
        venue.close()
        store.close()


def _books(
    report: SoakReport, store: StateStore, venue: sqlite3.Connection, capital: Decimal
) -> None:
    rows = venue.execute("SELECT trade_id, symbol, side, quantity, price, commission FROM fills")
    venue_cash, venue_pos = capital, dict[str, Decimal]()
    venue_trades = set()
    for trade_id, symbol, side, quantity, price, commission in rows:
        venue_trades.add(trade_id)
        signed = Decimal(quantity) * (1 if side == "buy" else -1)
        venue_cash -= signed * Decimal(price) + Decimal(commission)
        venue_pos[symbol] = venue_pos.get(symbol, Decimal(0)) + signed
    our_cash, our_pos = capital, dict[str, Decimal]()
    ledger = store.fills()
    for fill in ledger:
        our_cash -= fill.quantity * fill.price + fill.commission
        our_pos[fill.symbol] = our_pos.get(fill.symbol, Decimal(0)) + fill.quantity
    report.fills = len(venue_trades)
    missing = venue_trades - {f.trade_id for f in ledger}
    report.books_mismatches += [
        f"fill {t} at the venue, not in the ledger" for t in sorted(missing)
    ][:20]
    if abs(our_cash - venue_cash) >= _CENT:
        report.books_mismatches.append(f"cash: ledger {our_cash:.2f}, broker {venue_cash:.2f}")
    venue_pos = {s: q for s, q in venue_pos.items() if q}
    our_pos = {s: q for s, q in our_pos.items() if q}
    if venue_pos != our_pos:
        report.books_mismatches.append(f"positions: ledger {our_pos}, broker {venue_pos}")


def check_soak(
    directory: Path,
    *,
    seed: int,
    naive: bool,
    epoch: float,
    interval: float,
    bars: int,
    deadline: float,
    capital: Decimal,
    wall_seconds: float,
    floors: Floors,
) -> SoakReport:
    """Compute the report and its failures (an empty list: every assertion holds)."""
    report = SoakReport(seed, naive, round(wall_seconds, 2), bars, interval, deadline)
    rows = _decisions(directory)
    events = _events(directory)
    _availability(report, rows, epoch)
    _process(report, events, rows)
    report.misses_by_cause = attribute_misses(
        rows,
        faults_from_events(events),
        epoch=epoch,
        interval=interval,
        bars=bars,
        deadline=deadline,
    )
    _faults(report, directory)
    _orders(report, directory, capital)
    market = Market(seed, bars)
    report.bad_bars_injected = {
        k: market.bad.count(k) for k in ("nan", "high_low", "gap", "duplicate")
    }
    report.finished = (directory / "done").exists()
    commands = max(report.venue_orders, 1)
    report.unrecovered_error_rate = len(report.unrecovered_errors) / commands
    _budget(report)
    _judge(report, floors)
    return report


def _budget(report: SoakReport) -> None:
    """Missed bar-time per fault, and how many faults a day keep 99.9% availability.

    Each fault (kill, crash point, SIGTERM, broker restart) costs the bars that fall
    due until the trader is back and caught up; the rest of the time it decides on
    time. So availability over a period is about ``1 - faults * miss / period``: with
    the measured miss per fault, a 30-day 99.9% claim allows this many faults a day.
    """
    report.faults = (
        report.kills_random
        + report.kills_crash_point
        + report.graceful_stops
        + report.broker_restarts
    )
    if report.faults:
        missed = (report.bars - report.on_time_bars) * report.bar_interval_s
        report.miss_seconds_per_fault = round(missed / report.faults, 3)
        if missed > 0:
            report.faults_per_day_within_999 = round(0.001 * 86400 / (missed / report.faults), 1)


def _judge(report: SoakReport, floors: Floors) -> None:
    fail = report.failures
    if not report.finished:
        fail.append("the session did not decide its last bar within the time bound")
    if report.lost_orders:
        fail.append(f"{len(report.lost_orders)} lost order(s)")
    if report.duplicate_orders:
        fail.append(f"{len(report.duplicate_orders)} duplicate order(s)")
    if report.unrecovered_errors:
        fail.append(f"{len(report.unrecovered_errors)} unrecovered error(s)")
    if report.books_mismatches:
        fail.append("ledger differs from the broker's books")
    if report.bad_bars_seen_by_strategy:
        fail.append(f"the strategy saw {report.bad_bars_seen_by_strategy} invalid bar(s)")
    if report.availability < floors.min_availability:
        fail.append(f"availability {report.availability:.4f} < {floors.min_availability}")
    if report.mttr_p99_s is not None and report.mttr_p99_s > floors.max_mttr_p99:
        fail.append(f"MTTR p99 {report.mttr_p99_s:.2f}s > {floors.max_mttr_p99}s")
    miss = report.miss_seconds_per_fault
    if miss is not None and miss > floors.max_miss_per_fault:
        fail.append(f"{miss:.2f}s of bars missed per fault > {floors.max_miss_per_fault}s")
    if report.kills_random + report.kills_crash_point == 0:
        fail.append("no kill happened: the run proves nothing about recovery")
