"""The deployment files under deploy/ are checked here, since none of them can run on
this machine: no Docker engine (the Dockerfile is linted), no systemd as PID 1 (the
units are parsed and, where systemd-analyze exists, verified), no Prometheus (the
rules and the dashboard are checked against what a running health server exports)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
import yaml

from rustybt.live.config import load_live_config
from rustybt.live.events import LiveMetrics
from rustybt.live.health import HealthServer
from rustybt.ops.checks import check_risk_limits

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SYSTEMD = DEPLOY / "systemd"


def unit_settings(path: Path) -> dict[str, dict[str, list[str]]]:
    """A systemd unit as {section: {key: [values]}} (keys may repeat, as Environment=)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not key=value: {raw!r}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


# -- live.toml ---------------------------------------------------------------------------
def test_example_live_toml_loads_with_the_real_loader_and_passes_the_risk_check() -> None:
    config = load_live_config(DEPLOY / "live.toml")
    assert config.broker == "ccxt:binance"
    assert config.api_key == "BINANCE_API_KEY"  # a name, never a value
    assert config.health_port == 8787
    assert config.state == Path("/var/lib/rustybt/live-state")
    assert check_risk_limits(config).ok


# -- Dockerfile --------------------------------------------------------------------------
def _instructions() -> list[tuple[str, str]]:
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def test_dockerfile_is_multi_stage_non_root_with_a_health_check() -> None:
    instructions = _instructions()
    stages = [args for op, args in instructions if op == "FROM"]
    assert len(stages) >= 2
    assert all(re.search(r"\bAS \w+", s, re.IGNORECASE) for s in stages)
    final = instructions[max(i for i, (op, _) in enumerate(instructions) if op == "FROM") :]
    users = [args for op, args in final if op == "USER"]
    assert users
    assert users[-1].split(":")[0] not in ("root", "0")
    assert any(op == "COPY" and "--from=build" in args for op, args in final)
    (check,) = [args for op, args in instructions if op == "HEALTHCHECK"]
    port = load_live_config(DEPLOY / "live.toml").health_port
    assert f"http://127.0.0.1:{port}/health" in check  # the real endpoint and port
    assert "STOPSIGNAL" in dict(final)
    assert dict(final)["STOPSIGNAL"] == "SIGTERM"  # the runner's graceful stop


def test_dockerfile_installs_from_the_source_tree_never_rustybt_from_pypi() -> None:
    runs = [args for op, args in _instructions() if op == "RUN"]
    installs = [r for r in runs if re.search(r"\b(pip|uv)\b.*\b(install|sync|add)\b", r)]
    assert installs
    for command in installs:
        words = shlex.split(command)
        for word in words:  # `rustybt` on PyPI is an unrelated project
            assert not re.fullmatch(r"rustybt([\[=<>~!].*)?", word), command
        assert "--locked" in words  # exactly the lock file's versions
    assert 'name = "rustybt-quant"' in (ROOT / "pyproject.toml").read_text()
    copied = " ".join(args for op, args in _instructions() if op == "COPY")
    assert "uv.lock" in copied
    assert "src" in copied


def _dockerfile_cmd() -> list[str]:
    (cmd,) = [args for op, args in _instructions() if op == "CMD"]
    words: list[str] = json.loads(cmd)
    return words


