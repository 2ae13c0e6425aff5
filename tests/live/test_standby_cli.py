"""`rustybt paper --standby`: a warm standby on the leader's state directory takes over
when the leader is SIGKILLed, and the session ends exactly as one that never stopped;
a second plain start on a led state directory is refused; /health tells the roles apart."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from rustybt import BacktestResult
from rustybt.cli.live_commands import PaperRequest, run_paper
from rustybt.errors import ConfigError
from rustybt.live.leader import LeaderLock
from rustybt.live.state import StateStore
from tests.ops.sessions import read_only

ROOT = Path(__file__).resolve().parents[2]
NAME = "rotate"
# Rebalances on the calendar (not on a counter kept in memory), so whichever process
# decides a bar decides it as an uninterrupted session would.
STRATEGY = """
from rustybt import Strategy


class Rotate(Strategy):
    def handle_data(self, context, data):
        day = int(data.current_dt.dayofyear)
        if day % 2:
            return
        assets = list(context.assets)
        skip = (day // 2) % len(assets)
        for i, asset in enumerate(assets):
            context.order_target_percent(asset, 0.0 if i == skip else 0.2)
"""
WINDOW = (
    "--data",
    "demo",
    "--symbols",
    "SYN000,SYN001,SYN002,SYN003,SYN004",
    "--from",
    "2016-01-04",
    "--to",
    "2016-04-29",
    "--capital",
    "100000",
    "--quiet",
)


def _strategy(tmp_path: Path) -> Path:
    path = tmp_path / f"{NAME}.py"
    path.write_text(STRATEGY)
    return path


def _paper(
    strategy: Path, out: Path, state: Path, *extra: str, crash_at: str | None = None
) -> subprocess.Popen[str]:
    command = [str(Path(sys.executable).parent / "rustybt"), "paper", str(strategy), *WINDOW]
    command += ["--output", str(out), "--state", str(state), *extra]
    env = {k: v for k, v in os.environ.items() if k != "RUSTYBT_CRASH_AT"}
    if crash_at is not None:
        env["RUSTYBT_CRASH_AT"] = crash_at
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # 127.0.0.1 only
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return 0, ""


def _wait(
    what: str, ready: Callable[[], bool], *alive: subprocess.Popen[str], limit: float = 60.0
) -> None:
    deadline = time.monotonic() + limit
    while not ready():
        for process in alive:
            if process.poll() is not None:
                _, err = process.communicate()
                raise AssertionError(f"exited ({process.returncode}) before {what}: {err[-3000:]}")
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _last_bar(state: Path) -> int:
    if not (state / StateStore.FILE).is_file():
        return -1
    store = StateStore(state)
    try:
        return int(store.get("last_bar") or -1)
    finally:
        store.close()


def _first_bar() -> int:
    """The window's first bar in the replayed panel (state counts bars from the data's start)."""
    from rustybt.data.synthetic import demo_panel

    return int(demo_panel().index.get_loc(pd.Timestamp("2016-01-04", tz="UTC")))


def _standby_health(port: int) -> dict[str, object] | None:
    status, body = _get(f"http://127.0.0.1:{port}/health")
    return json.loads(body) if status == 200 else None


def test_standby_takes_over_a_killed_leader_and_the_books_equal_an_uninterrupted_run(
    tmp_path: Path,
) -> None:
    """The leader SIGKILLs itself after its 25th bar (``RUSTYBT_CRASH_AT``: a kill at a
    bar boundary, as `test_restart_equivalence`; a kill inside a send leaves an intent
    that recovery closes as never sent, never resends blindly, and the strategy decides
    again on the next bar, so that session is consistent but not the uninterrupted one)."""
    strategy = _strategy(tmp_path)
    reference = _paper(strategy, tmp_path / "ref", tmp_path / "ref-state", "--speed", "max")
    # The leader replays at 6 days a second (its 25th bar comes ~6 s after its first, time
    # for the standby to start and follow it); the standby, once leading, at full speed
    # (the replay's pace is not part of the session).
    state, port, first = tmp_path / "state", _free_port(), _first_bar()
    leader = _paper(
        strategy, tmp_path / "out", state, "--speed", "518400x", crash_at="after_bar:25"
    )
    standby: subprocess.Popen[str] | None = None
    try:
        _wait("the leader's pid file", lambda: (state / "runner.pid").is_file(), leader)
        standby = _paper(
            strategy, tmp_path / "out", state, "--speed", "max", "--standby",
            "--health-port", str(port),
        )  # fmt: skip
        # Warm: its engine follows the leader's state store (a kill now is a warm takeover).
        _wait("a warm standby", lambda: (_standby_health(port) or {}).get("warm") is True, standby)
        assert leader.poll() is None, "the machine is too slow: the leader died before"
        health = _standby_health(port)
        assert health is not None
        assert health["role"] == "standby"
        assert health["status"] == "ok"
        status, metrics = _get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        assert "rustybt_leader 0.0" in metrics
        assert leader.wait(timeout=60) == -signal.SIGKILL
        killed_at = _last_bar(state) - first
        out, err = standby.communicate(timeout=90)
        assert standby.returncode == 0, err[-3000:]
    finally:
        for process in (leader, standby):
            if process is not None and process.poll() is None:
                process.kill()
                process.communicate(timeout=30)
    _, err_ref = reference.communicate(timeout=90)
    assert reference.returncode == 0, err_ref[-3000:]
    assert "leading         epoch 2" in out  # the leader's epoch was 1
    assert killed_at == 24  # cut mid-session (the window has 83 bars)

    whole = BacktestResult.load(tmp_path / "ref" / NAME)
    taken_over = BacktestResult.load(tmp_path / "out" / NAME)
    assert len(whole.transactions) > 100
    columns = ["timestamp", "symbol", "quantity", "price", "commission", "order_id"]
    pd.testing.assert_frame_equal(
        taken_over.transactions[columns].reset_index(drop=True),
        whole.transactions[columns].reset_index(drop=True),
    )
    assert taken_over.metadata["ledger"] == whole.metadata["ledger"]  # Decimal books, exact
    assert taken_over.final_equity == whole.final_equity
    pd.testing.assert_frame_equal(taken_over.positions, whole.positions)
    # Not one order lost or sent twice: the same client order ids, each once.
    stores = StateStore(state), StateStore(tmp_path / "ref-state")
    try:
        ids = [sorted(r.client_order_id for r in s.orders()) for s in stores]
        assert len(ids[0]) == len(set(ids[0]))
        assert [i.rsplit("-", 1)[-1] for i in ids[0]] == [i.rsplit("-", 1)[-1] for i in ids[1]]
        assert stores[0].get("leader_epoch") == "2"
        # The venue (the paper broker's own database) booked each fill once, as we did.
        venue = read_only(state / "paper.db", "SELECT COUNT(*) FROM fills")
        assert venue == len(stores[0].fills()) == len(taken_over.transactions)
    finally:
        for store in stores:
            store.close()
    events = [json.loads(x) for x in (state / "audit.jsonl").read_text().splitlines()]
    assert [e["epoch"] for e in events if e["event"] == "live.takeover"] == [2]


def test_a_leader_killed_at_any_moment_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    """An outside SIGKILL lands anywhere, possibly between an intent's persist and its
    send: the standby then closes that intent as never sent (no blind resend), so the
    books may differ from an uninterrupted run, but never from the venue's."""
    strategy = _strategy(tmp_path)
    state, port, first = tmp_path / "state", _free_port(), _first_bar()
    leader = _paper(strategy, tmp_path / "out", state, "--speed", "864000x")
    standby: subprocess.Popen[str] | None = None
    try:
        _wait("the leader's pid file", lambda: (state / "runner.pid").is_file(), leader)
        standby = _paper(
            strategy, tmp_path / "out", state, "--speed", "max", "--standby",
            "--health-port", str(port),
        )  # fmt: skip
        _wait("a warm standby", lambda: (_standby_health(port) or {}).get("warm") is True, standby)
        _wait("the leader's 30th bar", lambda: _last_bar(state) >= first + 30, leader)
        leader.send_signal(signal.SIGKILL)
        assert leader.wait(timeout=30) == -signal.SIGKILL
        _, err = standby.communicate(timeout=90)
        assert standby.returncode == 0, err[-3000:]
    finally:
        for process in (leader, standby):
            if process is not None and process.poll() is None:
                process.kill()
                process.communicate(timeout=30)
    result = BacktestResult.load(tmp_path / "out" / NAME)
    store = StateStore(state)
    try:
        orders = store.orders()
        ids = [r.client_order_id for r in orders]
        assert len(ids) == len(set(ids))
        fills = len(store.fills())
        sent = sum(r.state != "not_sent" for r in orders)
    finally:
        store.close()
    assert read_only(state / "paper.db", "SELECT COUNT(*) FROM fills") == fills
    assert fills == len(result.transactions) > 100
    assert read_only(state / "paper.db", "SELECT COUNT(*) FROM orders") == sent


