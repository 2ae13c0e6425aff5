"""`rustybt preflight`: every item passes and fails on a prepared case (known answers),
against the paper broker and the local fake Binance venue."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from rustybt.data.bars import BarPanel
from rustybt.engine.controls import RiskLimits
from rustybt.live.config import LiveConfig
from rustybt.live.paper import PaperBroker
from rustybt.ops.backup import backup_state
from rustybt.ops.checks import (
    Check,
    check_backup,
    check_disk,
    check_risk_limits,
    check_secrets,
    check_state_dir,
)
from rustybt.ops.preflight import PreflightOptions, format_checks, run_preflight
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
from rustybt.security import SecretsStore, generate_key, load_keys
from tests.live.harness import VenueHarness, binance_harness, running
from tests.ops.sessions import CAPITAL, paper_runner, run_session

LIMITS = RiskLimits(max_order_notional=1000, max_daily_loss=0.05)


def _config(state: Path, **changes: object) -> LiveConfig:
    base = LiveConfig(broker="paper", state=state, capital=CAPITAL, risk=LIMITS)
    return replace(base, **changes)  # type: ignore[arg-type]  # LiveConfig fields


@pytest.fixture(scope="module")
def session(demo_window: BarPanel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished paper session (state.db + paper.db), copied fresh for each test."""
    state = tmp_path_factory.mktemp("session") / "state"
    runner, broker = paper_runner(demo_window.select(end="2016-02-15"), state, "max")
    run_session(runner, broker)
    state.chmod(0o700)
    return state


@pytest.fixture
def state(session: Path, tmp_path: Path) -> Path:
    import shutil

    copy = tmp_path / "state"
    shutil.copytree(session, copy)
    return copy


def _reconcile_paper(state: Path) -> Check:
    books = lambda _since: paper_books(state / "paper.db", capital=CAPITAL, currency="USD")  # noqa: E731
    return check_reconciliation(_config(state), books, "paper")


# -- secrets ---------------------------------------------------------------------------
@pytest.fixture
def secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    key = generate_key()
    monkeypatch.setenv("RUSTYBT_SECRETS_KEY", key)
    store_path = tmp_path / "secrets" / "secrets.json"
    monkeypatch.setenv("RUSTYBT_SECRETS__STORE", str(store_path))
    store = SecretsStore(store_path, load_keys(key_file=tmp_path / "none.key"))
    store.set("VENUE_API_KEY", "pk_test_0123456789")
    store.set("VENUE_API_SECRET", "sk_test_0123456789")
    return store_path


def test_secrets_pass_when_named_keys_decrypt_from_a_private_store(
    secrets: Path, tmp_path: Path
) -> None:
    config = _config(tmp_path, api_key="VENUE_API_KEY", api_secret="VENUE_API_SECRET")
    check = check_secrets(config)
    assert check.ok, check.detail
    assert "VENUE_API_KEY, VENUE_API_SECRET decrypt" in check.detail
    assert "0123456789" not in check.detail
    assert check_secrets(_config(tmp_path)).ok  # paper: no keys needed


def test_secrets_fail_on_a_readable_store_or_a_missing_name(secrets: Path, tmp_path: Path) -> None:
    missing = check_secrets(_config(tmp_path, api_key="NOT_THERE"))
    assert not missing.ok
    assert "no secret named 'NOT_THERE'" in missing.detail
    assert "rustybt secrets set NOT_THERE" in missing.detail
    secrets.chmod(0o644)
    loose = check_secrets(_config(tmp_path, api_key="VENUE_API_KEY"))
    assert not loose.ok
    assert f"chmod 600 {secrets}" in loose.detail


# -- state directory -------------------------------------------------------------------
def test_state_dir_passes_private_and_writable_or_to_be_created(tmp_path: Path) -> None:
    (tmp_path / "state").mkdir(mode=0o700)
    assert check_state_dir(_config(tmp_path / "state")).ok
    fresh = check_state_dir(_config(tmp_path / "new" / "state"))
    assert fresh.ok
    assert "will be created" in fresh.detail


def test_state_dir_fails_when_open_to_others_or_a_file(tmp_path: Path) -> None:
    (tmp_path / "state").mkdir(mode=0o755)
    (tmp_path / "state").chmod(0o755)
    shared = check_state_dir(_config(tmp_path / "state"))
    assert not shared.ok
    assert f"chmod 700 {tmp_path / 'state'}" in shared.detail
    (tmp_path / "file").write_text("x")
    assert "is a file" in check_state_dir(_config(tmp_path / "file")).detail


