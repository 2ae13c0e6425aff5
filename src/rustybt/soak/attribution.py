"""Which fault cost which bars: every late or never-decided bar, attributed.

Each fault opens an *episode*: from the fault until the session is back on time,
meaning ``STEADY`` consecutive bars decided within the deadline by decisions made
at least ``MIN_EPISODE`` seconds after the fault (a broker restart bites only when
the venue answers again and the trader reconciles, half a second or more later). A missed bar (decided late, or never) belongs to the latest fault
at or before the moment it was missed (its decision, or for a bar never decided the
next decision of any bar) whose episode it falls in; a missed bar outside every
episode has cause ``none``: the session was slow with no fault to blame (a GC pause,
an fsync, a standby or the venue taking the CPU), and the decide latencies say which.

Fault kinds, from the supervisor's ``events.jsonl``: ``kill`` (a random SIGKILL of
the leader), ``term`` (SIGTERM, a graceful stop), ``crash_point:<point>`` (the trader
SIGKILLed itself at an exact point of the order protocol) and ``broker_restart``.
The time of a kill or SIGTERM is when the signal was sent (the ``fault`` event);
logs written before that event existed fall back to the trader's exit.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

__all__ = ["Decision", "Fault", "attribute_misses", "decide_latency", "faults_from_events"]

STEADY = 5  # consecutive on-time bars that end a fault's episode...
MIN_EPISODE = 1.0  # ...at least this many seconds after it: a broker restart bites late
NONE = "none"


@dataclass(frozen=True)
class Decision:
    """One line of ``decisions.log``: who decided which bar, when, and how long it took
    (seconds from the bar's arrival to its decision; None in logs without the column)."""

    pid: int
    bar: int
    when: float
    bad_seen: int
    latency: float | None
    halted: tuple[str, ...] = ()  # why new orders were refused at the bar (empty: trading)


@dataclass(frozen=True)
class Fault:
    t: float
    kind: str


def faults_from_events(events: list[dict[str, object]]) -> list[Fault]:
    """The faults of a run, in time order (see the module docstring for the kinds)."""
    crash_at = {str(e["pid"]): e.get("crash_at") for e in events if e["event"] == "start"}
    signalled = {str(e["pid"]) for e in events if e["event"] == "fault"}
    faults = []
    for event in events:
        kind, t = str(event["event"]), float(str(event["t"]))
        if kind == "fault":
            faults.append(Fault(t, str(event["kind"])))
        elif kind == "venue_restart":
            faults.append(Fault(t, "broker_restart"))
        elif kind == "exit":
            pid, cause, rc = str(event["pid"]), str(event.get("cause")), int(str(event["rc"]))
            if cause == "crash_point" and rc == -9:
                point = str(crash_at.get(pid) or "unknown").split(":")[0]
                faults.append(Fault(t, f"crash_point:{point}"))
            elif cause in ("kill", "term") and pid not in signalled:
                faults.append(Fault(t, cause))  # an older log: the exit is the best time
    return sorted(faults, key=lambda f: f.t)


def _first_decisions(rows: list[Decision], bars: int) -> tuple[np.ndarray, list[float]]:
    decided = np.full(bars, np.nan)
    for row in rows:
        if 0 <= row.bar < bars and np.isnan(decided[row.bar]):
            decided[row.bar] = row.when
    return decided, sorted(r.when for r in rows)


def _episode_end(fault: Fault, decided: np.ndarray, on_time: np.ndarray) -> int:
    """The first bar of the first run of ``STEADY`` on-time bars decided after the fault."""
    when = np.nan_to_num(decided, nan=np.inf)
    after = when > fault.t
    start = int(np.argmax(after)) if after.any() else len(decided)
    steady = 0
    for bar in range(start, len(decided)):
        steady = steady + 1 if on_time[bar] and when[bar] > fault.t + MIN_EPISODE else 0
        if steady == STEADY:
            return bar - STEADY + 1
    return len(decided)


def attribute_misses(
    rows: list[Decision],
    faults: list[Fault],
    *,
    epoch: float,
    interval: float,
    bars: int,
    deadline: float,
) -> dict[str, dict[str, float | int | None]]:
    """``misses_by_cause``: per cause, its faults, the bars it made late or never
    decided, bars per fault and the worst lateness (seconds after the deadline's start)."""
    decided, times = _first_decisions(rows, bars)
    due = epoch + np.arange(bars) * interval
    on_time = ~np.isnan(decided) & (np.nan_to_num(decided, nan=np.inf) - due <= deadline)
    fault_times = [f.t for f in faults]
    ends = [_episode_end(f, decided, on_time) for f in faults]
    table: defaultdict[str, dict[str, float | int | None]] = defaultdict(
        lambda: {"faults": 0, "late": 0, "never": 0, "bars": 0, "max_lateness_s": None}
    )
    for fault in faults:
        table[fault.kind]["faults"] = int(table[fault.kind]["faults"] or 0) + 1
    for bar in np.flatnonzero(~on_time):
        never = bool(np.isnan(decided[bar]))
        if never:  # missed when the session moved past it: the next decision of any bar
            later = bisect.bisect_right(times, float(due[bar]))
            missed_at = times[later] if later < len(times) else float("inf")
        else:
            missed_at = float(decided[bar])
        index = bisect.bisect_right(fault_times, missed_at) - 1
        cause = faults[index].kind if index >= 0 and bar < ends[index] else NONE
        entry = table[cause]
        entry["never" if never else "late"] = int(entry["never" if never else "late"] or 0) + 1
        entry["bars"] = int(entry["bars"] or 0) + 1
        if not never:
            lateness = round(float(decided[bar] - due[bar]), 3)
            worst = entry["max_lateness_s"]
            entry["max_lateness_s"] = lateness if worst is None else max(float(worst), lateness)
    for entry in table.values():
        count = int(entry["faults"] or 0)
        entry["bars_per_fault"] = round(int(entry["bars"] or 0) / count, 2) if count else None
    return dict(sorted(table.items(), key=lambda kv: -int(kv[1]["bars"] or 0)))


def decide_latency(rows: list[Decision], deadline: float) -> dict[str, float | int | None]:
    """How long decisions took (arrival to decision): p50, p99, max, how many took longer
    than the deadline, and the worst first decision of a process (its takeover bar)."""
    latencies = [r.latency for r in rows if r.latency is not None]
    if not latencies:
        return {"p50_s": None, "p99_s": None, "max_s": None, "slow": 0, "first_max_s": None}
    first: dict[int, float] = {}
    for row in rows:
        if row.latency is not None:
            first.setdefault(row.pid, row.latency)
    return {
        "p50_s": round(float(np.percentile(latencies, 50)), 4),
        "p99_s": round(float(np.percentile(latencies, 99)), 4),
        "max_s": round(max(latencies), 4),
        "slow": sum(1 for x in latencies if x > deadline),
        "first_max_s": round(max(first.values()), 4),
    }
