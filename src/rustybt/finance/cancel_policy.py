"""zipline's cancel policies: what happens to orders still open at a session's end.

``EODCancel`` makes later orders day orders (cancelled at the end of the session
they were placed in); ``NeverCancel`` (the default) keeps them open until filled.
"""

from __future__ import annotations

from dataclasses import dataclass

from rustybt.engine.orders import TimeInForce

__all__ = ["CancelPolicy", "EODCancel", "NeverCancel"]


@dataclass(frozen=True, slots=True)
class CancelPolicy:
    time_in_force: TimeInForce = TimeInForce.GTC


class EODCancel(CancelPolicy):
    """Cancel open orders at the end of each session (zipline's ``warn_on_cancel``
    is accepted; cancellations are listed in ``result.orders``)."""

    __slots__ = ()

    def __init__(self, warn_on_cancel: bool = True) -> None:
        super().__init__(TimeInForce.DAY)


class NeverCancel(CancelPolicy):
    """Keep orders open until they fill or the strategy cancels them."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(TimeInForce.GTC)
