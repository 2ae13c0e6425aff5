"""A broker wrapper that injects faults into a `PaperBroker`, for the outcome tests."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from rustybt.errors import BrokerTimeout
from rustybt.live.broker import CommandResult, OrderRequest, Outcome, VenueFill, VenueOrder
from rustybt.live.paper import PaperBroker


class FaultyBroker:
    """Delegates to ``paper``; each fault is switched on by its attribute.

    - ``timeout_after_apply``: every n-th submit is applied, then reported UNKNOWN;
    - ``timeout_before_apply``: every n-th submit is dropped, then reported UNKNOWN;
    - ``duplicate_fills``: every fill is delivered twice, and the stream is replayed
      from the start now and then (as after a reconnect);
    - ``down_bars``: bars during which every call raises a transient `BrokerError`;
    - ``modify_fault``: "after_apply" (the replacement is applied, then reported
      UNKNOWN) or "before_apply" (dropped, then reported UNKNOWN) for every modify.
    """

    def __init__(self, paper: PaperBroker) -> None:
        self.paper = paper
        self.name = "faulty-paper"
        self.timeout_after_apply = 0
        self.timeout_before_apply = 0
        self.duplicate_fills = False
        self.down_bars: set[int] = set()
        self.modify_fault: str | None = None
        self.submits = 0
        self.modifies = 0
        self.replays = 0

    # the paper broker's venue hooks
    def attach(self, *args: object) -> None:
        self.paper.attach(*args)  # type: ignore[arg-type]

    def configure(self, **kwargs: object) -> None:
        self.paper.configure(**kwargs)  # type: ignore[arg-type]

    def on_bar(self, bar: int, *, market_at_close: bool = False) -> None:
        self.paper.on_bar(bar, market_at_close=market_at_close)

    def _check_up(self) -> None:
        if self.paper.last_bar in self.down_bars:
            raise BrokerTimeout("venue unreachable (injected)", transient=True)

    def submit(self, request: OrderRequest) -> CommandResult:
        self._check_up()
        self.submits += 1
        if self.timeout_before_apply and self.submits % self.timeout_before_apply == 0:
            return CommandResult(Outcome.UNKNOWN, error=BrokerTimeout("read timed out"))
        result = self.paper.submit(request)
        if self.timeout_after_apply and self.submits % self.timeout_after_apply == 0:
            return CommandResult(Outcome.UNKNOWN, error=BrokerTimeout("read timed out"))
        return result

    def cancel(self, client_order_id: str) -> CommandResult:
        self._check_up()
        return self.paper.cancel(client_order_id)

    def modify(self, client_order_id: str, replacement: OrderRequest) -> CommandResult:
        self._check_up()
        self.modifies += 1
        if self.modify_fault == "before_apply":
            return CommandResult(Outcome.UNKNOWN, error=BrokerTimeout("read timed out"))
        result = self.paper.modify(client_order_id, replacement)
        if self.modify_fault == "after_apply":
            return CommandResult(Outcome.UNKNOWN, error=BrokerTimeout("read timed out"))
        return result

    def order_status(self, client_order_id: str) -> VenueOrder | None:
        self._check_up()
        return self.paper.order_status(client_order_id)

    def open_orders(self) -> list[VenueOrder]:
        self._check_up()
        return self.paper.open_orders()

    def recent_orders(self, since: pd.Timestamp) -> list[VenueOrder]:
        self._check_up()
        return self.paper.recent_orders(since)

    def fills_since(self, cursor: str | None) -> tuple[list[VenueFill], str | None]:
        self._check_up()
        if self.duplicate_fills:
            self.replays += 1
            if self.replays % 5 == 0:
                cursor = None  # replay the whole stream
            fills, next_cursor = self.paper.fills_since(cursor)
            return [f for fill in fills for f in (fill, fill)], next_cursor
        return self.paper.fills_since(cursor)

    def positions(self) -> dict[str, Decimal]:
        self._check_up()
        return self.paper.positions()

    def balances(self) -> dict[str, Decimal]:
        self._check_up()
        return self.paper.balances()

    def close(self) -> None:
        self.paper.close()
