"""The per-venue token bucket and Retry-After parsing, on a fake clock (known answers)."""

from __future__ import annotations

import email.utils

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rustybt.errors import ConfigError
from rustybt.live.ratelimit import RateLimiter, limiter_for, parse_retry_after
from tests.live.harness import FakeClock


def bucket(rate: float = 2.0, capacity: float = 3.0) -> tuple[RateLimiter, FakeClock]:
    clock = FakeClock()
    return RateLimiter(rate=rate, capacity=capacity, clock=clock, sleep=clock.sleep), clock


def test_a_full_bucket_lets_a_burst_through_then_paces_at_the_rate() -> None:
    limiter, clock = bucket(rate=2.0, capacity=3.0)
    waits = [limiter.acquire() for _ in range(6)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3:] == pytest.approx([0.5, 0.5, 0.5])
    assert clock.now - 1000.0 == pytest.approx(1.5)
    assert limiter.waited == pytest.approx(1.5)


def test_idle_time_refills_up_to_capacity_only() -> None:
    limiter, clock = bucket(rate=2.0, capacity=3.0)
    for _ in range(3):
        limiter.acquire()
    clock.now += 100.0
    assert [limiter.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire() == pytest.approx(0.5)


def test_a_pause_holds_every_request_and_restarts_empty() -> None:
    limiter, clock = bucket(rate=10.0, capacity=5.0)
    limiter.pause(7.0)
    assert limiter.paused_until == pytest.approx(1007.0)
    waited = limiter.acquire()
    # 7 s for the venue's pause, then 0.1 s for the first token of an empty bucket
    assert waited == pytest.approx(7.1)
    assert clock.now == pytest.approx(1007.1)


def test_a_shorter_pause_never_shortens_a_longer_one() -> None:
    limiter, _clock = bucket()
    limiter.pause(10.0)
    limiter.pause(2.0)
    assert limiter.paused_until == pytest.approx(1010.0)


def test_absurd_pauses_are_capped() -> None:
    limiter, _clock = bucket()
    limiter.pause(10_000.0)
    assert limiter.paused_until == pytest.approx(1300.0)


@given(
    rate=st.floats(0.5, 50.0),
    capacity=st.integers(1, 20),
    costs=st.lists(st.sampled_from([1.0, 0.5]), min_size=1, max_size=40),
)
def test_never_more_than_capacity_plus_rate_times_elapsed(
    rate: float, capacity: int, costs: list[float]
) -> None:
    limiter, clock = bucket(rate=rate, capacity=float(capacity))
    spent = 0.0
    for cost in costs:
        limiter.acquire(cost)
        spent += cost
        assert spent <= capacity + rate * (clock.now - 1000.0) + 1e-6


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [({"rate": 0, "capacity": 1}, "rate"), ({"rate": 1, "capacity": 0.5}, "capacity")],
)
def test_bad_settings_are_config_errors(kwargs: dict[str, float], word: str) -> None:
    with pytest.raises(ConfigError, match=word):
        RateLimiter(**kwargs)


def test_a_cost_above_capacity_is_refused_not_waited_for_forever() -> None:
    limiter, _clock = bucket(capacity=2.0)
    with pytest.raises(ConfigError, match="never pass"):
        limiter.acquire(3.0)


def test_retry_after_in_seconds_date_and_reset_forms() -> None:
    assert parse_retry_after({"Retry-After": "7"}) == 7.0
    assert parse_retry_after({"retry-after": " 2.5 "}) == 2.5
    date = email.utils.formatdate(1_000_030.0, usegmt=True)
    assert parse_retry_after({"Retry-After": date}, now=1_000_000.0) == 30.0
    assert parse_retry_after({"X-RateLimit-Reset": "1000012"}, now=1_000_000.0) == 12.0
    assert parse_retry_after({"Retry-After": "-3"}) == 0.0
    assert parse_retry_after({"Retry-After": "soon"}) is None
    assert parse_retry_after({}) is None
    assert parse_retry_after(None) is None


def test_one_limiter_per_venue_process_wide() -> None:
    assert limiter_for("binance") is limiter_for("binance")
    assert limiter_for("binance") is not limiter_for("alpaca")