def test_a_second_plain_start_on_a_led_state_directory_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state"
    leader = LeaderLock(state)
    assert leader.try_acquire()  # another process's lock: flock is per open file
    try:
        request = PaperRequest(
            strategy_file=_strategy(tmp_path),
            data="demo",
            start="2016-01-04",
            speed="max",
            capital=100_000.0,
            symbols="SYN000,SYN001",
            commission_bps=5.0,
            slippage_bps=2.0,
            params=[],
            catalog=tmp_path / "catalog",
            output=tmp_path / "out",
            state=state,
            cancel_on_stop=False,
            health_port=None,
            quiet=True,
            end="2016-02-29",
        )
        with pytest.raises(ConfigError, match="already led by pid") as caught:
            run_paper(request)
        assert caught.value.hint is not None
        assert "--standby" in caught.value.hint
        assert not (tmp_path / "out" / NAME).exists()  # it traded and saved nothing
    finally:
        leader.release()


def test_a_standby_stopped_while_standing_by_exits_0_and_traded_nothing(tmp_path: Path) -> None:
    state, port = tmp_path / "state", _free_port()
    leader = LeaderLock(state)
    assert leader.try_acquire()
    try:
        standby = _paper(
            _strategy(tmp_path), tmp_path / "out", state, "--standby", "--health-port", str(port)
        )
        try:
            _wait("the standby's /health", lambda: _standby_health(port) is not None, standby)
            assert (_standby_health(port) or {})["role"] == "standby"
            standby.send_signal(signal.SIGTERM)
            out, err = standby.communicate(timeout=30)
        finally:
            if standby.poll() is None:
                standby.kill()
                standby.communicate(timeout=30)
        assert standby.returncode == 0, err[-3000:]
        assert "traded nothing" in out
        assert not (state / "runner.pid").exists()
        assert not (tmp_path / "out" / NAME).exists()
    finally:
        leader.release()


