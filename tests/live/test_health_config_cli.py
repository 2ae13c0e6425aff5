"""Health and metrics endpoints, the live.toml loader, and the paper/status/stop/
reset-breaker commands."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from rustybt.errors import ConfigError
from rustybt.live.config import load_live_config
from rustybt.live.events import LiveMetrics
from rustybt.live.health import HealthServer, health_payload, notify_systemd

ROOT = Path(__file__).resolve().parents[2]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # 127.0.0.1 only
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_health_and_metrics_endpoints_on_loopback() -> None:
    metrics = LiveMetrics()
    metrics.bars, metrics.last_bar_time, metrics.last_bar_wall = 3, "2024-01-02", time.time()
    for latency in (0.001, 0.002, 0.3):
        metrics.observe_latency(latency)
    metrics.outcomes["submit:done"] += 2
    metrics.outcomes["submit:unknown"] += 1
    server = HealthServer(metrics, port=0).start()
    try:
        status, body = _get(f"http://127.0.0.1:{server.port}/health")
        assert status == 200
        payload = json.loads(body)
        assert payload["last_bar_time"] == "2024-01-02"
        assert payload["breaker"] == "ok"
        status, text = _get(f"http://127.0.0.1:{server.port}/metrics")
        assert status == 200
        assert 'rustybt_decision_latency_seconds_bucket{le="0.0025"} 2.0' in text
        assert "rustybt_decision_latency_seconds_count 3.0" in text
        assert 'rustybt_broker_commands_total{command="submit",outcome="unknown"} 1.0' in text
        assert "rustybt_breaker_halted 0.0" in text
        metrics.breaker = "halted"
        status, body = _get(f"http://127.0.0.1:{server.port}/health")
        assert status == 503
        assert json.loads(body)["status"] == "degraded"
        assert _get(f"http://127.0.0.1:{server.port}/nope")[0] == 404
    finally:
        server.close()


def test_health_is_degraded_when_bars_stop() -> None:
    metrics = LiveMetrics()
    metrics.last_bar_wall = time.time() - 100
    status, body = health_payload(metrics, stale_after=60)
    assert status == 503
    assert body["seconds_since_last_bar"] >= 100  # type: ignore[operator]


def test_sd_notify_only_under_systemd(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import socket

    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert notify_systemd("READY=1") is False
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))
        assert notify_systemd("WATCHDOG=1") is True
        assert sock.recv(64) == b"WATCHDOG=1"


LIVE_TOML = """
[broker]
name = "ccxt:binance"
api_key = "BINANCE_API_KEY"
api_secret = "BINANCE_API_SECRET"
options = { sandbox = true }

[feed]
symbols = ["BTC/USDT"]
timeframe = "1m"

[session]
state = "live-state"
capital = 10000
cash_currency = "USDT"
stale_after = 90
health_port = 8787

