"""The retry policy: what is retried, how long it waits, what it logs, and the sources."""

from __future__ import annotations

import errno
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from structlog.testing import capture_logs

from rustybt import retry
from rustybt.data.sources import CSVSource, ParquetSource
from rustybt.errors import (
    BrokerTimeout,
    ConfigError,
    DataError,
    DataNotFound,
    RateLimited,
    ValidationError,
)
from rustybt.retry import RetryPolicy, is_transient, retry_call, retrying


class FakeTime:
    """A clock that only moves when the policy sleeps, and remembers every wait."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


class Flaky:
    """A callable that raises the given errors in turn, then returns ``value``."""

    def __init__(self, failures: Sequence[BaseException], value: str = "ok") -> None:
        self.failures = list(failures)
        self.calls = 0
        self.value = value

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return self.value


def policy(time: FakeTime, **overrides: float) -> RetryPolicy:
    settings: dict[str, float] = {
        "max_attempts": 4,
        "initial_wait": 0.01,
        "multiplier": 2.0,
        "max_wait": 1.0,
        "jitter": 0.0,
        "max_total": 10.0,
    }
    settings.update(overrides)
    return RetryPolicy(
        max_attempts=int(settings["max_attempts"]),
        initial_wait=settings["initial_wait"],
        multiplier=settings["multiplier"],
        max_wait=settings["max_wait"],
        jitter=settings["jitter"],
        max_total=settings["max_total"],
        sleep=time.sleep,
        clock=time.clock,
    )


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (TimeoutError("read timed out"), True),
        (ConnectionResetError("reset by peer"), True),
        (ConnectionRefusedError(), True),
        (BrokenPipeError(), True),
        (BlockingIOError(errno.EAGAIN, "try again"), True),
        (InterruptedError(), True),
        (OSError(errno.EBUSY, "device busy"), True),
        (OSError(errno.ESTALE, "stale NFS handle"), True),
        (OSError(errno.EIO, "I/O error"), False),
        (OSError("no errno"), False),
        (FileNotFoundError(errno.ENOENT, "missing"), False),
        (PermissionError(errno.EACCES, "denied"), False),
        (IsADirectoryError(errno.EISDIR, "a folder"), False),
        (ValueError("a bug"), False),
        (KeyError("a bug"), False),
        (BrokerTimeout("broker slow"), True),
        (RateLimited("429"), True),
        (DataError("bad file"), False),
        (DataError("share went away", transient=True), True),
        (ValidationError("high < low"), False),
    ],
)
def test_is_transient(error: BaseException, expected: bool) -> None:
    assert is_transient(error) is expected


def test_transient_failures_are_retried_with_exponential_waits() -> None:
    time = FakeTime()
    flaky = Flaky([TimeoutError("t1"), ConnectionResetError("t2")], value="bars")
    with capture_logs() as logs:
        assert policy(time).call("read bars.csv", flaky) == "bars"
    assert flaky.calls == 3
    assert time.waits == [0.01, 0.02]
    assert logs == [
        {
            "event": "retry.attempt",
            "log_level": "warning",
            "operation": "read bars.csv",
            "attempt": 1,
            "max_attempts": 4,
            "wait": 0.01,
            "error": "TimeoutError: t1",
            "error_type": "TimeoutError",
        },
        {
            "event": "retry.attempt",
            "log_level": "warning",
            "operation": "read bars.csv",
            "attempt": 2,
            "max_attempts": 4,
            "wait": 0.02,
            "error": "ConnectionResetError: t2",
            "error_type": "ConnectionResetError",
        },
    ]


@pytest.mark.parametrize(
    "error",
    [
        FileNotFoundError(errno.ENOENT, "no such file"),
        PermissionError(errno.EACCES, "denied"),
        ValueError("a bug"),
        DataNotFound("no bars"),
    ],
)
def test_non_transient_errors_are_raised_at_once(error: BaseException) -> None:
    time = FakeTime()
    flaky = Flaky([error])
    with capture_logs() as logs, pytest.raises(type(error)) as raised:
        policy(time).call("read", flaky)
    assert raised.value is error
    assert flaky.calls == 1
    assert time.waits == []
    assert logs == []


def test_attempts_are_bounded_and_the_last_error_is_raised_unchanged() -> None:
    time = FakeTime()
    errors = [TimeoutError(f"t{n}") for n in range(1, 6)]
    flaky = Flaky(errors)
    with capture_logs() as logs, pytest.raises(TimeoutError) as raised:
        policy(time, max_attempts=3).call("read", flaky)
    assert raised.value is errors[2]
    assert flaky.calls == 3
    assert time.waits == [0.01, 0.02]
    assert [log["attempt"] for log in logs] == [1, 2]


def test_total_time_is_bounded() -> None:
    # Waits 0.5, 1.0, 2.0 ...: attempts start at t=0, 0.5, 1.5; at 1.5 >= 1.2 it gives up.
    time = FakeTime()
    flaky = Flaky([TimeoutError()] * 50)
    with pytest.raises(TimeoutError):
        policy(time, max_attempts=50, initial_wait=0.5, max_wait=10.0, max_total=1.2).call(
            "read", flaky
        )
    assert flaky.calls == 3
    assert time.waits == [0.5, 1.0]


def test_single_attempt_policy_never_retries() -> None:
    time = FakeTime()
    flaky = Flaky([TimeoutError()])
    with pytest.raises(TimeoutError):
        policy(time, max_attempts=1).call("read", flaky)
    assert flaky.calls == 1


def test_wait_formula_known_values() -> None:
    rule = RetryPolicy(initial_wait=0.2, multiplier=2.0, max_wait=1.0, jitter=0.5)
    assert rule.wait_before(1, draw=0.0) == pytest.approx(0.2)
    assert rule.wait_before(2, draw=0.0) == pytest.approx(0.4)
    assert rule.wait_before(3, draw=0.0) == pytest.approx(0.8)
    assert rule.wait_before(1, draw=0.5) == pytest.approx(0.45)  # 0.2 + 0.5 * 0.5
    assert rule.wait_before(3, draw=0.5) == pytest.approx(1.0)  # 0.8 + 0.25, capped
    assert rule.wait_before(10_000, draw=0.9) == pytest.approx(1.0)  # overflow -> cap


@given(
    initial=st.floats(0, 5),
    multiplier=st.floats(1, 10),
    cap=st.floats(0, 60),
    jitter=st.floats(0, 2),
    draw=st.floats(0, 1, exclude_max=True),
    retry_number=st.integers(1, 2_000),
)
def test_waits_stay_within_zero_and_the_cap_and_never_shrink(
    initial: float, multiplier: float, cap: float, jitter: float, draw: float, retry_number: int
) -> None:
    rule = RetryPolicy(initial_wait=initial, multiplier=multiplier, max_wait=cap, jitter=jitter)
    wait = rule.wait_before(retry_number, draw=draw)
    assert 0.0 <= wait <= cap
    assert rule.wait_before(retry_number + 1, draw=draw) >= wait


def test_jittered_waits_fall_in_their_window() -> None:
    time = FakeTime()
    flaky = Flaky([TimeoutError()] * 3)
    policy(time, jitter=0.005).call("read", flaky)
    low = [0.01, 0.02, 0.04]
    assert all(lo <= w <= lo + 0.005 for lo, w in zip(low, time.waits, strict=True))


@pytest.mark.parametrize(
    "settings",
    [
        {"max_attempts": 0},
        {"multiplier": 0.5},
        {"initial_wait": -1.0},
        {"max_total": -0.1},
    ],
)
def test_invalid_policy_is_a_config_error(settings: dict[str, float]) -> None:
    with pytest.raises(ConfigError, match="invalid retry policy"):
        RetryPolicy(**settings)  # type: ignore[arg-type]  # each case sets one numeric field


def test_decorator_form_retries_each_call(monkeypatch: pytest.MonkeyPatch) -> None:
    time = FakeTime()
    flaky = Flaky([BlockingIOError(), BlockingIOError()], value="quotes")

    @retrying("fetch quotes", policy=policy(time))
    def fetch(prefix: str) -> str:
        return prefix + flaky()

    with capture_logs() as logs:
        assert fetch("got ") == "got quotes"
    assert fetch.__name__ == "fetch"
    assert [log["operation"] for log in logs] == ["fetch quotes", "fetch quotes"]


def test_function_and_decorator_forms_use_the_default_policy_in_force(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    time = FakeTime()
    monkeypatch.setattr(retry, "DEFAULT_POLICY", policy(time))

    flaky = Flaky([TimeoutError()], value="a")
    assert retry_call("op", flaky) == "a"

    flaky_two = Flaky([TimeoutError()], value="b")

    @retrying()
    def named_operation() -> str:
        return flaky_two()

    with capture_logs() as logs:
        assert named_operation() == "b"
    assert logs[0]["operation"].endswith("named_operation")
    assert time.waits == [0.01, 0.01]


# --- the data sources read through the policy --------------------------------------


CSV_TEXT = "timestamp,symbol,open,high,low,close,volume\n2020-01-02,AAA,10,11,9,10.5,100\n"


def _fail_then(
    real: Callable[..., pl.DataFrame], failures: list[BaseException]
) -> tuple[Callable[..., pl.DataFrame], list[int]]:
    calls = [0]

    def reader(*args: object, **kwargs: object) -> pl.DataFrame:
        calls[0] += 1
        if failures:
            raise failures.pop(0)
        return real(*args, **kwargs)

    return reader, calls


@pytest.fixture
def fast_default(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    time = FakeTime()
    monkeypatch.setattr(retry, "DEFAULT_POLICY", policy(time))
    return time


def test_csv_source_retries_a_flaky_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast_default: FakeTime
) -> None:
    path = tmp_path / "bars.csv"
    path.write_text(CSV_TEXT)
    reader, calls = _fail_then(pl.read_csv, [TimeoutError("nfs"), TimeoutError("nfs")])
    monkeypatch.setattr(pl, "read_csv", reader)
    with capture_logs() as logs:
        frame = CSVSource(path).read()
    assert calls[0] == 3
    assert frame["close"].tolist() == [10.5]
    assert [log["event"] for log in logs] == ["retry.attempt", "retry.attempt"]
    assert logs[0]["operation"] == f"read CSV {path}"


def test_csv_source_gives_up_with_a_data_error_after_the_last_attempt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast_default: FakeTime
) -> None:
    path = tmp_path / "bars.csv"
    path.write_text(CSV_TEXT)
    reader, calls = _fail_then(pl.read_csv, [TimeoutError("nfs")] * 10)
    monkeypatch.setattr(pl, "read_csv", reader)
    with pytest.raises(DataError, match="cannot read the file") as raised:
        CSVSource(path).read()
    assert calls[0] == 4
    assert isinstance(raised.value.cause, TimeoutError)


def test_csv_source_does_not_retry_a_permission_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast_default: FakeTime
) -> None:
    path = tmp_path / "bars.csv"
    path.write_text(CSV_TEXT)
    reader, calls = _fail_then(pl.read_csv, [PermissionError(errno.EACCES, "denied")])
    monkeypatch.setattr(pl, "read_csv", reader)
    with pytest.raises(DataError, match="cannot read the file"):
        CSVSource(path).read()
    assert calls[0] == 1
    assert fast_default.waits == []


def test_parquet_source_retries_a_flaky_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast_default: FakeTime
) -> None:
    path = tmp_path / "bars.parquet"
    pl.read_csv(CSV_TEXT.encode()).write_parquet(path)
    reader, calls = _fail_then(pl.read_parquet, [ConnectionResetError("smb")])
    monkeypatch.setattr(pl, "read_parquet", reader)
    frame = ParquetSource(path).read()
    assert calls[0] == 2
    assert frame["open"].tolist() == [10.0]
    assert fast_default.waits == [0.01]
