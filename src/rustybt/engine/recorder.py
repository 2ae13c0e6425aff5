"""What the strategy asks to keep: ``record(...)`` values and logged decisions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rustybt.data.bars import FloatArray
from rustybt.engine.performance import PERF_COLUMNS
from rustybt.errors import StrategyError

__all__ = ["RESERVED_PERF_COLUMNS", "Recorder"]

RESERVED_PERF_COLUMNS = frozenset(PERF_COLUMNS)


class Recorder:
    """Recorded values keep the last value of each session, as zipline does."""

    def __init__(self, session_of_bar: np.ndarray, n_sessions: int) -> None:
        self._session_of_bar = session_of_bar
        self._n_sessions = n_sessions
        self.values: dict[str, FloatArray] = {}
        self.decisions: list[dict[str, object]] = []

    def record(self, bar: int, values: dict[str, float]) -> None:
        session = int(self._session_of_bar[bar])
        for name, value in values.items():
            column = self.values.get(name)
            if column is None:
                if name in RESERVED_PERF_COLUMNS:
                    raise StrategyError(
                        f"record() name {name!r} is reserved for the engine's own column",
                        hint="pick another name",
                    )
                column = self.values[name] = np.full(self._n_sessions, np.nan)
            try:
                column[session] = value
            except (TypeError, ValueError) as exc:
                raise StrategyError(
                    f"record() value for {name!r} must be a number, got {type(value).__name__}",
                    context={"name": name},
                ) from exc

    def decision(
        self, when: pd.Timestamp, signal: str, reason: str, details: dict[str, object]
    ) -> None:
        self.decisions.append({"timestamp": when, "signal": signal, "reason": reason, **details})

    def decisions_frame(self) -> pd.DataFrame:
        if not self.decisions:
            return pd.DataFrame(columns=["timestamp", "signal", "reason"])
        return pd.DataFrame(self.decisions)
