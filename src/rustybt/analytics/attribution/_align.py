"""Pairing a returns series with a frame of regressors, the metrics way.

The strategy returns go through `conventions.prepare_returns` (NaN rows dropped,
session dates for daily data, UTC-naive instants for intraday data); the frame's
index is normalised the same way and the two are inner-joined on their labels.
Rows where any regressor is NaN are dropped too, so ``n`` counts the periods
where everything is observed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rustybt.analytics.metrics.conventions import (
    FloatArray,
    ReturnsInput,
    per_period_rate,
    prepare_returns,
)
from rustybt.errors import ConfigError, ValidationError

__all__ = ["Aligned", "align_with_frame", "as_series", "normalise_index"]

RF_COLUMN = "RF"
_RF_KEY = "__risk_free__"


@dataclass(frozen=True)
class Aligned:
    """Returns, regressors and per-period risk-free rate on their shared periods."""

    returns: FloatArray
    regressors: FloatArray
    risk_free: FloatArray
    columns: tuple[str, ...]
    index: pd.DatetimeIndex | None
    periods_per_year: float

    def __len__(self) -> int:
        return int(self.returns.shape[0])


def normalise_index(index: pd.DatetimeIndex, intraday: bool) -> pd.DatetimeIndex:
    """Session dates (daily data, own wall clock) or UTC-naive instants (intraday)."""
    if intraday:
        return index.tz_convert("UTC").tz_localize(None) if index.tz is not None else index
    local = index.tz_localize(None) if index.tz is not None else index
    return local.normalize()


def _regressor_frame(
    frame: pd.DataFrame,
    columns: tuple[str, ...],
    risk_free: float | pd.Series | None,
    periods_per_year: float,
) -> tuple[pd.DataFrame, float]:
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise ConfigError(
            f"factor frame lacks column(s): {', '.join(missing)}",
            context={"columns": list(map(str, frame.columns))},
        )
    out = frame.loc[:, list(columns)].astype(np.float64)
    constant_rf = 0.0
    if risk_free is None:
        if RF_COLUMN in frame.columns and RF_COLUMN not in columns:
            out[_RF_KEY] = frame[RF_COLUMN].astype(np.float64)
    elif isinstance(risk_free, pd.Series):
        out[_RF_KEY] = risk_free.astype(np.float64)
    else:
        constant_rf = per_period_rate(float(risk_free), periods_per_year)
    return out, constant_rf


def align_with_frame(
    returns: ReturnsInput,
    frame: pd.DataFrame,
    columns: tuple[str, ...],
    *,
    risk_free: float | pd.Series | None = None,
    periods_per_year: float | None = None,
) -> Aligned:
    """Align ``returns`` with ``frame[columns]`` and a per-period risk-free rate.

    ``risk_free``: None uses the frame's ``RF`` column when present (Fama-French
    files give it per day) and 0 otherwise; a float is an *annual* rate converted
    geometrically (`conventions.per_period_rate`); a Series is a per-period rate.
    """
    prepared = prepare_returns(returns, periods_per_year)
    periods = prepared.periods_per_year
    regressors, constant_rf = _regressor_frame(frame, columns, risk_free, periods)
    if prepared.index is not None:
        if not isinstance(regressors.index, pd.DatetimeIndex):
            raise ConfigError(
                "the factor frame needs a DatetimeIndex to align with dated returns",
                context={"index_type": type(regressors.index).__name__},
            )
        regressors.index = normalise_index(regressors.index, prepared.intraday)
        if not regressors.index.is_unique:
            raise ValidationError(
                "the factor frame has two rows for one period",
                context={"first": str(regressors.index[0])},
            )
        series = pd.Series(prepared.values, index=prepared.index, name="__returns__")
        joined = pd.concat([series, regressors], axis=1, join="inner").dropna()
        index: pd.DatetimeIndex | None = pd.DatetimeIndex(joined.index)
    else:
        raw = np.asarray(returns, dtype=np.float64).ravel()
        if raw.shape[0] != len(regressors):
            raise ValidationError(
                "without a DatetimeIndex, returns and factors must have equal length",
                context={"returns": raw.shape[0], "factors": len(regressors)},
            )
        joined = regressors.reset_index(drop=True)
        joined.insert(0, "__returns__", raw)
        joined = joined.dropna()
        index = None
    y = joined["__returns__"].to_numpy(dtype=np.float64)
    x = joined.loc[:, list(columns)].to_numpy(dtype=np.float64)
    if _RF_KEY in joined.columns:
        rf = joined[_RF_KEY].to_numpy(dtype=np.float64)
    else:
        rf = np.full(y.shape[0], constant_rf)
    if not np.isfinite(x).all() or not np.isfinite(rf).all():
        raise ValidationError(
            "factor values must be finite",
            context={"columns": list(columns)},
        )
    return Aligned(y, x, rf, columns, index, periods)


def as_series(values: object, like: object) -> pd.Series:
    """``values`` as a float Series, borrowing ``like``'s index when it is a Series of equal length."""
    if isinstance(values, pd.Series):
        return values.astype(np.float64)
    array = np.asarray(values, dtype=np.float64)
    if isinstance(like, pd.Series) and len(like) == array.shape[0]:
        return pd.Series(array, index=like.index)
    return pd.Series(array)
