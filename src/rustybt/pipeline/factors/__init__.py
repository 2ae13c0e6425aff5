"""zipline's ``zipline.pipeline.factors``: the built-in factors and `CustomFactor`."""

from rustybt.pipeline.custom import CustomFactor, Latest
from rustybt.pipeline.factors.basic import (
    EWMA,
    EWMSTD,
    VWAP,
    AnnualizedVolatility,
    AverageDollarVolume,
    DailyReturns,
    ExponentialWeightedMovingAverage,
    ExponentialWeightedMovingStdDev,
    LinearWeightedMovingAverage,
    MaxDrawdown,
    PercentChange,
    Returns,
    SimpleMovingAverage,
)
from rustybt.pipeline.factors.correlation import (
    RollingPearson,
    RollingPearsonOfReturns,
    RollingSpearman,
    RollingSpearmanOfReturns,
)
from rustybt.pipeline.factors.oscillators import (
    Aroon,
    FastStochasticOscillator,
    RateOfChangePercentage,
    TrueRange,
)
from rustybt.pipeline.factors.statistical import SimpleBeta
from rustybt.pipeline.factors.technical import (
    RSI,
    BollingerBands,
    MACDSignal,
    MovingAverageConvergenceDivergenceSignal,
)
from rustybt.pipeline.kinds import Factor
from rustybt.pipeline.rowwise import GroupedTransform, Rank

__all__ = [
    "EWMA",
    "EWMSTD",
    "RSI",
    "VWAP",
    "AnnualizedVolatility",
    "Aroon",
    "AverageDollarVolume",
    "BollingerBands",
    "CustomFactor",
    "DailyReturns",
    "ExponentialWeightedMovingAverage",
    "ExponentialWeightedMovingStdDev",
    "Factor",
    "FastStochasticOscillator",
    "GroupedTransform",
    "Latest",
    "LinearWeightedMovingAverage",
    "MACDSignal",
    "MaxDrawdown",
    "MovingAverageConvergenceDivergenceSignal",
    "PercentChange",
    "Rank",
    "RateOfChangePercentage",
    "Returns",
    "RollingPearson",
    "RollingPearsonOfReturns",
    "RollingSpearman",
    "RollingSpearmanOfReturns",
    "SimpleBeta",
    "SimpleMovingAverage",
    "TrueRange",
]
