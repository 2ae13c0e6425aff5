"""What the strategy asks to keep: ``record(...)`` values and logged decisions."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from rustybt.data.bars import FloatArray
from rustybt.engine.performance import PERF_COLUMNS
from rustybt.errors import StrategyError
from rustybt.security.masking import mask_text, mask_value

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
        # Masked like the audit log: a secret in a reason, a detail named "password"
        # or a loaded secret value never reaches decisions.parquet.
        masked = mask_value(details)
        assert isinstance(masked, dict)  # mask_value keeps a mapping a dict
        self.decisions.append(
            {
                "timestamp": when,
                "signal": mask_text(str(signal)),
                "reason": mask_text(str(reason)),
                **masked,
            }
        )

    def decisions_frame(self) -> pd.DataFrame:
        """One row per decision. A detail column whose values are not all numbers, or
        all text, holds each value as JSON text (``json.loads`` gives it back), so
        mixed or object values are kept exactly and the result can always be saved."""
        if not self.decisions:
            return pd.DataFrame(columns=["timestamp", "signal", "reason"])
        frame = pd.DataFrame(self.decisions)
        for column in frame.columns:
            if column == "timestamp":
                continue
            values = frame[column].tolist()
            if not _uniform(values):
                frame[column] = [None if _missing(v) else _json_text(v) for v in values]
        return frame


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _uniform(values: list[object]) -> bool:
    """All present values are plain numbers (bools apart), or all are text."""
    present = [v for v in values if not _missing(v)]
    if all(isinstance(v, str) for v in present):
        return True
    if all(isinstance(v, bool | np.bool_) for v in present):
        return True
    return all(
        isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool | np.bool_)
        for v in present
    )


def _json_text(value: object) -> str:
    # Decimals, timestamps and other objects become their text; JSON types stay exact.
    return json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)
