"""zipline's basic built-in factors, each with zipline's ``compute`` (one session)
and a vectorised equivalent over every session at once (see `rustybt.pipeline.custom`).

Formulas (window = the ``window_length`` rows ending the previous session):

- Returns: ``(close[-1] - close[0]) / close[0]``; DailyReturns is window 2.
- SimpleMovingAverage: ``nanmean``.
- VWAP: ``nansum(close * volume) / nansum(volume)``.
- AverageDollarVolume: ``nansum(close * volume) / window_length``.
- ExponentialWeightedMovingAverage: ``average(data, weights=decay ** (n..1))``
  (NaN anywhere in the window gives NaN).
- AnnualizedVolatility: ``nanstd(daily returns) * sqrt(annualization_factor)``
  (population std, 252-day window by default).
- MaxDrawdown: zipline's definition, ``(peak - trough) / trough`` of the largest
  peak-to-trough fall in the window.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from rustybt.data.bars import FloatArray
from rustybt.pipeline.custom import CustomFactor
from rustybt.pipeline.data import EquityPricing
from rustybt.pipeline.rolling import lag, rolling_mean, rolling_std, rolling_sum, weighted_average
from rustybt.pipeline.term import Array, PipelineError, Term, Workspace

__all__ = [
    "EWMA",
    "EWMSTD",
    "VWAP",
    "AnnualizedVolatility",
    "AverageDollarVolume",
    "DailyReturns",
    "ExponentialWeightedMovingAverage",
    "ExponentialWeightedMovingStdDev",
    "LinearWeightedMovingAverage",
    "MaxDrawdown",
    "PercentChange",
    "Returns",
    "SimpleMovingAverage",
    "exponential_weights",
]

# Any below: compute() keeps zipline's loose signature (windows are 2-D float arrays).


def _single_input(factor: CustomFactor) -> None:
    if len(factor.inputs) != 1:
        raise PipelineError(
            f"{type(factor).__name__} takes exactly one input, got {len(factor.inputs)}",
            hint="pass inputs=[EquityPricing.close] (one column or factor)",
        )


class Returns(CustomFactor):
    """Percent change in close over the window (window_length >= 2)."""

    inputs = (EquityPricing.close,)
    window_safe = True

    def _validate(self) -> None:
        if self.window_length < 2:
            raise PipelineError(
                f"Returns needs a window_length of at least 2, not {self.window_length}",
                hint="for daily returns use window_length=2 (or DailyReturns)",
            )

    def compute(self, today: Any, assets: Any, out: Any, close: Any) -> None:
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:] = (close[-1] - close[0]) / close[0]

    def _vectorised(self, ws: Workspace, inputs: list[Array]) -> Array:
        close = inputs[0]
        first = lag(close, self.window_length - 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            result: Array = (close - first) / first
        return result


class DailyReturns(Returns):
    """Close-to-close return of the previous session."""

    window_length = 2


class PercentChange(CustomFactor):
    """``(new - old) / abs(old)`` over the window of one input."""

    window_safe = True

    def _validate(self) -> None:
        _single_input(self)
        if self.window_length < 2:
            raise PipelineError("PercentChange needs a window_length of at least 2")

    def compute(self, today: Any, assets: Any, out: Any, values: Any) -> None:
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:] = (values[-1] - values[0]) / abs(values[0])

    def _vectorised(self, ws: Workspace, inputs: list[Array]) -> Array:
        first = lag(inputs[0], self.window_length - 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            result: Array = (inputs[0] - first) / np.abs(first)
        return result


class SimpleMovingAverage(CustomFactor):
    """Mean of one input over the window, ignoring NaN."""

    def _validate(self) -> None:
        _single_input(self)

    def compute(self, today: Any, assets: Any, out: Any, data: Any) -> None:
        with _quiet():
            out[:] = np.nanmean(data, axis=0)

    def _vectorised(self, ws: Workspace, inputs: list[Array]) -> Array:
        return rolling_mean(inputs[0], self.window_length)


class VWAP(CustomFactor):
    """Volume-weighted average close over the window."""

    inputs = (EquityPricing.close, EquityPricing.volume)

    def compute(self, today: Any, assets: Any, out: Any, close: Any, volume: Any) -> None:
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:] = np.nansum(close * volume, axis=0) / np.nansum(volume, axis=0)

    def _vectorised(self, ws: Workspace, inputs: list[Array]) -> Array:
        close, volume = inputs
        dollars = rolling_sum(close * volume, self.window_length)
        # as zipline: nansum(volume) also counts volume on rows whose close is NaN
        shares = rolling_sum(volume, self.window_length)
        with np.errstate(divide="ignore", invalid="ignore"):
            result: Array = dollars / shares
        return result


class AverageDollarVolume(CustomFactor):
    """Sum of close * volume over the window divided by its length (NaN counts as 0)."""

    inputs = (EquityPricing.close, EquityPricing.volume)

    def compute(self, today: Any, assets: Any, out: Any, close: Any, volume: Any) -> None:
        out[:] = np.nansum(close * volume, axis=0) / len(close)

    def _vectorised(self, ws: Workspace, inputs: list[Array]) -> Array:
        close, volume = inputs
        return rolling_sum(close * volume, self.window_length) / self.window_length


def exponential_weights(length: int, decay_rate: float) -> FloatArray:
    """``[decay ** (length + 1), ..., decay ** 2]``: zipline's weights, oldest first."""
    weights: FloatArray = np.full(length, decay_rate, dtype=np.float64) ** np.arange(
        length + 1, 1, -1
    )
    return weights