def test_compose_runs_a_leader_and_a_warm_standby_on_one_state_volume() -> None:
    """Two containers of the image share the state volume and both run the image's
    command with --standby (whichever starts first leads; the one restarted after a
    failover waits warm instead of being refused), restart always, stop by SIGTERM
    with time to save, and neither mounts the state read-only."""
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert sorted(services) == ["trader-a", "trader-b"]
    state = "/var/lib/rustybt"
    assert f"WORKDIR {state}" in (DEPLOY / "Dockerfile").read_text()
    for name, service in services.items():
        assert service["image"] == "rustybt-live", name
        assert service["command"] == [*_dockerfile_cmd(), "--standby"], name
        assert service["restart"] == "always", name
        assert service["stop_signal"] == "SIGTERM", name
        assert service["init"] is True, name
        assert int(service["stop_grace_period"].rstrip("s")) >= 30, name
        assert "ALL" in service["cap_drop"], name
        volumes = [v.split(":") for v in service["volumes"]]
        assert ["rustybt-state", state] in volumes, name  # read-write, same path
        assert all(v[-1] == "ro" for v in volumes if v[0] != "rustybt-state"), name
        assert "deploy" not in service, name  # one host, exactly two: no replicas
        assert "scale" not in service, name
    assert compose["volumes"]["rustybt-state"]["driver"] == "local"  # flock needs it


# -- systemd -----------------------------------------------------------------------------
def test_live_unit_restarts_always_and_is_watched() -> None:
    unit = unit_settings(SYSTEMD / "rustybt-live.service")
    service = unit["Service"]
    assert service["Type"] == ["notify"]  # READY=1 comes from the runner
    assert service["Restart"] == ["always"]
    assert float(service["WatchdogSec"][0]) >= 10  # pings every second (test_watchdog)
    assert service["NotifyAccess"] == ["main"]
    assert service["User"][0] not in ("root", "0")
    assert service["KillSignal"] == ["SIGTERM"]
    assert "rustybt live" in service["ExecStart"][0]
    assert "ExecStartPre" not in service  # a restart after a crash must be fast
    assert not any("RUSTYBT_SECRETS_KEY=" in e for e in service.get("Environment", []))
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]
    backup = unit_settings(SYSTEMD / "rustybt-backup.service")["Service"]
    assert "rustybt backup --state /var/lib/rustybt/live-state" in backup["ExecStart"][0]
    assert unit_settings(SYSTEMD / "rustybt-backup.timer")["Timer"]["OnCalendar"] == ["hourly"]