def test_health_says_the_role_and_a_standby_is_healthy_while_it_waits() -> None:
    from rustybt.live.events import LiveMetrics
    from rustybt.live.health import HealthServer, health_payload

    # A standby has no bars (so none are late) and no breaker of its own to trip.
    standby = LiveMetrics(role="standby", warm=True, breaker="halted")
    assert health_payload(standby, stale_after=1.0) == (
        200,
        {
            "status": "ok",
            "role": "standby",
            "warm": True,
            "last_bar_time": None,
            "seconds_since_last_bar": None,
            "breaker": "halted",
            "breaker_reason": None,
            "bars": 0,
            "equity": None,
            "open_orders": 0,
            "reconnects": 0,
        },
    )
    leader = LiveMetrics(breaker="halted", failovers=1)
    status, body = health_payload(leader, stale_after=1.0)
    assert (status, body["role"], body["status"]) == (503, "leader", "degraded")
    server = HealthServer(leader, port=0).start()
    try:
        _, text = _get(f"http://127.0.0.1:{server.port}/metrics")
    finally:
        server.close()
        server.close()  # idempotent: a taken-over standby's server is closed twice
    assert "rustybt_leader 1.0" in text
    assert "rustybt_failovers_total 1.0" in text


def _stub_live_adapter(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """`rustybt live` with a stand-in adapter (as test_health_config_cli): a paper venue
    and a replay feed; returns the live.toml."""
    import types

    from rustybt.data.synthetic import demo_panel
    from rustybt.live.feeds import ReplayFeed
    from rustybt.live.paper import PaperBroker

    def from_live_config(config: object, keys: dict[str, str]) -> tuple[object, object]:
        panel = demo_panel().select(start="2016-01-01", end="2016-02-29")
        return PaperBroker(capital=50_000, path=tmp_path / "venue.db"), ReplayFeed(panel)

    stub = types.ModuleType("rustybt.live.adapters.ccxt")
    stub.from_live_config = from_live_config  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "rustybt.live.adapters", types.ModuleType("adapters"))
    monkeypatch.setitem(sys.modules, "rustybt.live.adapters.ccxt", stub)
    config = tmp_path / "live.toml"
    config.write_text(
        f'[broker]\nname = "ccxt:binance"\n[session]\nstate = "{tmp_path / "st"}"\n'
        'capital = 50000\ncash_currency = "USD"\n'
    )
    return config


