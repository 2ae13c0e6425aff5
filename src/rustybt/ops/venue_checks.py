"""The checklist's items that need the venue: reachable, clock in sync, the state's
books and orders in line with the venue's, and the decision latency on this machine
within the bar interval's budget."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from rustybt.errors import BrokerError, RustyBTError
from rustybt.live.broker import Broker
from rustybt.live.config import LiveConfig
from rustybt.live.state import StateStore
from rustybt.ops.backup import STATE_DB
from rustybt.ops.checks import Check

__all__ = [
    "VenueBooks",
    "check_broker",
    "check_clock",
    "check_latency",
    "check_reconciliation",
    "measure_decision_latency",
    "paper_books",
    "server_time",
    "venue_books",
]

_CENT = Decimal("0.01")
_SKEW = pd.Timedelta(minutes=1)


def server_time(broker: Broker) -> float | None:
    """The venue's clock (epoch seconds) where its client can tell; None otherwise."""
    # The adapters keep their venue client as ``_client`` (ccxt: fetch_time in ms;
    # alpaca-py: get_clock().timestamp); the paper broker has no clock of its own.
    client = getattr(broker, "_client", None)
    if client is None:
        return None
    if hasattr(client, "fetch_time"):
        return float(client.fetch_time()) / 1000.0
    if hasattr(client, "get_clock"):
        return float(client.get_clock().timestamp.timestamp())
    return None


def check_clock(broker: Broker, *, tolerance_s: float) -> Check:
    """This machine's clock against the venue's (half the round trip is allowed for)."""
    try:
        before = time.time()
        venue = server_time(broker)
        after = time.time()
    except (RustyBTError, OSError) as error:
        return Check("clock", False, f"cannot read {broker.name}'s server time: {error}")
    except Exception as error:  # noqa: BLE001  # any venue client error is a finding here
        return Check("clock", False, f"cannot read {broker.name}'s server time: {error!r}")
    if venue is None:
        return Check(
            "clock",
            True,
            f"{broker.name} has no server clock: keep NTP on (timedatectl show -p NTPSynchronized)",
        )
    offset = venue - (before + after) / 2
    slack = (after - before) / 2
    if abs(offset) - slack > tolerance_s:
        side = "behind" if offset > 0 else "ahead of"
        return Check(
            "clock",
            False,
            f"this clock is {abs(offset):.3f} s {side} {broker.name}'s (tolerance "
            f"{tolerance_s:g} s): turn NTP on (timedatectl set-ntp true, or chrony)",
        )
    return Check("clock", True, f"{offset:+.3f} s from {broker.name}'s clock (± {slack:.3f} s)")


def check_broker(broker: Broker) -> tuple[Check, float]:
    """Reachable with the configured keys; returns the check and the mean round trip."""
    start = time.perf_counter()
    try:
        broker.open_orders()
        broker.positions()
        broker.balances()
    except BrokerError as error:
        hint = f" ({error.hint})" if error.hint else ""
        return Check("broker", False, f"{broker.name} unreachable: {error.message}{hint}"), 0.0
    rtt = (time.perf_counter() - start) / 3
    return Check("broker", True, f"{broker.name} answers ({rtt * 1000:.0f} ms a request)"), rtt


@dataclass(frozen=True)
class VenueBooks:
    """What reconciliation compares with the state: the venue's client order ids (open
    and recent), positions and balances."""

    order_ids: frozenset[str]
    positions: dict[str, Decimal]
    balances: dict[str, Decimal]


def venue_books(broker: Broker, since: str | None) -> VenueBooks:
    """Read from a venue: open orders, orders placed since ``since`` (minus a skew)."""
    ids = {v.client_order_id for v in broker.open_orders()}
    if since is not None:
        ids.update(v.client_order_id for v in broker.recent_orders(pd.Timestamp(since) - _SKEW))
    return VenueBooks(frozenset(ids), broker.positions(), broker.balances())


def paper_books(paper_db: Path, *, capital: float, currency: str) -> VenueBooks:
    """A paper account's books read from its file (read-only; the paper broker itself
    needs the session's bars before it can answer)."""
    import json
    import sqlite3

    db = sqlite3.connect(f"file:{paper_db}?mode=ro", uri=True)
    try:
        ids = frozenset(str(oid) for (oid,) in db.execute("SELECT id FROM orders"))
        fills = [json.loads(text) for (text,) in db.execute("SELECT fill FROM fills")]
    finally:
        db.close()
    cash, positions = Decimal(str(capital)), dict[str, Decimal]()
    for fill in fills:
        signed = Decimal(fill["quantity"]) * (1 if fill["side"] == "buy" else -1)
        cash -= signed * Decimal(fill["price"]) + Decimal(fill["commission"])
        positions[fill["symbol"]] = positions.get(fill["symbol"], Decimal(0)) + signed
    held = {s: q for s, q in positions.items() if q}
    return VenueBooks(ids, held, {currency: cash})