# -- backup ----------------------------------------------------------------------------
def test_backup_check_known_answers(state: Path, tmp_path: Path) -> None:
    assert check_backup(_config(tmp_path / "new"), max_age_h=24).ok  # nothing to back up yet
    never = check_backup(_config(state), max_age_h=24)
    assert not never.ok
    assert f"rustybt backup --state {state}" in never.detail
    backup_state(state, tmp_path / "backup")
    fresh = check_backup(_config(state), max_age_h=24)
    assert fresh.ok, fresh.detail
    old = check_backup(_config(state), max_age_h=1e-9)
    assert not old.ok
    assert "h old (limit 1e-09 h)" in old.detail
    with (tmp_path / "backup" / "audit.jsonl").open("ab") as log:
        log.write(b"tampered\n")
    damaged = check_backup(_config(state), max_age_h=24)
    assert not damaged.ok
    assert "audit.jsonl does not match its manifest" in damaged.detail


# -- risk limits and disk --------------------------------------------------------------
def test_risk_limits_need_a_per_order_and_an_account_limit(tmp_path: Path) -> None:
    assert check_risk_limits(_config(tmp_path)).ok
    none = check_risk_limits(_config(tmp_path, risk=RiskLimits()))
    assert not none.ok
    assert none.detail == (
        "set max_order_quantity or max_order_notional and max_daily_loss or max_drawdown "
        "in [risk] of the live config"
    )
    half = check_risk_limits(_config(tmp_path, risk=RiskLimits(max_order_quantity=5)))
    assert half.detail.startswith("set max_daily_loss or max_drawdown in [risk]")


def test_disk_space(tmp_path: Path) -> None:
    assert check_disk(_config(tmp_path), min_free_gb=0).ok
    full = check_disk(_config(tmp_path), min_free_gb=1e12)
    assert not full.ok
    assert "need 1e+12 GB" in full.detail


# -- the venue: fake Binance -----------------------------------------------------------
@pytest.fixture
def binance() -> Iterator[VenueHarness]:
    yield from running(binance_harness)


def test_broker_reachable_and_clock_in_sync_with_the_fake_binance(
    binance: VenueHarness,
) -> None:
    reachable, rtt = check_broker(binance.broker)
    assert reachable.ok, reachable.detail
    assert rtt > 0
    clock = check_clock(binance.broker, tolerance_s=1.0)
    assert clock.ok, clock.detail
    assert "from ccxt:binance's clock" in clock.detail


def test_clock_fails_when_the_venue_is_seconds_ahead(binance: VenueHarness) -> None:
    venue = binance.knobs
    venue.book.clock_ms = lambda: int(time.time() * 1000) + 5_000  # type: ignore[attr-defined]
    clock = check_clock(binance.broker, tolerance_s=1.0)
    assert not clock.ok
    assert "s behind ccxt:binance's" in clock.detail
    assert "timedatectl set-ntp true" in clock.detail
    offset = float(clock.detail.split("this clock is ")[1].split(" s")[0])
    assert 4.0 < offset < 6.0


def test_broker_unreachable_fails(binance: VenueHarness) -> None:
    assert binance.server is not None
    binance.server.stop()
    down, _ = check_broker(binance.broker)
    assert not down.ok
    assert down.detail.startswith("ccxt:binance unreachable:")


def test_paper_broker_has_no_clock_to_compare(tmp_path: Path) -> None:
    clock = check_clock(PaperBroker(capital=CAPITAL), tolerance_s=1.0)
    assert clock.ok
    assert "no server clock: keep NTP on" in clock.detail


# -- reconciliation against the paper account ------------------------------------------
def test_reconciliation_clean_after_a_session(state: Path, tmp_path: Path) -> None:
    check = _reconcile_paper(state)
    assert check.ok, check.detail
    assert "orders; positions and cash agree" in check.detail
    fresh = check_reconciliation(_config(tmp_path / "new"), _no_books, "paper")
    assert fresh.ok
    assert fresh.detail == "new session: reconciled at its first start"


def _no_books(since: str | None) -> VenueBooks:
    raise AssertionError("a new session has nothing to compare")


def test_reconciliation_against_the_fake_binance(binance: VenueHarness, tmp_path: Path) -> None:
    """A state that knows the venue's books passes; an order of its session at the venue
    that the state never recorded (the venue is ahead of a restored backup) fails."""
    from rustybt.live.state import StateStore

    broker = binance.broker
    store = StateStore(tmp_path / "state")
    store.set("session_id", "abc123")
    store.set("last_bar_time", "2020-01-01T00:00:00+00:00")
    store.set_json(
        "baseline",
        {
            "positions": {k: str(v) for k, v in broker.positions().items()},
            "balances": {k: str(v) for k, v in broker.balances().items()},
        },
    )
    store.close()
    config = _config(tmp_path / "state", broker="ccxt:binance", cash_currency="USDT")
    clean = check_reconciliation(config, lambda since: venue_books(broker, since), broker.name)
    assert clean.ok, clean.detail
    binance.place_external("rb-abc123-7")
    ahead = check_reconciliation(config, lambda since: venue_books(broker, since), broker.name)
    assert not ahead.ok
    assert "ccxt:binance holds 1 order(s) of session abc123" in ahead.detail
    assert "rb-abc123-7" in ahead.detail


