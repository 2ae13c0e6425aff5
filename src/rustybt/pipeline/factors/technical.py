"""zipline's technical factors: RSI, BollingerBands and MACDSignal.

- RSI (window 15): with ``d = diff(close)``, ``ups = nanmean(clip(d, 0, inf))``,
  ``downs = |nanmean(clip(d, -inf, 0))|``, ``100 - 100 / (1 + ups / downs)``
  (no fall in the window gives 100, a flat window NaN).
- BollingerBands(window_length, k): ``middle = nanmean``, ``upper/lower = middle
  +/- k * nanstd`` (population std); three outputs.
- MACDSignal(fast_period=12, slow_period=26, signal_period=9): the EWMA (decay
  from span ``signal_period``) over the last ``signal_period`` values of
  ``EWMA_fast - EWMA_slow``, each EWMA over its own period's window with decay
  ``1 - 2 / (period + 1)``; window_length = slow_period + signal_period - 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rustybt.data.bars import FloatArray
from rustybt.pipeline.custom import CustomFactor
from rustybt.pipeline.data import EquityPricing
from rustybt.pipeline.factors.basic import _quiet, _single_input, exponential_weights
from rustybt.pipeline.kinds import Filter
from rustybt.pipeline.rolling import lag, rolling_mean, rolling_std, weighted_average
from rustybt.pipeline.term import Array, PipelineError, Workspace

__all__ = ["RSI", "BollingerBands", "MACDSignal", "MovingAverageConvergenceDivergenceSignal"]

# Any below: compute() keeps zipline's loose signature (windows are 2-D float arrays).


class RSI(CustomFactor):
    """Relative Strength Index over ``window_length - 1`` daily changes."""

    window_length = 15
    inputs = (EquityPricing.close,)
    window_safe = True

    def _validate(self) -> None:
        _single_input(self)
        if self.window_length < 2:
            raise PipelineError("RSI needs a window_length of at least 2")

    def compute(self, today: Any, assets: Any, out: Any, closes: Any) -> None:
        diffs = np.diff(closes, axis=0)
        with _quiet(), np.errstate(divide="ignore", invalid="ignore"):
            ups = np.nanmean(np.clip(diffs, 0, np.inf), axis=0)
            downs = np.abs(np.nanmean(np.clip(diffs, -np.inf, 0), axis=0))
            out[:] = 100 - (100 / (1 + (ups / downs)))

    def _vectorised(self, ws: Workspace, inputs: list[Array]) -> Array:
        diffs = inputs[0] - lag(inputs[0], 1)
        window = self.window_length - 1
        ups = rolling_mean(np.clip(diffs, 0, np.inf), window)
        downs = np.abs(rolling_mean(np.clip(diffs, -np.inf, 0), window))
        with np.errstate(divide="ignore", invalid="ignore"):
            result: Array = 100 - (100 / (1 + (ups / downs)))
        return result


class BollingerBands(CustomFactor):
    """Mean +/- ``k`` population standard deviations; outputs lower, middle, upper."""

    params = ("k",)
    inputs = (EquityPricing.close,)
    outputs = ("lower", "middle", "upper")

    def compute(self, today: Any, assets: Any, out: Any, close: Any, k: Any) -> None:
        with _quiet():
            difference = k * np.nanstd(close, axis=0)
            out.middle = middle = np.nanmean(close, axis=0)
        out.upper = middle + difference
        out.lower = middle - difference

    def _vectorised(self, ws: Workspace, inputs: list[Array]) -> dict[str, FloatArray]:
        k = self.number("k")
        middle = rolling_mean(inputs[0], self.window_length)
        difference = k * rolling_std(inputs[0], self.window_length)
        return {"lower": middle - difference, "middle": middle, "upper": middle + difference}


def _span_weights(length: int) -> FloatArray:
    return exponential_weights(length, 1.0 - 2.0 / (1.0 + length))


class MovingAverageConvergenceDivergenceSignal(CustomFactor):
    """The MACD signal line (see the module docstring); takes no window_length."""

    inputs = (EquityPricing.close,)
    params = ("fast_period", "slow_period", "signal_period")

    def __init__(
        self,
        fast_period: int = 12,
        slow_period: int = 26,
        signal_period: int = 9,
        inputs: Any = None,  # Any: a sequence of terms, as CustomFactor's
        mask: Filter | None = None,
    ) -> None:
        for name, value in (
            ("fast_period", fast_period),
            ("slow_period", slow_period),
            ("signal_period", signal_period),
        ):
            if not isinstance(value, int) or value < 1:
                raise PipelineError(f"MACDSignal {name} must be an integer >= 1, not {value!r}")
        if slow_period <= fast_period:
            raise PipelineError(
                "MACDSignal slow_period must be greater than fast_period",
                context={"fast_period": fast_period, "slow_period": slow_period},
            )
        super().__init__(
            inputs=inputs,
            window_length=slow_period + signal_period - 1,
            mask=mask,
            fast_period=fast_period,
            slow_period=slow_period,
            signal_period=signal_period,
        )

    @staticmethod
    def _ewma_rows(data: FloatArray, length: int) -> FloatArray:
        """EWMA of each length-``length`` window of ``data`` (time on axis 0)."""
        windows = np.lib.stride_tricks.sliding_window_view(data, length, axis=0)
        result: FloatArray = np.average(windows, axis=-1, weights=_span_weights(length))
        return result

    def compute(
        self,
        today: Any,
        assets: Any,
        out: Any,
        close: Any,
        fast_period: Any,
        slow_period: Any,
        signal_period: Any,
    ) -> None:
        slow = self._ewma_rows(close, slow_period)
        fast = self._ewma_rows(close, fast_period)[-signal_period:]
        macd = fast - slow
        out[:] = np.average(macd, axis=0, weights=_span_weights(signal_period))

    def _vectorised(self, ws: Workspace, inputs: list[Array]) -> Array:
        fast_period = int(self.number("fast_period"))
        slow_period = int(self.number("slow_period"))
        signal_period = int(self.number("signal_period"))
        close = inputs[0]
        macd = weighted_average(close, _span_weights(fast_period)) - weighted_average(
            close, _span_weights(slow_period)
        )
        return weighted_average(macd, _span_weights(signal_period))


MACDSignal = MovingAverageConvergenceDivergenceSignal
