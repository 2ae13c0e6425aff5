"""The deferred tables of a finished run: what each needs, captured when the run
finishes, and how it is built on first read (`BacktestResult.deferred`).

Capturing copies what the run could still change (list prefixes, the bars after
the last one that ran) and shares what it cannot (each session's position arrays,
the closes of the bars that ran, Decimal and string values), so a table built
later equals the one that would have been built at the end of the run, and a
result whose tables are never read holds less memory than the tables would take.
A panel's bars are not rewritten after a run (`BacktestResult.bars` shares them
too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rustybt.data.bars import BarPanel, Frequency
from rustybt.engine.blotter import FillLog
from rustybt.engine.recorder import Recorder
from rustybt.engine.result import Deferred

if TYPE_CHECKING:
    from rustybt.engine.performance import PerformanceTracker
    from rustybt.engine.scheduling import SessionLayout

__all__ = [
    "deferred_decisions",
    "deferred_positions",
    "deferred_transactions",
    "deferred_universe",
]


def deferred_transactions(fills: FillLog, index: pd.DatetimeIndex) -> Deferred[object]:
    """The fills so far. The fill log only ever appends (a live session may append
    more) and never changes what it holds: it is shared, and the table reads
    today's number of fills from its start."""
    shared = FillLog()
    shared.flat = fills.flat  # the list itself, not a copy
    count = len(fills)

    def build() -> pd.DataFrame:
        return shared.to_frame(index, count)

    return Deferred(build, count)


def deferred_positions(tracker: PerformanceTracker) -> Deferred[object]:
    parts = tracker.position_parts()
    return Deferred(parts.frame, len(parts))


def deferred_decisions(recorder: Recorder) -> Deferred[object]:
    """The decisions logged so far (the dicts are not changed once logged)."""
    snapshot = Recorder(np.zeros(0, dtype=np.int64), 0)
    snapshot.decisions = list(recorder.decisions)
    return Deferred(snapshot.decisions_frame, len(snapshot.decisions))


def deferred_universe(
    panel: BarPanel, layout: SessionLayout, perf_index: pd.Index, last_bar: int
) -> Deferred[object]:
    """Every asset's last close of each session in ``perf_index``: the attribution
    universe. Only the bars of those sessions are read; the ones after ``last_bar``
    (the rest of a session a run stopped in) are copied, as a live feed may still
    write them, and the ones before are shared."""
    symbols = list(panel.symbols)
    sessions = layout.sessions
    session_of_bar = layout.session_of_bar
    used = int(sessions.get_indexer(perf_index[-1:])[0]) + 1 if len(perf_index) else 0
    stop = int(np.searchsorted(session_of_bar, used, side="left"))
    head = panel.close[: min(stop, last_bar + 1)]
    tail = panel.close[last_bar + 1 : stop].copy()
    session_of_bar = session_of_bar[:stop].copy()
    daily = panel.frequency == Frequency.DAILY

    def build() -> pd.DataFrame:
        if not stop:  # no session valued: what reindexing the whole universe gives
            return pd.DataFrame(np.empty((0, len(symbols))), index=perf_index, columns=symbols)
        close = np.concatenate([head, tail]) if len(tail) else head
        if daily:
            frame = pd.DataFrame(close, index=sessions[:stop], columns=symbols)
            return frame.reindex(perf_index)
        frame = pd.DataFrame(close, columns=symbols)
        last = frame.groupby(session_of_bar).last()  # last non-NaN close
        last.index = sessions[last.index.to_numpy()]
        return last.reindex(sessions).reindex(perf_index)

    return Deferred(build, len(perf_index))