class ExponentialWeightedMovingAverage(CustomFactor):
    """Exponentially weighted mean of one input; ``decay_rate`` in (0, 1]."""

    params = ("decay_rate",)

    def _validate(self) -> None:
        _single_input(self)
        decay = self.number("decay_rate")
        if not 0.0 < decay <= 1.0:
            raise PipelineError(
                f"decay_rate must be in (0, 1], not {decay!r}",
                hint="or build it with from_span / from_halflife / from_center_of_mass",
            )

    @classmethod
    def from_span(
        cls, inputs: Sequence[Term], window_length: int, span: float, **kwargs: Any
    ) -> ExponentialWeightedMovingAverage:
        """``decay_rate = 1 - 2 / (span + 1)`` (pandas' ``ewm(span=...)``)."""
        if span <= 1:
            raise PipelineError(f"span must be greater than 1, not {span!r}")
        decay = 1.0 - 2.0 / (1.0 + span)
        return cls(inputs=inputs, window_length=window_length, decay_rate=decay, **kwargs)

    @classmethod
    def from_halflife(
        cls, inputs: Sequence[Term], window_length: int, halflife: float, **kwargs: Any
    ) -> ExponentialWeightedMovingAverage:
        """``decay_rate = exp(log(0.5) / halflife)``."""
        if halflife <= 0:
            raise PipelineError(f"halflife must be positive, not {halflife!r}")
        decay = math.exp(math.log(0.5) / halflife)
        return cls(inputs=inputs, window_length=window_length, decay_rate=decay, **kwargs)

    @classmethod
    def from_center_of_mass(
        cls, inputs: Sequence[Term], window_length: int, center_of_mass: float, **kwargs: Any
    ) -> ExponentialWeightedMovingAverage:
        """``decay_rate = 1 - 1 / (1 + center_of_mass)``."""
        decay = 1.0 - 1.0 / (1.0 + center_of_mass)
        return cls(inputs=inputs, window_length=window_length, decay_rate=decay, **kwargs)

    def compute(self, today: Any, assets: Any, out: Any, data: Any, decay_rate: Any) -> None:
        out[:] = np.average(data, axis=0, weights=exponential_weights(len(data), decay_rate))

    def _vectorised(self, ws: Workspace, inputs: list[Array]) -> Array:
        decay = self.number("decay_rate")
        return weighted_average(inputs[0], exponential_weights(self.window_length, decay))


