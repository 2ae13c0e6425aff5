"""Share a generator's per-stream work between the caller and one worker thread.

The synthetic generator's work comes in *streams* (the Student-t shocks, each bar field's
random factors), each of which must run its batches of bars in order, because a
random generator must see its blocks in bar order to give the same numbers; the
streams themselves are independent. `TwoThreadPipeline` runs them on two threads:

* the worker thread takes the oldest task it may run (the next batch of a stream
  whose previous batch is finished), at most ``ahead`` batches past the caller's;
* the caller, at batch ``k``, first runs itself every task of ``k`` the worker has
  not started (taking them from the other end of the stream list), then waits
  for the rest of ``k`` and hands the batch over.

So neither thread idles while the other has work of the current batch left: the
split follows whichever thread is slowed (other processes, page faults of fresh
memory) instead of being fixed in advance. numpy draws and computes without the
GIL, so the two threads run in parallel. A stream's tasks never run at the same
time, and each runs after the one before it, whichever thread runs them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterator

import numpy as np

from rustybt.data.bars import FloatArray

from .model import ReturnBlocks
from .ohlcv import BarBlocks, Bars

__all__ = ["TwoThreadPipeline", "draw_on_two_threads"]

#: ``run(stream, batch, on_worker)``: do ``stream``'s work for ``batch``; ``on_worker``
#: says which thread runs it (so that each thread uses its own scratch space).
StreamTask = Callable[[int, int, bool], None]


class TwoThreadPipeline:
    """Run ``n_streams`` x ``n_batches`` tasks on the caller and one worker thread.

    Iterate `batches` to get each batch number once all its streams are done
    (see the module docstring for who runs what).
    """

    def __init__(self, run: StreamTask, n_streams: int, n_batches: int, ahead: int) -> None:
        self._run = run
        self._n_batches = n_batches
        self._ahead = max(0, ahead)
        self._changed = threading.Condition()
        self._next = [0] * n_streams  # each stream's first batch not yet started
        self._done = [0] * n_streams  # each stream's batches finished
        self._current = 0  # the caller's batch
        self._stopped = False
        self._error: BaseException | None = None

    def batches(self) -> Generator[int, None, None]:
        """Each batch number in order, once every stream has finished that batch."""
        worker = threading.Thread(target=self._work, name="rustybt-synthetic", daemon=True)
        worker.start()
        try:
            for batch in range(self._n_batches):
                with self._changed:
                    self._current = batch
                    self._changed.notify_all()
                while (stream := self._take_own(batch)) is not None:
                    self._run(stream, batch, False)
                    self._finish(stream)
                with self._changed:
                    while self._error is None and not self._all_done(batch):
                        self._changed.wait()
                    if self._error is not None:
                        raise self._error
                yield batch
        finally:
            with self._changed:
                self._stopped = True
                self._changed.notify_all()
            worker.join()

    def _all_done(self, batch: int) -> bool:
        return min(self._done) > batch

    def _take_own(self, batch: int) -> int | None:
        """A stream whose task of ``batch`` nobody has started (the last such), now claimed."""
        with self._changed:
            for stream in reversed(range(len(self._next))):
                if self._next[stream] == batch:
                    self._next[stream] += 1
                    return stream
        return None

    def _finish(self, stream: int) -> None:
        with self._changed:
            self._done[stream] += 1
            self._changed.notify_all()

    def _work(self) -> None:
        while (task := self._take_next()) is not None:
            stream, batch = task
            try:
                self._run(stream, batch, True)
            except BaseException as error:  # noqa: BLE001  # handed to the caller, which raises it
                with self._changed:
                    self._error = error
                    self._changed.notify_all()
                return
            self._finish(stream)

    def _take_next(self) -> tuple[int, int] | None:
        """The worker's next task, claimed: the oldest batch first, then the first stream.

        None once every task is claimed or the caller stopped.
        """
        with self._changed:
            while not self._stopped:
                limit = min(self._current + 1 + self._ahead, self._n_batches)
                ready = [
                    (batch, stream)
                    for stream, batch in enumerate(self._next)
                    if batch < limit and self._done[stream] == batch
                ]
                if ready:
                    batch, stream = min(ready)
                    self._next[stream] += 1
                    return stream, batch
                if min(self._next) >= self._n_batches:
                    return None
                self._changed.wait()
        return None


def draw_on_two_threads(
    returns_of: ReturnBlocks,
    bars_of: BarBlocks,
    out: Bars,
    blocks: list[slice],
    fields: tuple[str, ...],
    scratch: FloatArray,
    batch_blocks: int,
    ahead: int,
) -> Iterator[tuple[slice, FloatArray]]:
    """Each block (in order) with its idiosyncratic shocks, the random factors of
    ``fields`` already written into its rows of ``out``.

    The streams are the shocks (the Student-t draw: ~40% of the generator's work)
    and each field's factors, drawn ``batch_blocks`` blocks at a time by whichever
    of the two threads gets to them (`TwoThreadPipeline`). A batch's rows are the
    rows its blocks would have drawn one by one (draws fill row-major) and each
    stream has its own generators, so the numbers are the same as drawn block by
    block on one thread. ``scratch`` (block-shaped) is the caller's and is used
    only inside this generator's steps, never while the caller holds a block.
    """
    batches = [blocks[i : i + batch_blocks] for i in range(0, len(blocks), batch_blocks)]
    shocks: dict[int, FloatArray] = {}
    scratches = {False: scratch, True: np.empty_like(scratch)}

    def run(stream: int, batch: int, on_worker: bool) -> None:
        rows_of_batch = batches[batch]
        if stream == 0:
            first = rows_of_batch[0].start
            shocks[batch] = returns_of.draw_shocks(rows_of_batch[-1].stop - first)
            return
        own_scratch, field = scratches[on_worker], (fields[stream - 1],)
        for rows in rows_of_batch:
            count = rows.stop - rows.start
            bars_of.draw_factors(rows, out.block(rows), own_scratch[:count], field)

    pipeline = TwoThreadPipeline(run, 1 + len(fields), len(batches), ahead)
    for batch in pipeline.batches():
        drawn, first = shocks.pop(batch), batches[batch][0].start
        for rows in batches[batch]:
            yield rows, drawn[rows.start - first : rows.stop - first]
