"""`rustybt preflight`: the production checklist as code, run before `rustybt live`.

Each item passes or fails with a reason that names what to fix; the command exits
non-zero when any fails. Items that need the venue run against the configured
broker (for ``[broker] name = "paper"``, the paper account in the state directory).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rustybt.errors import RustyBTError
from rustybt.live.broker import Broker
from rustybt.live.config import LiveConfig
from rustybt.ops.checks import (
    Check,
    check_backup,
    check_disk,
    check_risk_limits,
    check_secrets,
    check_state_dir,
)
from rustybt.ops.venue_checks import (
    VenueBooks,
    check_broker,
    check_clock,
    check_latency,
    check_reconciliation,
    measure_decision_latency,
    paper_books,
    venue_books,
)

__all__ = ["PreflightOptions", "format_checks", "run_preflight"]


@dataclass(frozen=True)
class PreflightOptions:
    """Tolerances of the checklist (the CLI's options; defaults for a 1-minute bar)."""

    max_backup_age_h: float = 24.0
    clock_tolerance_s: float = 1.0
    min_free_gb: float = 1.0
    latency_share: float = 0.1  # of the bar interval, for decision + one broker round trip
    strategy: Path | None = None  # timed for the latency item (None: the item fails)
    latency_bars: int = 250


def run_preflight(
    config: LiveConfig,
    options: PreflightOptions,
    *,
    open_broker: Callable[[], Broker],
    latencies: Callable[[], object] | None = None,
) -> list[Check]:
    """Every item of the checklist, in order; ``open_broker`` builds the venue client
    (it is closed here), ``latencies`` overrides the timing run (tests)."""
    checks = [
        check_secrets(config),
        check_state_dir(config),
        check_backup(config, max_age_h=options.max_backup_age_h),
        check_risk_limits(config),
        check_disk(config, min_free_gb=options.min_free_gb),
    ]
    rtt = 0.0
    if config.broker == "paper":
        checks.extend(_paper_checks(config))
    elif not checks[0].ok:  # no keys, no venue
        checks.append(Check("broker", False, "not tried: the API keys are not readable"))
    else:
        broker = open_broker()
        try:
            reachable, rtt = check_broker(broker)
            checks.append(reachable)
            if reachable.ok:
                checks.append(check_clock(broker, tolerance_s=options.clock_tolerance_s))
                books = lambda since: venue_books(broker, since)  # noqa: E731
                checks.append(check_reconciliation(config, books, broker.name))
        finally:
            broker.close()
    measured: object
    try:
        if latencies is not None:
            measured = latencies()
        elif options.strategy is not None:
            measured = measure_decision_latency(options.strategy, bars=options.latency_bars)
        else:
            checks.append(Check("latency", False, "no strategy file to time: pass --strategy"))
            return checks
    except RustyBTError as error:
        checks.append(Check("latency", False, f"timing the strategy failed: {error.message}"))
        return checks
    checks.append(
        check_latency(config, np.asarray(measured, dtype=float), rtt, share=options.latency_share)
    )
    return checks


def _paper_checks(config: LiveConfig) -> list[Check]:
    """The paper account is a file in the state directory, on this machine's clock."""
    paper_db = config.state / "paper.db"
    clock = Check("clock", True, "paper broker: the venue's clock is this machine's")
    if not paper_db.is_file():
        return [Check("broker", True, "paper: a new account is opened at the first start"), clock]
    currency = config.cash_currency or "USD"

    def books(_since: str | None) -> VenueBooks:
        return paper_books(paper_db, capital=config.capital, currency=currency)

    try:
        held = books(None)
    except sqlite3.Error as exc:
        return [Check("broker", False, f"paper account {paper_db} unreadable: {exc}"), clock]
    reachable = Check("broker", True, f"paper account {paper_db} ({len(held.order_ids)} orders)")
    return [reachable, clock, check_reconciliation(config, books, "paper")]


def format_checks(checks: list[Check]) -> list[str]:
    """One line per item, ``PASS``/``FAIL``, then the verdict."""
    width = max(len(c.name) for c in checks)
    lines = [f"{'PASS' if c.ok else 'FAIL'}  {c.name:<{width}}  {c.detail}" for c in checks]
    failed = [c.name for c in checks if not c.ok]
    lines.append(
        f"preflight failed: {', '.join(failed)}" if failed else "preflight passed: ready to trade"
    )
    return lines