EWMA = ExponentialWeightedMovingAverage


class ExponentialWeightedMovingStdDev(ExponentialWeightedMovingAverage):
    """Exponentially weighted standard deviation, with zipline's bias correction
    ``S**2 / (S**2 - sum(w**2))`` (S the sum of the weights)."""

    def compute(self, today: Any, assets: Any, out: Any, data: Any, decay_rate: Any) -> None:
        weights = exponential_weights(len(data), decay_rate)
        mean = np.average(data, axis=0, weights=weights)
        variance = np.average((data - mean) ** 2, axis=0, weights=weights)
        squared_sum = np.sum(weights) ** 2
        out[:] = np.sqrt(variance * squared_sum / (squared_sum - np.sum(weights**2)))

    def _vectorised(self, ws: Workspace, inputs: list[Array]) -> Array:
        weights = exponential_weights(self.window_length, self.number("decay_rate"))
        data = inputs[0]
        mean = weighted_average(data, weights)
        window = len(weights)
        squares = np.zeros(data.shape)
        for k, weight in enumerate(weights):
            squares += weight * (lag(data, window - 1 - k) - mean) ** 2
        squared_sum = weights.sum() ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            correction = squared_sum / (squared_sum - np.sum(weights**2))
            result: Array = np.sqrt(squares / weights.sum() * correction)
        return result


EWMSTD = ExponentialWeightedMovingStdDev


class LinearWeightedMovingAverage(CustomFactor):
    """Weights 1..n (newest heaviest) over the window; NaN counts as 0, the divisor is
    always n(n+1)/2 (zipline's formula)."""

    def _validate(self) -> None:
        _single_input(self)

    def compute(self, today: Any, assets: Any, out: Any, data: Any) -> None:
        days = data.shape[0]
        weights = np.arange(1, days + 1, dtype=np.float64).reshape(days, 1)
        out[:] = np.nansum(data * weights, axis=0) / (days * (days + 1) / 2)

    def _vectorised(self, ws: Workspace, inputs: list[Array]) -> Array:
        days = self.window_length
        total = np.zeros(inputs[0].shape)
        for k in range(days):
            total += (k + 1) * np.nan_to_num(lag(inputs[0], days - 1 - k), nan=0.0)
        result: Array = total / (days * (days + 1) / 2)
        return result


class AnnualizedVolatility(CustomFactor):
    """Population std of daily returns over the window, times sqrt(annualization_factor)."""

    inputs = (DailyReturns(),)
    params = {"annualization_factor": 252.0}  # noqa: RUF012  # zipline's class attribute
    window_length = 252

    def compute(
        self, today: Any, assets: Any, out: Any, returns: Any, annualization_factor: Any
    ) -> None:
        with _quiet():
            out[:] = np.nanstd(returns, axis=0) * annualization_factor**0.5

    def _vectorised(self, ws: Workspace, inputs: list[Array]) -> Array:
        factor = self.number("annualization_factor")
        result: Array = rolling_std(inputs[0], self.window_length) * factor**0.5
        return result


class MaxDrawdown(CustomFactor):
    """zipline's max drawdown of one input over the window: for the largest fall from
    a running peak, ``(peak - value) / value``."""

    def _validate(self) -> None:
        _single_input(self)

    def compute(self, today: Any, assets: Any, out: Any, data: Any) -> None:
        running_peak = np.fmax.accumulate(data, axis=0)
        drawdowns = running_peak - data
        drawdowns[np.isnan(drawdowns)] = -np.inf
        ends = np.argmax(drawdowns, axis=0)[None, :]
        peak = np.take_along_axis(running_peak, ends, axis=0)[0]
        trough = np.take_along_axis(data, ends, axis=0)[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:] = (peak - trough) / trough


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence numpy's 'mean of empty slice' warnings: an all-NaN window is NaN, as
    in zipline, and not worth a warning per session."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
