"""Broker harnesses: one `Broker` plus the venue-side controls the shared tests need.

The order-lifecycle suite (test_lifecycle.py) runs against every harness made
by a factory in ``HARNESSES``. A harness says how to make the venue fill part
of an order, how to place an order outside rustybt, and how many times the venue
saw a client order id. To add a broker (the paper broker, another venue), write
a factory returning a `VenueHarness` and add it to ``HARNESSES``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from rustybt.live.adapters.alpaca import AlpacaBroker
from rustybt.live.adapters.ccxt import CCXTBroker
from rustybt.live.broker import Broker
from rustybt.live.ratelimit import RateLimiter
from rustybt.retry import RetryPolicy
from tests.live.venues import alpaca as alpaca_venue
from tests.live.venues import binance as binance_venue
from tests.live.venues.http import FakeServer

CLIENT_TIMEOUT = 0.3  # seconds: short, so timeout faults cost little wall time


class FakeClock:
    """Monotonic seconds that move only when something sleeps on them."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def fast_policy(attempts: int = 3) -> RetryPolicy:
    """The real retry policy with no waiting, so retry tests take no wall time."""
    return RetryPolicy(
        max_attempts=attempts, initial_wait=0, jitter=0, max_wait=0, sleep=lambda _s: None
    )


@dataclass
class VenueHarness:
    broker: Broker
    symbol: str
    quantity: Decimal  # a normal order size
    limit_price: Decimal  # a resting buy price (below the market)
    market_price: Decimal  # where market orders fill
    quote: str  # the cash currency
    fee_rate: Decimal
    fill: Callable[[str, Decimal, Decimal], None]  # client id, quantity, price
    place_external: Callable[[str], None]  # client id of an order placed outside rustybt
    submissions: Callable[[str], int]  # times the venue saw a client id
    server: FakeServer | None = None
    clock: FakeClock = field(default_factory=FakeClock)
    limiter: RateLimiter | None = None
    knobs: object = None  # the venue object, for venue-specific faults


def binance_harness(attempts: int = 3) -> VenueHarness:
    venue = binance_venue.BinanceVenue()
    venue.server.start()
    clock = FakeClock()
    limiter = RateLimiter(rate=1000, capacity=1000, clock=clock, sleep=clock.sleep, name="binance")
    broker = CCXTBroker(
        "binance",
        api_key=binance_venue.API_KEY,
        secret=binance_venue.SECRET,
        symbols=["BTC/USDT", "ETH/USDT"],
        urls=binance_venue.local_urls(venue.server.url),
        timeout=CLIENT_TIMEOUT,
        limiter=limiter,
        retry_policy=fast_policy(attempts),
    )
    return VenueHarness(
        broker=broker,
        symbol="BTC/USDT",
        quantity=Decimal("0.5"),
        limit_price=Decimal("29000.5"),
        market_price=venue.book.marks["BTCUSDT"],
        quote="USDT",
        fee_rate=venue.book.fee_rate,
        fill=lambda cid, qty, price: _ignore(venue.book.fill_client(cid, qty, price)),
        place_external=lambda cid: _ignore(
            venue.place_external(cid, "BTCUSDT", "buy", "0.1", "25000")
        ),
        submissions=lambda cid: venue.book.submissions[cid],
        server=venue.server,
        clock=clock,
        limiter=limiter,
        knobs=venue,
    )


def alpaca_harness(attempts: int = 3) -> VenueHarness:
    venue = alpaca_venue.AlpacaVenue()
    venue.server.start()
    clock = FakeClock()
    limiter = RateLimiter(rate=1000, capacity=1000, clock=clock, sleep=clock.sleep, name="alpaca")
    broker = AlpacaBroker(
        api_key=alpaca_venue.API_KEY,
        secret_key=alpaca_venue.SECRET,
        url_override=venue.server.url,
        timeout=CLIENT_TIMEOUT,
        limiter=limiter,
        retry_policy=fast_policy(attempts),
    )
    return VenueHarness(
        broker=broker,
        symbol="AAPL",
        quantity=Decimal("10"),
        limit_price=Decimal("189.25"),
        market_price=venue.book.marks["AAPL"],
        quote="USD",
        fee_rate=venue.book.fee_rate,
        fill=lambda cid, qty, price: _ignore(venue.book.fill_client(cid, qty, price)),
        place_external=lambda cid: _ignore(venue.place_external(cid, "AAPL", "buy", "3", "150")),
        submissions=lambda cid: venue.book.submissions[cid],
        server=venue.server,
        clock=clock,
        limiter=limiter,
        knobs=venue,
    )


def _ignore(_value: object) -> None:
    return None


HARNESSES: dict[str, Callable[[], VenueHarness]] = {
    "ccxt:binance": binance_harness,
    "alpaca": alpaca_harness,
}


def running(factory: Callable[[], VenueHarness]) -> Iterator[VenueHarness]:
    """A harness for one test, its broker closed and its server stopped afterwards."""
    harness = factory()
    try:
        yield harness
    finally:
        harness.broker.close()
        if harness.server is not None:
            harness.server.stop()
