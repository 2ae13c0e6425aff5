"""zipline's slippage models, with zipline's parameter names and defaults.

In zipline the volume cap belongs to the slippage model; in rustybt it is a
setting of the simulated exchange. ``set_slippage`` with one of these models
sets both: the price model and the model's ``volume_limit`` (None: no cap).
"""

from __future__ import annotations

from dataclasses import dataclass

from rustybt.engine import execution as _engine
from rustybt.engine.execution import SlippageModel
from rustybt.errors import ConfigError

__all__ = [
    "DEFAULT_EQUITY_VOLUME_SLIPPAGE_BAR_LIMIT",
    "FixedBasisPointsSlippage",
    "FixedSlippage",
    "NoSlippage",
    "SlippageModel",
    "VolumeShareSlippage",
]

DEFAULT_EQUITY_VOLUME_SLIPPAGE_BAR_LIMIT = 0.025  # zipline's VolumeShareSlippage default


def _check_limit(volume_limit: float | None) -> None:
    if volume_limit is not None and not 0 < volume_limit <= 1:
        raise ConfigError(
            f"volume_limit must be in (0, 1], not {volume_limit!r}",
            context={"volume_limit": volume_limit},
        )


@dataclass(frozen=True, slots=True)
class NoSlippage(_engine.NoSlippage):
    """Fill the whole order at the reference price (no volume cap)."""

    volume_limit: float | None = None


@dataclass(frozen=True, slots=True)
class FixedSlippage(_engine.FixedSpread):
    """Buys fill at price + spread / 2, sells at price - spread / 2; no volume cap."""

    volume_limit: float | None = None


class FixedBasisPointsSlippage(_engine.FixedBasisPoints):
    """``basis_points`` worse than the price, at most ``volume_limit`` of each
    bar's volume (zipline's defaults and its default equity model: 5 bps, 10%)."""

    __slots__ = ("volume_limit",)
    volume_limit: float

    def __init__(self, basis_points: float = 5.0, volume_limit: float = 0.1) -> None:
        super().__init__(bps=basis_points)
        _check_limit(volume_limit)
        object.__setattr__(self, "volume_limit", volume_limit)

    @property
    def basis_points(self) -> float:
        return self.bps

    def __repr__(self) -> str:
        return (
            f"FixedBasisPointsSlippage(basis_points={self.bps}, volume_limit={self.volume_limit})"
        )


class VolumeShareSlippage(_engine.VolumeShareSlippage):
    """Price impact ``price_impact`` x (share of bar volume)², at most
    ``volume_limit`` of each bar's volume (zipline's defaults: 0.025 and 0.1)."""

    __slots__ = ("volume_limit",)
    volume_limit: float

    def __init__(
        self,
        volume_limit: float = DEFAULT_EQUITY_VOLUME_SLIPPAGE_BAR_LIMIT,
        price_impact: float = 0.1,
    ) -> None:
        super().__init__(price_impact=price_impact)
        _check_limit(volume_limit)
        object.__setattr__(self, "volume_limit", volume_limit)

    def __repr__(self) -> str:
        return f"VolumeShareSlippage(volume_limit={self.volume_limit}, price_impact={self.price_impact})"
