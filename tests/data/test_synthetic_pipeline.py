"""The two-thread work sharing of the synthetic generator (`TwoThreadPipeline`).

Each stream's tasks must run once each, in batch order, never two at a time (a
random generator must see its blocks in order), and a batch is handed over only
once all its streams are done; whichever thread runs a task, the panel's bytes
are the same (`test_synthetic_identical.py` pins them).
"""

from __future__ import annotations

import random
import threading
import time

import pytest

from rustybt.data.synthetic import generate, pipeline
from rustybt.data.synthetic.pipeline import StreamTask, TwoThreadPipeline
from tests.data.test_synthetic_identical import BUILDERS, EXPECTED, digest_panel


class _Recorder:
    """A task that logs (stream, batch, thread) and checks the ordering rules as it runs."""

    def __init__(self, n_streams: int, seed: int, worker_delay: float = 0.0) -> None:
        self.lock = threading.Lock()
        self.log: list[tuple[int, int, bool]] = []
        self.running = [False] * n_streams
        self.finished = [0] * n_streams
        self.rng = random.Random(seed)
        self.worker_delay = worker_delay
        self.violations: list[str] = []

    def __call__(self, stream: int, batch: int, on_worker: bool) -> None:
        with self.lock:
            if self.running[stream]:
                self.violations.append(f"stream {stream} ran two tasks at once")
            if self.finished[stream] != batch:
                self.violations.append(f"stream {stream} ran batch {batch} out of order")
            self.running[stream] = True
            pause = self.rng.random() * 2e-4
        time.sleep(pause + (self.worker_delay if on_worker else 0.0))
        with self.lock:
            self.running[stream] = False
            self.finished[stream] += 1
            self.log.append((stream, batch, on_worker))


@pytest.mark.parametrize(
    ("n_streams", "n_batches", "ahead", "seed"),
    [(1, 1, 0, 0), (1, 7, 2, 1), (5, 12, 1, 2), (5, 12, 0, 3), (3, 20, 4, 4), (2, 0, 1, 5)],
)
def test_every_task_runs_once_in_stream_order_and_batches_wait_for_all(
    n_streams: int, n_batches: int, ahead: int, seed: int
) -> None:
    task = _Recorder(n_streams, seed)
    handed: list[int] = []
    for batch in TwoThreadPipeline(task, n_streams, n_batches, ahead).batches():
        with task.lock:
            # Every stream has finished this batch before it is handed over.
            assert all(done > batch for done in task.finished)
        handed.append(batch)
    assert handed == list(range(n_batches))
    assert task.violations == []
    assert sorted((stream, batch) for stream, batch, _ in task.log) == [
        (stream, batch) for stream in range(n_streams) for batch in range(n_batches)
    ]


def test_the_caller_takes_over_work_when_the_worker_is_slow() -> None:
    task = _Recorder(4, seed=6, worker_delay=0.002)
    batches = list(TwoThreadPipeline(task, 4, 10, 1).batches())
    assert batches == list(range(10))
    assert task.violations == []
    by_caller = [entry for entry in task.log if not entry[2]]
    by_worker = [entry for entry in task.log if entry[2]]
    assert by_caller, "the caller ran none of the tasks"
    assert by_worker, "the worker ran none of the tasks"


def test_a_worker_error_is_raised_by_the_caller_and_the_thread_ends() -> None:
    before = threading.active_count()

    def failing(stream: int, batch: int, on_worker: bool) -> None:
        if batch == 3:
            raise ValueError(f"task {stream}/{batch} failed")

    with pytest.raises(ValueError, match="failed"):
        for _ in TwoThreadPipeline(failing, 2, 6, 2).batches():
            pass
    assert threading.active_count() == before


def test_stopping_early_ends_the_worker() -> None:
    before = threading.active_count()
    task = _Recorder(2, seed=7)
    batches = TwoThreadPipeline(task, 2, 50, 2).batches()
    assert next(batches) == 0
    batches.close()
    assert threading.active_count() == before
    # The worker stopped near the caller: at most `ahead` batches past it, per stream.
    assert max(batch for _, batch, _ in task.log) <= 2


@pytest.mark.parametrize("slow_side", ["worker", "caller"])
@pytest.mark.parametrize("case", ["50x2520d", "index_as_asset_wide", "gaussian_no_jumps"])
def test_the_bytes_do_not_depend_on_which_thread_draws(
    case: str, slow_side: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Slowing one side moves the draws to the other: a slow worker leaves the
    # caller most streams, a slow caller leaves them to the worker.
    original = TwoThreadPipeline.__init__
    built: list[int] = []

    def slowed(self: TwoThreadPipeline, run: StreamTask, *args: int) -> None:
        built.append(args[0])

        def run_slowed(stream: int, batch: int, on_worker: bool) -> None:
            if on_worker == (slow_side == "worker"):
                time.sleep(0.0005)
            run(stream, batch, on_worker)

        original(self, run_slowed, *args)

    monkeypatch.setattr(pipeline.TwoThreadPipeline, "__init__", slowed)
    monkeypatch.setattr(generate, "THREAD_MIN_ELEMENTS", 0)
    monkeypatch.setattr(generate, "_usable_cpus", lambda: 2)  # even if pinned to one CPU
    monkeypatch.setattr(generate, "BLOCK_ELEMENTS", 2_000)
    monkeypatch.setattr(generate, "SHOCK_BATCH_BLOCKS", 3)
    assert digest_panel(BUILDERS[case]()) == EXPECTED[case]
    # The shocks and, unless the index is a column, the four bar fields' factors.
    assert built == [1 if case.startswith("index") else 5]


def test_one_usable_cpu_keeps_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generate, "THREAD_MIN_ELEMENTS", 0)
    monkeypatch.setattr(generate, "_usable_cpus", lambda: 1)
    before = threading.active_count()
    started: list[int] = []
    monkeypatch.setattr(pipeline, "TwoThreadPipeline", lambda *args: started.append(1))
    assert digest_panel(BUILDERS["50x2520d"]()) == EXPECTED["50x2520d"]
    assert started == []
    assert threading.active_count() == before
