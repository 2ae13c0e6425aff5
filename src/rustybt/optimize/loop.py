"""The trial loop shared by `optimize` and walk-forward: ask, run, tell, record.

Finished trials are kept when the user presses Ctrl-C (the loop stops asking,
pending work is cancelled, and the result says ``interrupted``). Parameter sets
already in ``cache`` (a resumed study, or a point TPE proposes twice) are not
run again: their record is reused under the new trial number. A TPE search
resumed from an optuna storage starts with the study's finished trials.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from rustybt.engine.limits import BacktestCancelled
from rustybt.optimize.executors import Executor, Task
from rustybt.optimize.searches import Direction, Search
from rustybt.optimize.space import Space, params_key
from rustybt.optimize.tpe import TPESearch
from rustybt.optimize.trial import TrialRecord, Window
from rustybt.progress import tqdm_class, wants_progress

__all__ = ["LoopOutcome", "run_loop"]

Cache = dict[tuple[tuple[str, str], ...], TrialRecord]


@dataclass
class LoopOutcome:
    records: list[TrialRecord] = field(default_factory=list)
    interrupted: bool = False


def _better(value: float, best: float | None, direction: Direction) -> bool:
    if not math.isfinite(value):
        return False
    if best is None:
        return True
    return value > best if direction == "maximize" else value < best


def _tell(search: Search, record: TrialRecord) -> None:
    if isinstance(search, TPESearch):  # keeps the metrics in the study for a resume
        search.tell_record(record)
    else:
        search.tell(record.params, record.value)


class _Progress:
    """A tqdm bar (trials done, best so far, ETA) by the rule of backtests' bars
    (`rustybt.progress.wants_progress`): on a terminal or as a widget in a
    Jupyter kernel with ipywidgets; off in CI logs and pipes, and with False."""

    def __init__(self, enabled: bool | None, total: int | None, label: str) -> None:
        self._bar = None
        if wants_progress(enabled):
            chosen = tqdm_class(required=enabled is True)
            if chosen is not None:
                self._bar = chosen(
                    total=total, desc=label, unit="trial", leave=False, dynamic_ncols=True
                )

    def update(self, best: float | None) -> None:
        if self._bar is not None:
            self._bar.update(1)
            if best is not None:
                self._bar.set_postfix(best=f"{best:.4g}")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def run_loop(
    executor: Executor,
    search: Search,
    space: Space,
    n_trials: int | None,
    direction: Direction,
    *,
    window: Window = (None, None),
    window_id: int = 0,
    cache: Cache | None = None,
    progress: bool | None = None,
    label: str = "optimize",
    on_trial: Callable[[int, int | None], None] | None = None,
) -> LoopOutcome:
    """Run the search; ``on_trial(done, total)`` is called after each finished
    trial (``total`` None for an open-ended search). If it raises
    `BacktestCancelled` the search stops as on Ctrl-C: finished trials are kept
    and the outcome says ``interrupted``."""
    cache = {} if cache is None else cache
    search.begin(space, n_trials, direction)
    total = n_trials if n_trials is not None else space.grid_size() if space.finite else None
    bar = _Progress(progress, total, label)

    outcome = LoopOutcome()
    best: float | None = None

    def finished(record: TrialRecord) -> None:
        nonlocal best
        outcome.records.append(record)
        best = record.value if _better(record.value, best, direction) else best
        bar.update(best)
        if on_trial is not None:
            on_trial(len(outcome.records), total)

    number = 0
    # TPE learns from each round, so it asks one trial per worker; grid and random
    # hand over everything at once, so no worker idles at a batch's end.
    batch = max(1, executor.workers) if isinstance(search, TPESearch) else 1_000_000
    try:
        for record in search.resumed() if isinstance(search, TPESearch) else []:
            cache.setdefault(params_key(record.params), record)
            number = record.number + 1
            finished(record)
        while proposals := search.ask(batch):
            tasks: list[Task] = []
            for params in proposals:
                known = cache.get(params_key(params))
                if known is not None:
                    record = replace(known, number=number, window=window_id)
                    _tell(search, record)
                    finished(record)
                else:
                    tasks.append(Task(number, params, window, window_id))
                number += 1
            for record in executor.run(tasks):
                cache[params_key(record.params)] = record
                _tell(search, record)
                finished(record)
    except (KeyboardInterrupt, BacktestCancelled):
        outcome.interrupted = True
    finally:
        bar.close()
    outcome.records.sort(key=lambda r: r.number)
    return outcome
