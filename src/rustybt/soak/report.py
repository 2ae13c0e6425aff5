"""Running one soak end to end, and its one-screen summary."""

from __future__ import annotations

import json
import tempfile
from decimal import Decimal
from pathlib import Path

from rustybt.soak.checker import Floors, SoakReport, check_soak
from rustybt.soak.supervisor import SoakPlan, Supervisor

__all__ = ["run_soak", "summary"]


def run_soak(
    plan: SoakPlan, *, workdir: Path | None = None, floors: Floors | None = None
) -> SoakReport:
    """Run the soak of ``plan`` in ``workdir`` (a fresh temporary folder if None) and check it."""
    if workdir is None:
        workdir = Path(tempfile.mkdtemp(prefix="rustybt-soak-"))
    workdir.mkdir(parents=True, exist_ok=True)
    supervisor = Supervisor(plan, workdir)
    wall = supervisor.run()
    return check_soak(
        workdir,
        seed=plan.seed,
        naive=plan.naive,
        epoch=supervisor.epoch,
        interval=plan.interval,
        bars=plan.bars,
        deadline=plan.deadline,
        capital=Decimal(plan.capital),
        wall_seconds=wall,
        floors=floors or Floors(),
    )


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}s"


def _causes(report: SoakReport) -> str:
    """``kill 12 bars (1.5/fault, 3 never), ...``: what each fault kind cost."""
    parts = []
    for cause, entry in report.misses_by_cause.items():
        if not entry["bars"]:
            continue
        per = entry.get("bars_per_fault")
        each = f"{per}/fault, " if per is not None else ""
        parts.append(f"{cause} {entry['bars']} bars ({each}{entry['never']} never)")
    return "; ".join(parts) or "no bar missed"


def _latency(report: SoakReport) -> str:
    figures = report.decide_latency
    if figures.get("p50_s") is None:
        return "n/a (no latency in the decision log)"
    return (
        f"p50 {figures['p50_s']}s, p99 {figures['p99_s']}s, max {figures['max_s']}s; "
        f"{figures['slow']} over the deadline; a process's first decision at most "
        f"{figures['first_max_s']}s; {report.deciders} processes decided"
    )


def _halted(report: SoakReport) -> str:
    """``412 bars (0.46%) decided with new orders refused: outage 300, ...``."""
    counts = dict(report.halted_bars)
    total = counts.pop("any", 0)
    if not total:
        return "no bar decided with new orders refused"
    share = total / report.decided_bars if report.decided_bars else 0.0
    reasons = ", ".join(f"{k} {v}" for k, v in counts.items())
    return f"{total} bars ({share:.2%}) decided with new orders refused (fail closed): {reasons}"


def summary(report: SoakReport) -> str:
    """The one-screen summary."""
    faults = ", ".join(f"{k} {v}" for k, v in report.injected_faults.items()) or "none"
    bad = ", ".join(f"{k} {v}" for k, v in report.bad_bars_injected.items())
    lines = [
        f"soak seed {report.seed}{' (NAIVE control)' if report.naive else ''}: "
        f"{'PASS' if report.ok else 'FAIL'} in {report.wall_seconds:.0f}s wall",
        f"  bars            {report.bars} every {report.bar_interval_s * 1000:.0f} ms; "
        f"decided {report.decided_bars}, on time (<= {report.deadline_s}s) {report.on_time_bars}",
        f"  availability    {report.availability:.4%} (never-decided bars count as misses)",
        f"  error budget    {_seconds(report.miss_seconds_per_fault)} of bars missed per fault;"
        f" 99.9% over 30 days allows {report.faults_per_day_within_999 or 'any number of'}"
        " faults a day",
        f"  kills           {report.kills_random} random SIGKILL, {report.kills_crash_point} at "
        f"crash points, {report.graceful_stops} SIGTERM, {report.broker_restarts} broker restarts"
        f"; {report.trader_starts} trader starts",
        f"  liveness        {report.liveness:.2%} of wall time the trader was running",
        f"  MTTR            p50 {_seconds(report.mttr_p50_s)}, p99 {_seconds(report.mttr_p99_s)}, "
        f"max {_seconds(report.mttr_max_s)} (kill to first decision)",
        f"  misses by cause {_causes(report)}",
        f"  decide latency  {_latency(report)}",
        f"  halted          {_halted(report)}",
        f"  broker faults   {faults} over {report.venue_requests} requests "
        f"(raw error rate {report.raw_error_rate:.2%})",
        f"  unrecovered     {len(report.unrecovered_errors)} "
        f"(rate {report.unrecovered_error_rate:.4%} per order)",
        f"  orders          {report.venue_orders} at the broker, {report.state_orders} in the "
        f"state, {report.fills} fills; same-id resends refused by the broker "
        f"{report.resends_refused_by_venue}",
        f"  lost            {len(report.lost_orders)}   duplicates {len(report.duplicate_orders)}",
        f"  books           {'equal to the cent' if not report.books_mismatches else 'DIFFER'}",
        f"  bad bars        injected {bad}; seen by the strategy "
        f"{report.bad_bars_seen_by_strategy}",
    ]
    lines += [f"  FAIL: {failure}" for failure in report.failures]
    examples = report.lost_orders + report.duplicate_orders + report.unrecovered_errors
    lines += [f"    e.g. {example}" for example in examples[:5]]
    return "\n".join(lines)


def write_json(report: SoakReport, path: Path) -> None:
    path.write_text(json.dumps(report.to_dict(), indent=2, sort_keys=True) + "\n")