def test_rustybt_live_takes_the_lock_and_standby_leads_when_nobody_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rustybt.cli.live_commands import run_live

    config = _stub_live_adapter(monkeypatch, tmp_path)
    strategy = _strategy(tmp_path)
    held = LeaderLock(tmp_path / "st")
    assert held.try_acquire()
    try:
        with pytest.raises(ConfigError, match="already led by pid"):
            run_live(strategy, "ccxt:binance", config, [], tmp_path / "out")
        # A standby follows a started session: this one has not fixed its first bar.
        with pytest.raises(ConfigError, match="has not fixed its first bar"):
            run_live(strategy, "ccxt:binance", config, [], tmp_path / "out", standby=True)
    finally:
        held.release()
    result = run_live(strategy, "ccxt:binance", config, [], tmp_path / "out", standby=True)
    assert result is not None  # nobody led: the standby led, traded and saved
    assert len(result.transactions) > 10
    store = StateStore(tmp_path / "st")
    try:
        assert store.get("leader_epoch") == "1"
    finally:
        store.close()
    from rustybt.cli.live_commands import show_status

    show_status(tmp_path / "st")
    assert "leader          none" in capsys.readouterr().out
    after = LeaderLock(tmp_path / "st")
    assert after.try_acquire()  # released on the way out
    store = StateStore(tmp_path / "st")
    try:
        after.lead(store)
    finally:
        store.close()
    try:
        show_status(tmp_path / "st")
        assert f"leader          pid {os.getpid()}, epoch 2" in capsys.readouterr().out
    finally:
        after.release()


def test_a_stopping_leader_leaves_its_standbys_pid_file(tmp_path: Path) -> None:
    """The leader drops the lock before it exits: the pid file may already name the
    standby that took over, and must then be left alone."""
    from rustybt.cli.live_process import _holds

    pid_file = tmp_path / "rustybt.pid"
    assert not _holds(pid_file)  # none written
    pid_file.write_text(str(os.getpid()))
    assert _holds(pid_file)
    pid_file.write_text(str(os.getpid() + 1))  # the standby's
    assert not _holds(pid_file)
