"""The health endpoint (127.0.0.1 only): ``/health`` (JSON) and ``/metrics`` (Prometheus).

``/health`` answers 200 while bars are being processed and the breaker is not
tripped, 503 otherwise, with the time of the last processed bar, the risk state
and the process's ``role``: ``leader`` (trading) or ``standby`` (a warm standby
waiting for the leader lock: healthy, it has no bars to be late with). ``/metrics`` is rendered by prometheus-client (the ``[live]`` extra,
imported when the server starts): decision latency histogram, orders by
outcome, reconnects, bars, breaker state. `notify_systemd` sends sd_notify
``READY=1`` / ``WATCHDOG=1`` when the process runs under systemd.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from rustybt.errors import ConfigError
from rustybt.install import extra_hint
from rustybt.live.events import LATENCY_BUCKETS, LiveMetrics

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

__all__ = ["HealthServer", "health_payload", "notify_systemd"]

LOOPBACK = "127.0.0.1"


def health_payload(
    metrics: LiveMetrics, *, stale_after: float | None
) -> tuple[int, dict[str, object]]:
    """(HTTP status, body) of ``/health``."""
    with metrics.lock:
        age = None if metrics.last_bar_wall is None else time.time() - metrics.last_bar_wall
        standby = metrics.role == "standby"
        body: dict[str, object] = {
            "status": "ok",
            "role": metrics.role,
            "warm": metrics.warm,
            "last_bar_time": metrics.last_bar_time,
            "seconds_since_last_bar": None if age is None else round(age, 3),
            "breaker": metrics.breaker,
            "breaker_reason": metrics.breaker_reason,
            "bars": metrics.bars,
            "equity": metrics.equity,
            "open_orders": metrics.open_orders,
            "reconnects": metrics.reconnects,
        }
    unhealthy = not standby and (
        metrics.breaker != "ok"
        or (stale_after is not None and age is not None and age > stale_after)
    )
    if unhealthy:
        body["status"] = "degraded"
    return (503 if unhealthy else 200), body


class _Collector:
    """Reads `LiveMetrics` at scrape time (no second copy of the counters)."""

    def __init__(self, metrics: LiveMetrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import (
            CounterMetricFamily,
            GaugeMetricFamily,
            HistogramMetricFamily,
        )

        m = self.metrics
        with m.lock:
            latencies = list(m.latencies)
            outcomes = dict(m.outcomes)
            reconnects, bars, halted = m.reconnects, m.bars, m.breaker != "ok"
            rejected, stale = m.bars_rejected, m.bars_stale
            leading, failovers = m.role == "leader", m.failovers
        buckets = [(str(b), sum(1 for x in latencies if x <= b)) for b in LATENCY_BUCKETS]
        buckets.append(("+Inf", len(latencies)))
        yield HistogramMetricFamily(
            "rustybt_decision_latency_seconds",
            "Bar arrival to end of the strategy's decision (orders sent).",
            buckets=buckets,
            sum_value=sum(latencies),
        )
        orders = CounterMetricFamily(
            "rustybt_broker_commands",
            "Broker commands by kind and outcome.",
            labels=["command", "outcome"],
        )
        for key, count in sorted(outcomes.items()):
            command, _, outcome = key.partition(":")
            orders.add_metric([command, outcome], count)
        yield orders
        yield CounterMetricFamily("rustybt_reconnects", "Broker reconnections.", value=reconnects)
        yield CounterMetricFamily("rustybt_bars", "Bars processed.", value=bars)
        yield CounterMetricFamily(
            "rustybt_bars_rejected", "Bars rejected by validation.", value=rejected
        )
        yield CounterMetricFamily("rustybt_bars_stale", "Bars too late to trade on.", value=stale)
        yield GaugeMetricFamily(
            "rustybt_breaker_halted", "1 while the circuit breaker is tripped.", value=int(halted)
        )
        yield GaugeMetricFamily(
            "rustybt_leader",
            "1 while this process leads (trades), 0 as a standby.",
            value=int(leading),
        )
        yield CounterMetricFamily(
            "rustybt_failovers", "Warm takeovers by this process.", value=failovers
        )


class HealthServer:
    """Serve ``/health`` and ``/metrics`` on 127.0.0.1:``port`` in a daemon thread."""

    def __init__(
        self, metrics: LiveMetrics, *, port: int = 0, stale_after: float | None = None
    ) -> None:
        try:
            from prometheus_client import CollectorRegistry
            from prometheus_client.exposition import generate_latest
        except ImportError as exc:
            raise ConfigError(
                "the health server needs prometheus-client",
                hint=extra_hint("live"),
            ) from exc
        # Imported here, not at module level: a session without a health port (and
        # every restart before its first decision) does not pay for http.server.
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Collector(metrics))

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/health":
                    status, body = health_payload(metrics, stale_after=stale_after)
                    payload, kind = json.dumps(body).encode(), "application/json"
                elif self.path == "/metrics":
                    status, payload = 200, generate_latest(registry)
                    kind = "text/plain; version=0.0.4"
                else:
                    status, payload, kind = 404, b"not found\n", "text/plain"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                return None  # scrapes every few seconds would flood stderr

        self._server = ThreadingHTTPServer((LOOPBACK, port), Handler)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._closed = False

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving (idempotent: a standby's server is closed by the runner, a
        leader's by its session, and a taken-over standby's by both)."""
        if self._closed:
            return
        self._closed = True
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()


def notify_systemd(message: str) -> bool:
    """Send an sd_notify message (``READY=1``, ``WATCHDOG=1``); False when not under systemd."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.connect(address)
        sock.sendall(message.encode())
    return True