def test_standby_unit_shares_the_state_directory_and_waits_warm() -> None:
    """The second unit runs the same session with --standby (lead if free, else wait warm
    for the leader lock), on its own health port; so does the first, so that whichever
    restarts after a failover becomes the standby instead of being refused."""
    live = unit_settings(SYSTEMD / "rustybt-live.service")
    standby = unit_settings(SYSTEMD / "rustybt-live-standby.service")
    first, second = live["Service"]["ExecStart"][0], standby["Service"]["ExecStart"][0]
    assert "--standby" in shlex.split(first)
    assert shlex.split(second) == [*shlex.split(first), "--health-port", "8788"]
    port = load_live_config(DEPLOY / "live.toml").health_port
    assert port != 8788  # two health servers on one host
    for key in ("Type", "Restart", "WatchdogSec", "NotifyAccess", "User", "KillSignal"):
        assert standby["Service"][key] == live["Service"][key], key
    assert standby["Service"]["ReadWritePaths"] == live["Service"]["ReadWritePaths"]
    assert "rustybt-live.service" in standby["Unit"]["After"][0].split()
    assert standby["Install"]["WantedBy"] == ["multi-user.target"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    """Unknown keys, bad values and bad sections are reported; the installed paths
    (/opt/rustybt) are swapped for this checkout's, which verify requires to exist."""
    rustybt = ROOT / ".venv" / "bin" / "rustybt"
    for unit in SYSTEMD.iterdir():
        text = unit.read_text().replace("/opt/rustybt/.venv/bin/rustybt", str(rustybt))
        (tmp_path / unit.name).write_text(text)
    names = sorted(p.name for p in tmp_path.iterdir())
    verify = subprocess.run(  # fixed arguments, our own files
        ["systemd-analyze", "verify", "--man=no", *names],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert verify.returncode == 0, verify.stderr
    assert verify.stderr.strip() == "", verify.stderr


# -- Prometheus and Grafana against the real exporter ------------------------------------
@pytest.fixture(scope="module")
def exported() -> set[str]:
    """Sample names a running health server exports on /metrics."""
    from prometheus_client.parser import text_string_to_metric_families

    metrics = LiveMetrics()
    metrics.outcomes.update({"submit:done": 3, "submit:unknown": 1, "cancel:failed": 1})
    metrics.latencies.extend([0.001, 0.02])
    metrics.bars, metrics.reconnects = 5, 1
    server = HealthServer(metrics, port=0).start()
    try:
        url = f"http://127.0.0.1:{server.port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as reply:  # loopback
            text = reply.read().decode()
    finally:
        server.close()
    return {s.name for family in text_string_to_metric_families(text) for s in family.samples}


def _names(expr: str) -> set[str]:
    return set(re.findall(r"\brustybt_[a-z_]+", expr))


def _rules() -> list[dict[str, object]]:
    loaded = yaml.safe_load((DEPLOY / "prometheus" / "rustybt-rules.yml").read_text())
    return [rule for group in loaded["groups"] for rule in group["rules"]]


def test_alert_rules_use_only_exported_metrics_and_cover_the_failures(
    exported: set[str],
) -> None:
    rules = _rules()
    used: set[str] = set()
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
        labels, notes = rule["labels"], rule["annotations"]
        assert isinstance(labels, dict)
        assert labels["severity"] in ("page", "warn")
        assert isinstance(notes, dict)
        assert notes["summary"]
        assert str(notes["runbook"]).startswith("docs/deployment.md#")
        expr = str(rule["expr"])
        assert expr.count("(") == expr.count(")"), rule["alert"]
        used |= _names(expr)
    assert used
    assert used <= exported, used - exported
    # breaker halted, stale bars, reconnect storms, error rate: the four
    for needed in ("rustybt_breaker_halted", "rustybt_bars_stale_total",
                   "rustybt_reconnects_total", "rustybt_broker_commands_total"):  # fmt: skip
        assert needed in used
    assert len({r["alert"] for r in rules}) == len(rules)


def test_runbook_links_point_at_real_sections_of_the_deployment_page() -> None:
    page = (ROOT / "docs" / "deployment.md").read_text()
    slugs = {
        re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in page.splitlines()
        if line.startswith("#")
    }
    for rule in _rules():
        anchor = str(rule["annotations"]["runbook"]).split("#", 1)[1]  # type: ignore[index]
        assert anchor in slugs, anchor


def test_grafana_dashboard_queries_only_exported_metrics(exported: set[str]) -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "rustybt-live.json").read_text())
    assert dashboard["uid"]
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = set().union(*(_names(e) for e in exprs))
    assert used <= exported, used - exported
    assert {"rustybt_breaker_halted", "rustybt_decision_latency_seconds_bucket"} <= used
    ids = Counter(panel["id"] for panel in dashboard["panels"])
    assert max(ids.values()) == 1


def test_prometheus_scrapes_the_configured_health_port() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    (job,) = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    port = load_live_config(DEPLOY / "live.toml").health_port
    assert job["static_configs"][0]["targets"] == [f"127.0.0.1:{port}"]
    assert config["rule_files"] == ["rustybt-rules.yml"]
    # the standby unit's health port is scraped too (roles swap at a failover)
    unit = (DEPLOY / "systemd" / "rustybt-live-standby.service").read_text()
    standby_port = re.search(r"--health-port (\d+)", unit)
    assert standby_port is not None
    assert job["static_configs"][1]["targets"] == [f"127.0.0.1:{standby_port.group(1)}"]


def test_leadership_alerts_watch_the_leader_gauge() -> None:
    rules = {str(rule["alert"]): str(rule["expr"]) for rule in _rules()}
    assert "sum(rustybt_leader" in rules["RustybtNoLeader"]
    assert rules["RustybtNoLeader"].endswith("< 1")
    assert rules["RustybtTwoLeaders"].endswith("> 1")
    assert "rustybt_failovers_total" in rules["RustybtFailover"]
