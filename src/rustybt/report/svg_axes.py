"""Axis arithmetic for the hand-drawn SVG charts: nice ticks, date ticks, scales.

Kept apart from the drawing so it can be tested alone: numbers in, ticks out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rustybt.report.model import ValueFormat

__all__ = ["Scale", "date_ticks", "nice_ticks", "tick_label"]

_DAY = 86_400.0
# (step in seconds, label format), from fine to coarse; months and years are
# handled with calendar steps below.
_CLOCK_STEPS = ((3600.0, "%H:%M"), (6 * 3600.0, "%H:%M"), (_DAY, "%b %d"), (7 * _DAY, "%b %d"))


@dataclass(frozen=True)
class Scale:
    """Maps data values in [lo, hi] to pixels in [start, end] (linear or log10)."""

    lo: float
    hi: float
    start: float
    end: float
    log: bool = False

    def __call__(
        self, values: np.ndarray[tuple[int], np.dtype[np.float64]]
    ) -> np.ndarray[tuple[int], np.dtype[np.float64]]:
        lo, hi = (math.log10(self.lo), math.log10(self.hi)) if self.log else (self.lo, self.hi)
        data = np.log10(np.maximum(values, 1e-300)) if self.log else values
        span = hi - lo if hi != lo else 1.0
        mapped: np.ndarray[tuple[int], np.dtype[np.float64]] = self.start + (data - lo) / span * (
            self.end - self.start
        )
        return mapped

    def one(self, value: float) -> float:
        return float(self(np.array([value], dtype=np.float64))[0])


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """About ``count`` round ticks (1, 2, 2.5 or 5 times a power of ten) covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return []
    if hi == lo:
        hi, lo = hi + (abs(hi) or 1.0) * 0.1, lo - (abs(lo) or 1.0) * 0.1
    raw = (hi - lo) / max(count, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    value = first
    while value <= hi + step * 1e-9:
        ticks.append(0.0 if abs(value) < step * 1e-9 else value)
        value += step
    return ticks


def log_ticks(lo: float, hi: float) -> list[float]:
    """Ticks for a log axis: powers of ten, or 1-2-5 steps when the span is short."""
    ticks = []
    for exponent in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        for mantissa in (1.0, 2.0, 5.0):
            value = mantissa * 10.0**exponent
            if lo <= value <= hi:
                ticks.append(value)
    return ticks if len(ticks) >= 2 else nice_ticks(lo, hi)


def date_ticks(
    lo: pd.Timestamp, hi: pd.Timestamp, count: int = 6
) -> list[tuple[pd.Timestamp, str]]:
    """Calendar-aligned ticks between two dates, at most about ``count``, with labels."""
    span = (hi - lo).total_seconds()
    if span <= 0:
        return [(lo, lo.strftime("%Y-%m-%d"))]
    for months in (12, 24, 60, 120):  # years
        if span / (months * 30.4 * _DAY) <= count and span >= 2 * 365 * _DAY:
            years = pd.date_range(
                lo.normalize().replace(month=1, day=1), hi, freq=f"{months // 12}YS", tz=lo.tz
            )
            return [(t, t.strftime("%Y")) for t in years if lo <= t <= hi]
    for months in (1, 2, 3, 6):
        if span / (months * 30.4 * _DAY) <= count and span >= 45 * _DAY:
            stamps = pd.date_range(lo.normalize().replace(day=1), hi, freq=f"{months}MS", tz=lo.tz)
            chosen = [t for t in stamps if lo <= t <= hi]
            return [
                (t, t.strftime("%b %Y") if t.month == 1 or t is chosen[0] else t.strftime("%b"))
                for t in chosen
            ]
    for step, fmt in _CLOCK_STEPS:
        if span / step <= count + 1:
            start = lo.floor(pd.Timedelta(seconds=step)) if step < _DAY else lo.normalize()
            stamps = pd.date_range(start, hi, freq=pd.Timedelta(seconds=step))
            return [(t, t.strftime(fmt)) for t in stamps if lo <= t <= hi]
    stamps = pd.date_range(lo.normalize(), hi, periods=count)
    return [(t, t.strftime("%b %d")) for t in stamps]


def _decimals(step: float) -> int:
    """Decimals that show every multiple of ``step`` exactly (2.5 -> 1, 0.02 -> 2)."""
    if not step or not math.isfinite(step):
        return 0
    decimals = max(0, -math.floor(math.log10(abs(step))))
    while decimals < 6 and abs(round(step, decimals) - step) > abs(step) * 1e-9:
        decimals += 1
    return decimals


def tick_label(value: float, kind: ValueFormat, step: float) -> str:
    """A tick's label, with as many decimals as the tick step needs."""
    if kind == "pct":
        return f"{value * 100:.{min(_decimals(step * 100.0), 3)}f}%"
    if abs(value) >= 1e4:
        return f"{value:,.0f}"
    return f"{value:.{min(_decimals(step), 4)}f}"
