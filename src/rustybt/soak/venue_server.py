"""The faulty broker process: ``python -m rustybt.soak.venue_server CONFIG.json``.

A small HTTP/JSON venue on 127.0.0.1 over `VenueBook` (the ground truth), with the
seeded faults of `FaultPlan`. A clock thread fills open orders every bar interval.
SIGTERM writes the fault counts and exits; SIGKILL loses at most the counts of the
last half second (the books are in SQLite, synchronous=FULL).
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from dataclasses import asdict
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from rustybt.soak.faults import FaultPlan, FaultRates
from rustybt.soak.market import SYMBOLS, Market
from rustybt.soak.venue_book import VenueBook

__all__ = ["VenueConfig", "main", "rates_dict"]


class VenueConfig:
    """What the supervisor hands the broker process (a JSON file)."""

    def __init__(self, raw: dict[str, object]) -> None:
        self.db = Path(str(raw["db"]))
        self.port = int(str(raw["port"]))
        self.seed = int(str(raw["seed"]))
        self.epoch = float(str(raw["epoch"]))
        self.interval = float(str(raw["interval"]))
        self.bars = int(str(raw["bars"]))
        self.capital = Decimal(str(raw["capital"]))
        self.counts_file = Path(str(raw["counts_file"]))
        rates = raw.get("rates")
        self.rates = FaultRates(**rates) if isinstance(rates, dict) else FaultRates()

    def bar_now(self, now: float) -> int:
        return min(int((now - self.epoch) / self.interval), self.bars - 1)


class _Venue:
    def __init__(self, config: VenueConfig, incarnation: int) -> None:
        self.config = config
        self.market = Market(config.seed, config.bars)
        self.book = VenueBook(config.db, self.market, seed=config.seed * 31 + incarnation)
        self.faults = FaultPlan(config.rates, seed=config.seed * 97 + incarnation)
        self.stopping = threading.Event()

    def clock(self) -> None:
        last_dump = 0.0
        while not self.stopping.wait(self.config.interval):
            now = time.time()
            self.book.tick(self.config.bar_now(now), now, self.config.rates.partial)
            if now - last_dump > 0.5:
                self.dump_counts()
                last_dump = now

    def dump_counts(self) -> None:
        path = self.config.counts_file
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(dict(self.faults.counts)))
        tmp.replace(path)


def _handler(venue: _Venue) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the client reuses one connection
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms stall

        def log_message(self, format: str, *args: object) -> None:
            return None  # the soak makes thousands of requests; the counts say enough

        def _reply(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _refused(self) -> bool:
            status = venue.faults.refusal()
            if status is None:
                return False
            headers = {"Retry-After": "0.05"} if status == 429 else None
            self._reply(status, {"error": "injected"}, headers)
            return True

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = parse_qs(url.query)
            if url.path == "/heartbeat":  # never faulted: the stream may be silent, not this
                self._reply(200, {"ok": True, "bar": venue.config.bar_now(time.time())})
                return
            if self._refused():
                return
            book = venue.book
            if url.path.startswith("/orders/"):
                order = book.order(url.path.removeprefix("/orders/"))
                self._reply(404 if order is None else 200, order or {"error": "not found"})
            elif url.path == "/orders":
                if "open" in query:
                    self._reply(200, book.orders(open_only=True))
                else:
                    self._reply(200, book.orders(since=float(query.get("since", ["0"])[0])))
            elif url.path == "/fills":
                self._fills(int(query.get("after", ["0"])[0]))
            elif url.path in ("/positions", "/balances"):
                cash, positions = book.books(venue.config.capital)
                body = {"USD": str(cash)} if url.path == "/balances" else positions
                self._reply(200, {k: str(v) for k, v in body.items()})
            else:
                self._reply(404, {"error": f"no route {url.path}"})

        def _fills(self, after: int) -> None:
            faults = venue.faults
            if faults.silent(time.time()):
                self._reply(200, {"fills": [], "cursor": after})
                return
            fills = venue.book.fills(after)
            cursor = max((int(str(f["seq"])) for f in fills), default=after)
            if fills and faults.draw("duplicate_fills", faults.rates.duplicate_fills):
                fills = fills + faults.pick(fills)
            if len(fills) > 1 and faults.draw("out_of_order", faults.rates.out_of_order):
                faults.shuffle(fills)
            self._reply(200, {"fills": fills, "cursor": cursor})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            if self.path.startswith("/orders/") and self.path.endswith("/cancel"):
                self.rfile.read(length)
                if self._refused():
                    return
                order = venue.book.cancel(self.path.split("/")[2])
                self._reply(404 if order is None else 200, order or {"error": "not found"})
                return
            try:
                body = json.loads(self.rfile.read(length))
                coid, symbol, side = str(body["coid"]), str(body["symbol"]), str(body["side"])
                quantity = Decimal(str(body["quantity"]))
            except (KeyError, ValueError, InvalidOperation):
                self._reply(400, {"error": "bad order"})
                return
            if symbol not in SYMBOLS or side not in ("buy", "sell") or not quantity > 0:
                self._reply(400, {"error": f"invalid order {coid}"})
                return
            if self._refused():
                return
            now = time.time()
            order, created = venue.book.submit(
                coid, symbol, side, quantity, venue.config.bar_now(now), now
            )
            faults = venue.faults
            if faults.draw("timeout_after_apply", faults.rates.timeout_after_apply):
                time.sleep(faults.rates.reply_delay)  # applied; the client gives up first
                self.close_connection = True
                return
            self._reply(201 if created else 200, order)

    return Handler


def rates_dict(rates: FaultRates) -> dict[str, float]:
    """The rates as the JSON config carries them."""
    return asdict(rates)


def main(argv: list[str]) -> int:
    config = VenueConfig(json.loads(Path(argv[0]).read_text()))
    incarnation = int(argv[1]) if len(argv) > 1 else 0
    venue = _Venue(config, incarnation)
    server = ThreadingHTTPServer(("127.0.0.1", config.port), _handler(venue))
    server.daemon_threads = True

    def stop(_signum: int, _frame: object) -> None:
        venue.stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    clock = threading.Thread(target=venue.clock, daemon=True)
    clock.start()
    try:
        server.serve_forever(poll_interval=0.05)
    finally:
        venue.dump_counts()
        server.server_close()
        venue.book.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
