"""A tiny threaded HTTP server on 127.0.0.1 with injectable faults, for fake venues.

A venue (Binance, Alpaca) implements ``handle(request) -> Reply``. The server
runs it in a thread per connection and applies the next matching `Fault`:

- ``status`` (before the venue sees the request): reply ``status`` with the fault's
  body and headers (429/418 with Retry-After, 500 before apply).
- ``status_after_apply``: the venue applies the request, then the client gets
  ``status`` (a 5xx after the order was placed).
- ``timeout_after_apply``: apply, then stay silent past the client's timeout.
- ``disconnect_after_apply``: apply, then close the connection without a reply.
- ``garbage_after_apply``: apply, then answer 200 with a body that is not JSON.

``stop()`` closes the listening socket (clients then get "connection refused");
``start()`` opens it again on the same port, the venue's books intact.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

FAULT_KINDS = frozenset(
    {
        "status",
        "status_after_apply",
        "timeout_after_apply",
        "disconnect_after_apply",
        "garbage_after_apply",
    }
)


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]  # query string and form body merged
    json: Any
    headers: dict[str, str]
    raw_query: str
    raw_body: str


@dataclass
class Reply:
    status: int
    body: Any  # JSON-serialisable, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Fault:
    kind: str
    method: str | None = None
    path: str | None = None  # exact path or a prefix ending in "*"
    times: int = 1
    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 1.0  # seconds of silence for timeout_after_apply

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}")

    def matches(self, request: Request) -> bool:
        if self.method is not None and self.method != request.method:
            return False
        if self.path is None:
            return True
        if self.path.endswith("*"):
            return request.path.startswith(self.path[:-1])
        return request.path == self.path


class FakeServer:
    """Serves ``handle`` on 127.0.0.1; the port survives ``stop()``/``start()``."""

    def __init__(self, handle: Callable[[Request], Reply]) -> None:
        self._handle = handle
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.requests: list[Request] = []
        self.port = 0
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def calls(self, method: str, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.method == method and r.path == path]

    def start(self) -> FakeServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return None  # keep pytest output clean

            def setup(self) -> None:
                super().setup()
                with server._lock:
                    server._connections.add(self.connection)

            def finish(self) -> None:
                with server._lock:
                    server._connections.discard(self.connection)
                super().finish()

            def do_GET(self) -> None:
                server._serve(self)

            do_POST = do_DELETE = do_PATCH = do_PUT = do_GET

        httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        httpd.daemon_threads = True
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the listening socket and every open connection (keep-alive ones too)."""
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _next_fault(self, request: Request) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(request):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        request = _read_request(handler)
        with self._lock:
            self.requests.append(request)
        fault = self._next_fault(request)
        if fault is not None and fault.kind == "status":
            _send(handler, Reply(fault.status, fault.body, fault.headers))
            return
        reply = self._handle(request)
        if fault is None:
            _send(handler, reply)
        elif fault.kind == "status_after_apply":
            _send(handler, Reply(fault.status, fault.body, fault.headers))
        elif fault.kind == "garbage_after_apply":
            _send(
                handler, Reply(200, b"<html>upstream hiccup</html>", {"Content-Type": "text/html"})
            )
        elif fault.kind == "disconnect_after_apply":
            handler.close_connection = True
        else:  # timeout_after_apply: silent past the client's timeout, then drop it
            time.sleep(fault.delay)
            handler.close_connection = True


def _read_request(handler: BaseHTTPRequestHandler) -> Request:
    parts = urlsplit(handler.path)
    length = int(handler.headers.get("Content-Length") or 0)
    raw_body = handler.rfile.read(length).decode() if length else ""
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    body_json: Any = None
    content_type = handler.headers.get("Content-Type", "")
    if raw_body and "json" in content_type:
        body_json = json.loads(raw_body)
    elif raw_body:
        params.update(dict(parse_qsl(raw_body, keep_blank_values=True)))
    return Request(
        method=handler.command,
        path=parts.path,
        params=params,
        json=body_json,
        headers={k: v for k, v in handler.headers.items()},
        raw_query=parts.query,
        raw_body=raw_body,
    )


def _send(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
    if isinstance(reply.body, bytes):
        payload = reply.body
        content_type = reply.headers.get("Content-Type", "application/octet-stream")
    elif reply.body is None:
        payload = b""
        content_type = "application/json"
    else:
        payload = json.dumps(reply.body).encode()
        content_type = "application/json;charset=UTF-8"
    handler.send_response(reply.status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(payload)))
    for key, value in reply.headers.items():
        if key.lower() != "content-type":
            handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(payload)
