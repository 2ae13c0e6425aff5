"""Resuming a search from a saved trials table (``trials.csv``).

(A bayes search can also resume from an optuna storage: `rustybt.optimize.tpe`.)
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from rustybt.errors import ConfigError
from rustybt.optimize.loop import Cache
from rustybt.optimize.space import Categorical, Dimension, Float, Integer, Space, params_key
from rustybt.optimize.trial import TrialRecord

__all__ = ["resume_cache"]


def _typed(dimension: Dimension, raw: object) -> object:
    if isinstance(dimension, Integer):
        number = float(str(raw))
        if not number.is_integer():
            raise ConfigError(f"resumed value {raw!r} is not a whole number")
        return int(number)
    if isinstance(dimension, Float):
        return float(str(raw))
    assert isinstance(dimension, Categorical)
    for choice in dimension.choices:
        if str(choice) == str(raw):
            return choice
    raise ConfigError(f"resumed value {raw!r} is not among the choices {dimension.choices}")


def resume_cache(previous: pd.DataFrame | str | Path, space: Space) -> Cache:
    """Finished trials of a saved trials table (``trials.csv``), keyed by parameters.

    Their returns are not in the table, so they count for the best trial and the
    deflated Sharpe ratio, but not for PBO.
    """
    table = (
        pd.read_csv(previous, dtype={"final_equity": str})
        if isinstance(previous, str | Path)
        else previous
    )
    missing = [n for n in [*space.names, "value"] if n not in table.columns]
    if missing:
        raise ConfigError(
            f"the trials table to resume lacks column(s) {', '.join(missing)}",
            hint="resume from the trials.csv of a search over the same parameters",
        )
    cache: Cache = {}
    metric_names = [
        c
        for c in table.columns
        if c not in {*space.names, "trial", "window", "value", "seconds", "final_equity", "error"}
    ]
    for row in table.to_dict(orient="records"):
        value = float(row["value"])
        if not math.isfinite(value):
            continue  # failed trials are tried again
        params = {n: _typed(space.dimensions[n], row[n]) for n in space.names}
        cache[params_key(params)] = TrialRecord(
            number=-1,
            params=params,
            value=value,
            metrics={m: float(row[m]) for m in metric_names if _is_number(row[m])},
            seconds=float(row.get("seconds", math.nan)),
            final_equity=str(row.get("final_equity", "NaN")),
            returns=np.empty(0),
        )
    return cache


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.number) and not isinstance(value, bool)
