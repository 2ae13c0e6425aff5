"""Known answers for the soak harness's parts: the venue's books and idempotent client
ids, the adapter's outcomes against the real broker process, the feed's bad bars."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from rustybt.live.broker import OrderRequest, Outcome, VenueOrderStatus
from rustybt.soak.client import SoakBroker
from rustybt.soak.faults import FaultRates
from rustybt.soak.feed import SoakFeed
from rustybt.soak.market import Market
from rustybt.soak.supervisor import _free_port
from rustybt.soak.venue_book import VenueBook
from rustybt.soak.venue_server import rates_dict

NO_FAULTS = FaultRates(*(0.0,) * 8, reply_delay=0)


def test_venue_book_fills_and_books_to_the_cent(tmp_path: Path) -> None:
    market = Market(3, 100)
    book = VenueBook(tmp_path / "venue.db", market, seed=3)
    order, created = book.submit("c1", "SOAKA", "buy", Decimal(10), 0, 0.0)
    again, created_again = book.submit("c1", "SOAKA", "buy", Decimal(10), 0, 0.0)
    assert created
    assert not created_again
    assert again["seq"] == order["seq"]
    book.tick(5, 1.0, partial_rate=1.0)  # half now
    book.tick(6, 2.0, partial_rate=0.0)  # the rest
    fills = book.fills(0)
    assert [f["quantity"] for f in fills] == ["5", "5"]
    p5, p6 = market.price("SOAKA", 5), market.price("SOAKA", 6)
    fee5 = (5 * p5 * Decimal("0.0005")).quantize(Decimal("0.01"))
    fee6 = (5 * p6 * Decimal("0.0005")).quantize(Decimal("0.01"))
    cash, positions = book.books(Decimal(1000))
    assert cash == Decimal(1000) - 5 * p5 - 5 * p6 - fee5 - fee6
    assert positions == {"SOAKA": Decimal(10)}
    assert book.order("c1")["status"] == "filled"  # type: ignore[index]
    book.close()


@pytest.fixture
def venue(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port = _free_port()
    config = tmp_path / "venue.json"
    rates = rates_dict(FaultRates(*(0.0,) * 2, timeout_after_apply=1.0, reply_delay=1.0))
    rates.update(duplicate_fills=0, out_of_order=0, silence_start=0, partial=0)
    config.write_text(
        json.dumps(
            {
                "db": str(tmp_path / "venue.db"),
                "port": port,
                "seed": 1,
                "epoch": time.time(),
                "interval": 0.02,
                "bars": 10_000,
                "capital": "100000",
                "counts_file": str(tmp_path / "counts-1.json"),
                "rates": rates,
            }
        )
    )
    process = subprocess.Popen([sys.executable, "-m", "rustybt.soak.venue_server", str(config)])
    try:
        deadline = time.monotonic() + 15
        broker = SoakBroker(port, Market(1, 10_000).index)
        while time.monotonic() < deadline:
            try:
                broker._call("GET", "/heartbeat")
                break
            except OSError:
                time.sleep(0.05)
        yield port, tmp_path
    finally:
        process.terminate()
        process.wait(timeout=10)


def _request(coid: str) -> OrderRequest:
    return OrderRequest(coid, "SOAKB", "buy", Decimal(3), "market")


def test_timeout_after_apply_is_unknown_and_resolved_by_id(venue: tuple[int, Path]) -> None:
    port, _ = venue
    broker = SoakBroker(port, Market(1, 10_000).index, timeout=0.2)
    result = broker.submit(_request("rb-x-1"))
    assert result.outcome is Outcome.UNKNOWN  # applied, the reply never came
    found = broker.order_status("rb-x-1")
    assert found is not None
    assert found.quantity == Decimal(3)
    time.sleep(0.1)
    fills, cursor = broker.fills_since(None)
    assert [f.client_order_id for f in fills] == ["rb-x-1"]
    assert cursor == "1"
    assert broker.order_status("rb-x-1").status is VenueOrderStatus.FILLED  # type: ignore[union-attr]
    assert broker.positions() == {"SOAKB": Decimal(3)}


def test_naive_client_duplicates_after_a_timeout(venue: tuple[int, Path]) -> None:
    port, _ = venue
    broker = SoakBroker(port, Market(1, 10_000).index, timeout=0.2, naive=True)
    broker.submit(_request("rb-y-1"))
    ids = {o.client_order_id for o in broker.recent_orders(Market(1, 1).index[0])}
    assert {"rb-y-1", "rb-y-1-resend1"} <= ids  # the same intent twice at the venue


def test_refused_connection_is_a_definitive_failure() -> None:
    broker = SoakBroker(_free_port(), Market(1, 10).index, timeout=0.2)
    result = broker.submit(_request("rb-z-1"))
    assert result.outcome is Outcome.FAILED


def test_feed_drops_redelivered_bars_and_passes_bad_ones_to_validation() -> None:
    market = Market(5, 400, bad_rate=0.2)
    kinds = market.bad.kinds
    feed = SoakFeed(market, epoch=time.time() - 400 * 0.02, interval=0.02)
    delivered = []
    while not feed.finished:
        item = feed.next_bar(timeout=0.1)
        assert item is not None  # every bar is past due: no waiting
        delivered.append(item)
    assert [d.bar for d in delivered] == list(range(400))  # each bar once, in order
    assert feed.duplicates_dropped == market.bad.count("duplicate") - (
        399 in kinds and kinds[399] == "duplicate"
    )
    gap = next(n for n, k in kinds.items() if k == "gap")
    assert all(math.isnan(v) for v in delivered[gap].close)
    high_low = next(n for n, k in kinds.items() if k == "high_low")
    assert delivered[high_low].high[0] < delivered[high_low].low[0]
    assert delivered[5].due is not None
    assert delivered[5].due < time.monotonic()
