"""Miss attribution on a hand-made run with known answers: which fault cost which bars."""

from __future__ import annotations

import pytest

from rustybt.soak.attribution import (
    Decision,
    Fault,
    attribute_misses,
    decide_latency,
    faults_from_events,
)

INTERVAL, DEADLINE, BARS = 0.1, 0.05, 60


def _rows() -> list[Decision]:
    """Bars due at n * 0.1, decided 0.01 s after, except the misses the test names."""
    late = {10: 1.3, 11: 1.3, 35: 3.7, 45: 4.7}
    rows = []
    for bar in range(BARS):
        if bar == 12:
            continue  # begun by the killed leader, never decided
        pid = 1 if bar < 10 else 2
        rows.append(Decision(pid, bar, late.get(bar, bar * INTERVAL + 0.01), 0, 0.002))
    return rows


def _events() -> list[dict[str, object]]:
    return [
        {"t": 0.0, "event": "start", "pid": 1, "crash_at": None},
        {"t": 0.1, "event": "start", "pid": 2, "crash_at": "after_send_before_ack:2"},
        {"t": 0.95, "event": "fault", "kind": "kill", "pid": 1},
        {"t": 0.96, "event": "exit", "pid": 1, "rc": -9, "cause": "kill"},
        {"t": 4.45, "event": "exit", "pid": 2, "rc": -9, "cause": "crash_point"},
        {"t": 5.2, "event": "venue_restart"},
    ]


def test_faults_are_read_with_their_kinds_and_signal_times() -> None:
    assert faults_from_events(_events()) == [
        Fault(0.95, "kill"),  # the signal's time, not the exit's
        Fault(4.45, "crash_point:after_send_before_ack"),
        Fault(5.2, "broker_restart"),
    ]
    older = [e for e in _events() if e["event"] != "fault"]  # a log without fault events
    assert faults_from_events(older)[0] == Fault(0.96, "kill")


def test_each_missed_bar_goes_to_its_fault_or_to_none() -> None:
    table = attribute_misses(
        _rows(),
        faults_from_events(_events()),
        epoch=0.0,
        interval=INTERVAL,
        bars=BARS,
        deadline=DEADLINE,
    )
    # The kill: bars 10 and 11 late (0.3 s and 0.2 s), bar 12 never; its episode ends at
    # bar 20 (five on-time bars decided a second or more after it), so bar 35, late
    # with no fault near, is "none"; bar 45 is the crash point's.
    assert table["kill"] == {
        "faults": 1,
        "late": 2,
        "never": 1,
        "bars": 3,
        "max_lateness_s": pytest.approx(0.3),
        "bars_per_fault": 3.0,
    }
    assert table["none"]["bars"] == 1
    assert table["none"]["bars_per_fault"] is None
    assert table["none"]["max_lateness_s"] == pytest.approx(0.2)
    assert table["crash_point:after_send_before_ack"]["bars"] == 1
    assert table["broker_restart"] == {
        "faults": 1,
        "late": 0,
        "never": 0,
        "bars": 0,
        "max_lateness_s": None,
        "bars_per_fault": 0.0,
    }
    assert next(iter(table)) == "kill"  # the costliest cause first
    assert sum(int(e["bars"] or 0) for e in table.values()) == 5  # every miss, once


def test_decide_latency_figures() -> None:
    rows = [Decision(1, n, float(n), 0, 0.001 * (n + 1)) for n in range(100)]
    rows.append(Decision(2, 100, 100.0, 0, 0.4))  # a new process's first decision, slow
    figures = decide_latency(rows, deadline=0.25)
    assert figures["max_s"] == 0.4
    assert figures["slow"] == 1
    assert figures["first_max_s"] == 0.4
    assert figures["p50_s"] == pytest.approx(0.051)
    assert decide_latency([Decision(1, 0, 0.0, 0, None)], 0.25)["p50_s"] is None