[risk]
max_order_notional = 1000
max_daily_loss = 0.05
restricted = ["DOGE/USDT"]
"""


def test_live_config_loads_every_section(tmp_path: Path) -> None:
    path = tmp_path / "live.toml"
    path.write_text(LIVE_TOML)
    config = load_live_config(path)
    assert config.broker == "ccxt:binance"
    assert config.api_key == "BINANCE_API_KEY"
    assert config.broker_options == {"sandbox": True}
    assert config.symbols == ("BTC/USDT",)
    assert config.capital == 10_000
    assert config.cash_currency == "USDT"
    assert config.stale_after == 90
    assert config.risk.max_order_notional == 1000
    assert config.risk.restricted == ("DOGE/USDT",)
    assert load_live_config(path, broker="alpaca").broker == "alpaca"
    assert (config.feed_start, config.feed_bars) == (None, None)
    path.write_text(
        LIVE_TOML.replace(
            'timeframe = "1m"', 'timeframe = "1m"\nstart = "2024-01-02T14:30:00Z"\nbars = 390'
        )
    )
    bounded = load_live_config(path)
    assert (bounded.feed_start, bounded.feed_bars) == ("2024-01-02T14:30:00Z", 390)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('api_key = "BINANCE_API_KEY"', 'api_key = "sk-live-123"'), "must NAME a secret"),
        (("max_daily_loss = 0.05", "max_daily_loss = -1"), "max_daily_loss must be positive"),
        (("max_daily_loss = 0.05", "max_daily_los = 0.05"), "unknown key"),
        (('name = "ccxt:binance"', 'name = "ib"'), "broker must be"),
        (("[feed]", "[feeds]"), "unknown table"),
        (('timeframe = "1m"', 'timeframe = "1m"\nbars = 0'), "bars must be a whole number"),
        (('timeframe = "1m"', 'timeframe = "1m"\nstart = 2024'), "start must be a quoted time"),
        (('timeframe = "1m"', 'timeframe = "1m"\nstart = "soon"'), "start must be a quoted time"),
    ],
)
def test_live_config_errors_name_what_to_fix(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    path = tmp_path / "live.toml"
    path.write_text(LIVE_TOML.replace(*edit))
    with pytest.raises(ConfigError, match=message):
        load_live_config(path)


def _cli(*args: str, **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "rustybt"), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,  # type: ignore[call-overload]
    )


def test_paper_status_stop_reset_breaker_from_the_command_line(tmp_path: Path) -> None:
    state = tmp_path / "state"
    strategy = ROOT / "examples" / "dual_moving_average.py"
    # A slow replay (one bar every ~20 ms) so that `stop` finds it running.
    paper = _cli(
        "paper",
        str(strategy),
        "--data",
        "demo",
        "--from",
        "2018-01-02",
        "--speed",
        "4000000x",
        "--output",
        str(tmp_path / "out"),
        "--state",
        str(state),
        "--quiet",
    )
    deadline = time.monotonic() + 60
    while not (state / "runner.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    stop = _cli("stop", "--state", str(state))
    out, err = stop.communicate(timeout=60)
    assert stop.returncode == 0, err
    assert "stopped session" in out
    out, err = paper.communicate(timeout=60)
    assert paper.returncode == 0, err
    assert "saved result" in out
    assert (tmp_path / "out" / "dual_moving_average").is_dir()
    events = [json.loads(x) for x in (state / "audit.jsonl").read_text().splitlines()]
    stopped = [e for e in events if e["event"] == "live.stopped"]
    assert stopped[0]["reason"] == "signal SIGTERM"
    status = _cli("status", "--state", str(state))
    out, err = status.communicate(timeout=60)
    assert status.returncode == 0, err
    assert "not running" in out
    assert "reconciliation" in out
    assert "complete" in out
    reset = _cli("reset-breaker", "--state", str(state), "--note", "drill")
    out, _ = reset.communicate(timeout=60)
    assert "nothing to reset" in out
    missing = _cli("status", "--state", str(tmp_path / "nowhere"))
    _, err = missing.communicate(timeout=60)
    assert missing.returncode == 2
    assert "no live state" in err


def test_public_feed_errors_name_what_to_fix() -> None:
    import importlib.util

    from rustybt.live.adapters_loader import open_public_feed

    with pytest.raises(ConfigError, match="--feed must be ccxt:<exchange>"):
        open_public_feed("kraken", ("BTC/USD",), "1m")
    with pytest.raises(ConfigError, match="--feed needs --symbols"):
        open_public_feed("ccxt:binance", (), "1m")
    if importlib.util.find_spec("rustybt.live.adapters") is None:
        with pytest.raises(ConfigError, match="the ccxt feed is not available"):
            open_public_feed("ccxt:binance", ("BTC/USDT",), "1m")


def test_rustybt_live_wires_config_adapter_risk_and_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`rustybt live` with a stand-in adapter module (the real ones are the [live]
    extra): the config's state, capital and risk limits reach the runner."""
    import types

    from rustybt.cli.live_commands import run_live
    from rustybt.data.synthetic import demo_panel
    from rustybt.live.feeds import ReplayFeed
    from rustybt.live.paper import PaperBroker

    seen: dict[str, object] = {}

    def from_live_config(config: object, keys: dict[str, str]) -> tuple[object, object]:
        seen["config"], seen["keys"] = config, keys
        panel = demo_panel().select(start="2016-01-01", end="2016-03-31")
        return PaperBroker(capital=50_000, path=tmp_path / "venue.db"), ReplayFeed(panel)

    stub = types.ModuleType("rustybt.live.adapters.ccxt")
    stub.from_live_config = from_live_config  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "rustybt.live.adapters", types.ModuleType("adapters"))
    monkeypatch.setitem(sys.modules, "rustybt.live.adapters.ccxt", stub)
    config = tmp_path / "live.toml"
    config.write_text(
        f'[broker]\nname = "ccxt:binance"\n[session]\nstate = "{tmp_path / "st"}"\n'
        'capital = 50000\ncash_currency = "USD"\n[risk]\nmax_order_quantity = 1\n'
    )
    strategy = ROOT / "examples" / "dual_moving_average.py"
    result = run_live(strategy, "ccxt:binance", config, [], tmp_path / "out")
    # The stopped session's result folder, as `rustybt run` writes it.
    from rustybt import BacktestResult

    saved = BacktestResult.load(tmp_path / "out" / "dual_moving_average")
    assert saved.final_equity == result.final_equity
    assert (tmp_path / "out" / "dual_moving_average" / "report.html").is_file()
    assert seen["keys"] == {}
    assert (tmp_path / "st" / "state.db").is_file()
    assert (tmp_path / "st" / "audit.jsonl").is_file()
    # max_order_quantity = 1 trips the breaker on the strategy's first order.
    reasons = result.orders["reason"].dropna()
    assert reasons.str.startswith("risk control").sum() == 1
    assert reasons.str.startswith("trading halted: circuit breaker").sum() == len(reasons) - 1
    assert len(reasons) > 1