def _drop_last_order(state: Path) -> str:
    db = sqlite3.connect(state / "state.db")
    try:
        (coid,) = db.execute(
            "SELECT client_order_id FROM orders ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        db.execute("DELETE FROM fills WHERE client_order_id = ?", (coid,))
        db.execute("DELETE FROM orders WHERE client_order_id = ?", (coid,))
        db.commit()
        return str(coid)
    finally:
        db.close()


def test_reconciliation_fails_when_the_venue_has_orders_the_state_never_recorded(
    state: Path,
) -> None:
    coid = _drop_last_order(state)  # as a state restored from an older backup would be
    check = _reconcile_paper(state)
    assert not check.ok
    assert "holds 1 order(s) of session" in check.detail
    assert coid in check.detail
    assert "the state is older than the venue" in check.detail


def test_reconciliation_fails_on_books_that_differ(state: Path) -> None:
    db = sqlite3.connect(state / "state.db")
    db.execute("UPDATE fills SET price = price + 1 WHERE row = (SELECT MAX(row) FROM fills)")
    db.commit()
    db.close()
    check = _reconcile_paper(state)
    assert not check.ok
    assert check.detail.startswith("books differ from paper's: cash USD: venue")


def test_reconciliation_fails_when_the_last_one_was_incomplete(state: Path) -> None:
    db = sqlite3.connect(state / "state.db")
    record = {"at": "2024-01-02T00:00:00+00:00", "complete": False, "mismatches": ["x: y"]}
    db.execute("UPDATE meta SET value = ? WHERE key = 'last_reconciliation'", (json.dumps(record),))
    db.commit()
    db.close()
    check = _reconcile_paper(state)
    assert not check.ok
    assert "was incomplete: x: y" in check.detail
    assert f"rustybt status --state {state}" in check.detail


# -- latency ---------------------------------------------------------------------------
def test_latency_budget_known_answers(tmp_path: Path) -> None:
    fast = np.full(100, 0.002)
    ok = check_latency(_config(tmp_path), fast, 0.05, share=0.1)  # 52 ms of 6 s
    assert ok.ok
    assert ok.detail == (
        "p99 decision 2.0 ms + broker 50 ms = 52.0 ms; budget 10% of a 1m bar = 6000 ms"
    )
    slow = check_latency(_config(tmp_path, timeframe="1s"), np.full(100, 0.2), 0.0, share=0.1)
    assert not slow.ok
    assert "200.0 ms; budget 10% of a 1s bar = 100 ms: use a faster machine" in slow.detail
    bad = check_latency(_config(tmp_path, timeframe="soon"), fast, 0.0, share=0.1)
    assert not bad.ok


def test_decision_latency_is_measured_on_the_live_path() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "dual_moving_average.py"
    latencies = measure_decision_latency(example, bars=30)
    assert latencies.shape == (30,)
    assert (latencies > 0).all()
    assert latencies.max() < 5.0


# -- the whole checklist against the fake Binance ----------------------------------------
def test_run_preflight_against_a_venue(binance: VenueHarness, tmp_path: Path) -> None:
    config = _config(tmp_path / "state", broker="ccxt:binance", cash_currency="USDT")
    options = PreflightOptions(min_free_gb=0)
    opened: list[object] = []

    def open_broker() -> object:
        opened.append(binance.broker)
        return binance.broker

    checks = run_preflight(
        config,
        options,
        open_broker=open_broker,  # type: ignore[arg-type]  # the harness's CCXTBroker
        latencies=lambda: [0.001] * 50,
    )
    names = [c.name for c in checks]
    assert names == ["secrets", "state", "backup", "risk", "disk", "broker", "clock",
                     "reconciliation", "latency"]  # fmt: skip
    assert all(c.ok for c in checks), format_checks(checks)
    assert format_checks(checks)[-1] == "preflight passed: ready to trade"
    assert opened == [binance.broker]
    no_strategy = run_preflight(config, options, open_broker=open_broker)  # type: ignore[arg-type]
    assert no_strategy[-1].detail == "no strategy file to time: pass --strategy"
