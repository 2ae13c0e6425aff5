"""zipline's smaller technical factors: TrueRange, RateOfChangePercentage,
FastStochasticOscillator and Aroon (zipline's formulas, windows ending at the
previous close).

- TrueRange (window 2): ``max(high - low, |high - prev close|, |low - prev close|)``.
- RateOfChangePercentage: ``(close[-1] - close[0]) / close[0] * 100``.
- FastStochasticOscillator (window 14): ``(close - lowest low) / (highest high -
  lowest low) * 100``.
- Aroon: outputs ``up = 100 * (rows from the window start to the highest high) /
  (window_length - 1)`` and ``down`` likewise for the lowest low (first occurrence).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rustybt.data.bars import FloatArray
from rustybt.pipeline.custom import CustomFactor
from rustybt.pipeline.data import EquityPricing
from rustybt.pipeline.factors.basic import _quiet, _single_input
from rustybt.pipeline.rolling import lag
from rustybt.pipeline.term import Array, PipelineError, Workspace

__all__ = ["Aroon", "FastStochasticOscillator", "RateOfChangePercentage", "TrueRange"]

# Any below: compute() keeps zipline's loose signature (windows are 2-D float arrays).


class TrueRange(CustomFactor):
    """The largest of today's range and the gaps from yesterday's close."""

    inputs = (EquityPricing.high, EquityPricing.low, EquityPricing.close)
    window_length = 2

    def compute(
        self, today: Any, assets: Any, out: Any, highs: Any, lows: Any, closes: Any
    ) -> None:
        ranges = np.dstack(
            (
                highs[1:] - lows[1:],
                np.abs(highs[1:] - closes[:-1]),
                np.abs(lows[1:] - closes[:-1]),
            )
        )
        with _quiet():
            out[:] = np.nanmax(ranges, axis=2)

    def _vectorised(self, ws: Workspace, inputs: list[Array]) -> Array:
        high, low, close = inputs
        previous = lag(close, self.window_length - 1)
        ranges = np.stack((high - low, np.abs(high - previous), np.abs(low - previous)))
        with _quiet():
            result: Array = np.nanmax(ranges, axis=0)
        return result


class RateOfChangePercentage(CustomFactor):
    """Percent change of one input over the window."""

    def _validate(self) -> None:
        _single_input(self)
        if self.window_length < 2:
            raise PipelineError("RateOfChangePercentage needs a window_length of at least 2")

    def compute(self, today: Any, assets: Any, out: Any, close: Any) -> None:
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:] = ((close[-1] - close[0]) / close[0]) * 100

    def _vectorised(self, ws: Workspace, inputs: list[Array]) -> Array:
        first = lag(inputs[0], self.window_length - 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            result: Array = ((inputs[0] - first) / first) * 100
        return result


def _rolling(values: FloatArray, window: int, how: str) -> FloatArray:
    rolling = pd.DataFrame(values).rolling(window, min_periods=1)
    frame = rolling.max() if how == "max" else rolling.min()
    result: FloatArray = frame.to_numpy()
    return result


class FastStochasticOscillator(CustomFactor):
    """%K: where the last close sits in the window's low-high range, in percent."""

    inputs = (EquityPricing.close, EquityPricing.low, EquityPricing.high)
    window_safe = True
    window_length = 14

    def compute(
        self, today: Any, assets: Any, out: Any, closes: Any, lows: Any, highs: Any
    ) -> None:
        with _quiet(), np.errstate(divide="ignore", invalid="ignore"):
            highest = np.nanmax(highs, axis=0)
            lowest = np.nanmin(lows, axis=0)
            out[:] = ((closes[-1] - lowest) / (highest - lowest)) * 100

    def _vectorised(self, ws: Workspace, inputs: list[Array]) -> Array:
        close, low, high = inputs
        highest = _rolling(high, self.window_length, "max")
        lowest = _rolling(low, self.window_length, "min")
        with np.errstate(divide="ignore", invalid="ignore"):
            result: Array = ((close - lowest) / (highest - lowest)) * 100
        return result


class Aroon(CustomFactor):
    """Aroon up/down: how recent the window's highest high and lowest low are."""

    inputs = (EquityPricing.low, EquityPricing.high)
    outputs = ("down", "up")

    def _validate(self) -> None:
        if self.window_length < 2:
            raise PipelineError("Aroon needs a window_length of at least 2")

    def compute(self, today: Any, assets: Any, out: Any, lows: Any, highs: Any) -> None:
        length = self.window_length
        empty_high = np.isnan(highs).all(axis=0)
        empty_low = np.isnan(lows).all(axis=0)
        # numpy's nanargmax raises on an all-NaN column: such assets get NaN
        high_at = np.nanargmax(np.where(empty_high, 0.0, highs), axis=0)
        low_at = np.nanargmin(np.where(empty_low, 0.0, lows), axis=0)
        out.up = np.where(empty_high, np.nan, 100.0 * high_at / (length - 1))
        out.down = np.where(empty_low, np.nan, 100.0 * low_at / (length - 1))
