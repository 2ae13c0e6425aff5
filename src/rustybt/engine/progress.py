"""A backtest's progress bar: bars done, bars per second, ETA, sessions done.

tqdm is optional (the ``notebook`` extra) and imported only when a bar is shown.
``progress=None`` (the default) shows one when someone is watching: stderr is a
terminal, or the code runs in a Jupyter kernel with ipywidgets installed (a
``tqdm.auto`` widget); CI logs, pipes and kernels without ipywidgets get nothing
(there tqdm's text bar would leave one stderr line per redraw in a saved
notebook). ``progress=True`` in such a kernel draws the text bar anyway, and
never tqdm's "IProgress not found" warning.

The rule (`wants_progress`) and the tqdm class (`tqdm_class`) live in
`rustybt.progress`, shared with the optimiser's trial bar and ingestion's steps.

The engine calls the bar once per bar with the bar's number; it only touches tqdm
every ``total // 1000`` bars (0.1% steps, so it moves smoothly) and tqdm redraws at
most every 0.1 s, so the per-bar cost is one comparison.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rustybt.progress import SHOW_AFTER, tqdm_class, wants_progress

__all__ = ["BarProgress", "progress_bar", "tqdm_class", "wants_progress"]

_STEPS = 1000  # updates over a whole run: 0.1% each


class BarProgress:
    """Callable per bar (``bar_progress(bar_number)``); `close` when the run ends."""

    def __init__(self, tqdm_class: Any, index: pd.DatetimeIndex, desc: str) -> None:  # Any: tqdm
        self.total = len(index)
        # Session number of each bar (UTC dates), for the "sessions n/N" label.
        codes, uniques = pd.factorize(index.normalize())
        self._session = np.asarray(codes)
        self._sessions = len(uniques)
        self._step = max(1, self.total // _STEPS)
        self._next = 0
        self._shown = 0
        self.latest = 0
        self._bar = tqdm_class(
            total=self.total,
            desc=desc,
            unit="bar",
            unit_scale=True,
            mininterval=0.1,
            delay=SHOW_AFTER,
            dynamic_ncols=True,
            leave=True,
        )

    def __call__(self, bar: int) -> None:
        self.latest = bar
        if bar >= self._next:
            self._advance(bar)

    def _advance(self, bar: int) -> None:
        self._next = bar + self._step
        self._bar.update(bar - self._shown)
        self._shown = bar
        session = int(self._session[bar]) + 1 if self.total else 0
        self._bar.set_postfix_str(f"session {session:,}/{self._sessions:,}", refresh=False)

    def close(self, finished: bool) -> None:
        """Show every bar done (a finished run) or those that ran, and close."""
        bars_run = self.total if finished else self.latest
        if bars_run > self._shown:
            self._bar.update(bars_run - self._shown)
            self._shown = bars_run
            last = int(self._session[bars_run - 1]) + 1 if bars_run else 0
            self._bar.set_postfix_str(f"session {last:,}/{self._sessions:,}", refresh=False)
        self._bar.close()


def progress_bar(
    setting: bool | None, index: pd.DatetimeIndex, desc: str = "backtest"
) -> BarProgress | None:
    """A `BarProgress` over ``index`` when one should show (see `wants_progress`),
    else None. ``setting=True`` without tqdm installed is a `ConfigError`; the
    automatic mode quietly shows nothing."""
    if not wants_progress(setting) or len(index) == 0:
        return None
    chosen = tqdm_class(required=setting is True)
    if chosen is None:
        return None
    return BarProgress(chosen, index, desc)
