"""Walk-forward windows: rolling or anchored train windows, each followed by a test window.

Lengths are in sessions. Window ``k`` tests sessions ``[train + k*step, train +
k*step + test)`` (the last one may be shorter); its training sessions end the
session before the test starts and begin at ``test_start - train`` (rolling) or
at the first session (anchored). Training never includes a test session.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rustybt.data.bars import BarPanel
from rustybt.errors import ConfigError

__all__ = ["WalkForwardWindow", "walk_forward_windows"]


@dataclass(frozen=True)
class WalkForwardWindow:
    """One train/test pair; timestamps are the first and last bar of each part."""

    number: int
    train_start: pd.Timestamp
    train_end: pd.Timestamp
    test_start: pd.Timestamp
    test_end: pd.Timestamp


def _session_bounds(panel: BarPanel) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the first and last bar of every session."""
    days = panel.index.normalize().asi8
    starts = np.flatnonzero(np.r_[True, days[1:] != days[:-1]])
    ends = np.r_[starts[1:] - 1, len(days) - 1]
    return starts, ends


def walk_forward_windows(
    panel: BarPanel, *, train: int, test: int, step: int | None = None, anchored: bool = False
) -> list[WalkForwardWindow]:
    """The windows over ``panel``'s sessions (see the module docstring)."""
    step = test if step is None else step
    if train < 2 or test < 1 or step < 1:
        raise ConfigError(
            "walk-forward needs train >= 2, test >= 1 and step >= 1 sessions",
            context={"train": train, "test": test, "step": step},
        )
    starts, ends = _session_bounds(panel)
    sessions = len(starts)
    if sessions <= train:
        raise ConfigError(
            f"walk-forward needs more than train={train} sessions; the data has {sessions}",
            hint="shorten train or load more data",
        )
    index = panel.index
    windows: list[WalkForwardWindow] = []
    first_test = train
    while first_test < sessions:
        last_test = min(first_test + test, sessions) - 1
        first_train = 0 if anchored else first_test - train
        windows.append(
            WalkForwardWindow(
                number=len(windows),
                train_start=index[starts[first_train]],
                train_end=index[ends[first_test - 1]],
                test_start=index[starts[first_test]],
                test_end=index[ends[last_test]],
            )
        )
        first_test += step
    return windows
