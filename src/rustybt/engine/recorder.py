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
_FIXED_COLUMNS = frozenset({"timestamp", "signal", "reason"})
_INT64_MAX = 2**63 - 1
_FLOAT_EXACT = 2**53


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
        # A detail named like a fixed column keeps its value under "detail_<name>".
        masked = {
            f"detail_{key}" if key in _FIXED_COLUMNS else key: value
            for key, value in masked.items()
        }
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
        # Columns are built from the values as logged: a DataFrame built from the dicts
        # would first turn ints beside floats into floats (2**60 loses digits).
        names = list(dict.fromkeys(key for decision in self.decisions for key in decision))
        data: dict[str, object] = {}
        for name in names:
            values = [decision.get(name) for decision in self.decisions]
            data[name] = values if name == "timestamp" else _column(values)
        return pd.DataFrame(data)


def _column(values: list[object]) -> pd.Series:
    if not _uniform(values):
        return pd.Series([None if _missing(v) else _json_text(v) for v in values], dtype=object)
    present = [v for v in values if not _missing(v)]
    if present and all(isinstance(v, int | np.integer) for v in present):
        # Nullable ints: a missing value does not turn the column into floats.
        ints: list[int | None] = [
            int(v) if isinstance(v, int | np.integer) else None for v in values
        ]
        return pd.Series(ints, dtype="Int64")
    return pd.Series(values)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _uniform(values: list[object]) -> bool:
    """All present values are plain numbers (bools apart), or all are text."""
    present = [v for v in values if not _missing(v)]
    if all(isinstance(v, str) for v in present):
        return True
    if all(isinstance(v, bool | np.bool_) for v in present):
        return True
    if not all(
        isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool | np.bool_)
        for v in present
    ):
        return False
    ints = [int(v) for v in present if isinstance(v, int | np.integer)]
    if not ints:
        return True
    # A column of ints must fit int64; ints stored beside floats must fit a float exactly.
    limit = _INT64_MAX if len(ints) == len(present) else _FLOAT_EXACT
    return all(-limit <= v <= limit for v in ints)


def _json_text(value: object) -> str:
    # Decimals, timestamps and other objects become their text; JSON types stay exact.
    return json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)