def check_reconciliation(
    config: LiveConfig, read_books: Callable[[str | None], VenueBooks], venue: str
) -> Check:
    """The state agrees with the venue: the last reconciliation was complete, the venue
    holds no order of this session the state never recorded (a state restored from an
    older backup), and positions and cash match the stored fills to the cent.
    ``read_books(since)`` reads the venue's books (`venue_books` or `paper_books`)."""
    from rustybt.live.state import StateStore

    if not (config.state / STATE_DB).is_file():
        return Check("reconciliation", True, "new session: reconciled at its first start")
    store = StateStore(config.state)
    try:
        last = store.get_json("last_reconciliation")
        if isinstance(last, dict) and not last.get("complete"):
            found = "; ".join(str(m) for m in list(last.get("mismatches") or [])[:3])
            return Check(
                "reconciliation",
                False,
                f"the last reconciliation ({last.get('at')}) was incomplete: "
                f"{found or last.get('error')} — see rustybt status --state {config.state}",
            )
        books = read_books(store.get("last_bar_time"))
        return _compare(config, store, books, venue)
    except BrokerError as error:
        return Check("reconciliation", False, f"{venue}: {error.message}")
    finally:
        store.close()


def _compare(config: LiveConfig, store: StateStore, books: VenueBooks, venue: str) -> Check:
    session = store.get("session_id")
    ours = {r.client_order_id for r in store.orders()}
    unknown = sorted(c for c in books.order_ids if c.startswith(f"rb-{session}-") and c not in ours)
    if unknown:
        return Check(
            "reconciliation",
            False,
            f"{venue} holds {len(unknown)} order(s) of session {session} the state never "
            f"recorded ({', '.join(unknown[:3])}): the state is older than the venue (restored "
            "from an old backup?); restore the newest backup, or start a new state directory",
        )
    start = store.get_json("baseline")
    base = start if isinstance(start, dict) else {}
    cash, positions = Decimal(0), dict[str, Decimal]()
    for fill in store.fills():
        cash -= fill.quantity * fill.price + fill.commission
        positions[fill.symbol] = positions.get(fill.symbol, Decimal(0)) + fill.quantity
    before = {k: Decimal(str(v)) for k, v in dict(base.get("positions") or {}).items()}
    problems = []
    for symbol in sorted(set(books.positions) | set(positions) | set(before)):
        change = books.positions.get(symbol, Decimal(0)) - before.get(symbol, Decimal(0))
        if change != positions.get(symbol, Decimal(0)):
            problems.append(f"{symbol}: venue {change}, state {positions.get(symbol, 0)}")
    currency = config.cash_currency
    if currency is not None:
        balances = {k: Decimal(str(v)) for k, v in dict(base.get("balances") or {}).items()}
        change = books.balances.get(currency, Decimal(0)) - balances.get(currency, Decimal(0))
        if abs(change - cash) >= _CENT:
            problems.append(f"cash {currency}: venue {change:.2f}, state {cash:.2f}")
    if problems:
        return Check(
            "reconciliation",
            False,
            f"books differ from {venue}'s: {'; '.join(problems[:3])} — the session will "
            "halt new orders at start; investigate with rustybt status before trading",
        )
    return Check("reconciliation", True, f"{len(ours)} orders; positions and cash agree")


def measure_decision_latency(strategy_file: Path, *, bars: int = 250) -> np.ndarray:
    """Per-bar decision latencies (seconds) of ``strategy_file`` on this machine: the
    live runner with the paper broker on ``bars`` bars of the demo data, bar arrival
    to decision, as ``/metrics`` measures."""
    from rustybt.data.synthetic import demo_panel
    from rustybt.engine.strategy import load_strategy_file
    from rustybt.live.feeds import ReplayFeed
    from rustybt.live.paper import PaperBroker
    from rustybt.live.runner import LiveRunner

    panel = demo_panel()
    panel = panel.select(start=panel.index[0], end=panel.index[min(bars, len(panel.index)) - 1])
    broker = PaperBroker(capital=1_000_000)
    with tempfile.TemporaryDirectory(prefix="rustybt-preflight-") as state:
        runner = LiveRunner(
            load_strategy_file(strategy_file),
            broker=broker,
            feed=ReplayFeed(panel, speed="max"),
            state=state,
            capital=1_000_000,
        )
        try:
            runner.run()
        finally:
            broker.close()
            runner.store.close()
    return np.asarray(runner.metrics.latencies)


def check_latency(
    config: LiveConfig, latencies: np.ndarray, broker_rtt_s: float, *, share: float
) -> Check:
    """p99 decision time plus a broker round trip within ``share`` of the bar interval."""
    try:
        interval = pd.Timedelta(config.timeframe).total_seconds()
    except ValueError:
        return Check("latency", False, f"[feed] timeframe {config.timeframe!r} is not a duration")
    if latencies.size == 0:
        return Check("latency", False, "no decision was timed: check the strategy file")
    p99 = float(np.quantile(latencies, 0.99))
    need, budget = p99 + broker_rtt_s, interval * share
    measured = (
        f"p99 decision {p99 * 1000:.1f} ms + broker {broker_rtt_s * 1000:.0f} ms = "
        f"{need * 1000:.1f} ms; budget {share:.0%} of a {config.timeframe} bar = "
        f"{budget * 1000:.0f} ms"
    )
    if need > budget:
        return Check(
            "latency", False, f"{measured}: use a faster machine, a longer timeframe or less work"
        )
    return Check("latency", True, measured)
