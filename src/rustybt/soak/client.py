"""`SoakBroker`: the `Broker` adapter for the faulty broker process.

It follows the three-outcome rule: a refused connection before anything was sent
and an exhausted 429 are FAILED (nothing applied); a timeout or a dropped
connection after the request went out is UNKNOWN and is NOT resent (the blotter
resolves it by client order id); after a 500 it asks the venue for the client
order id before sending again under the SAME id (the venue refuses a second
order with a known id, so the retry cannot duplicate).

``naive=True`` is the negative control: it resends after a timeout and retries a
500 under a NEW client order id, which is what duplicates orders.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from decimal import Decimal

import pandas as pd

from rustybt.errors import BrokerError, BrokerTimeout, OrderError
from rustybt.live.broker import (
    CommandResult,
    OrderRequest,
    Outcome,
    VenueFill,
    VenueOrder,
    VenueOrderStatus,
)

__all__ = ["SoakBroker"]

_ATTEMPTS = 4


class _Reply:
    def __init__(self, status: int, body: object, retry_after: float) -> None:
        self.status, self.body, self.retry_after = status, body, retry_after


class SoakBroker:
    """See the module docstring; ``index`` maps the venue's bar numbers to bar times and
    ``clock`` (epoch, interval) bar times to the venue's wall-clock stamps."""

    name = "soak-venue"

    def __init__(
        self,
        port: int,
        index: pd.DatetimeIndex,
        *,
        timeout: float = 0.3,
        naive: bool = False,
        clock: tuple[float, float] | None = None,
    ) -> None:
        self.port, self.index, self.timeout, self.naive = port, index, timeout, naive
        self.clock = clock  # (epoch, seconds per bar): maps bar times to the venue's wall time
        self.errors = 0  # raw errors seen (refused, 5xx, 429, timeouts)
        self._open: http.client.HTTPConnection | None = None

    # -- transport ------------------------------------------------------------------
    def _connection(self) -> http.client.HTTPConnection:
        if self._open is None:  # one kept-alive connection: a request costs no TCP setup
            self._open = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        return self._open

    def _drop(self) -> None:
        if self._open is not None:
            self._open.close()
            self._open = None

    def _call(self, method: str, path: str, body: object = None) -> _Reply:
        """One HTTP exchange. ConnectionRefusedError: nothing sent; other OSError: maybe
        (a kept-alive connection the venue dropped is reported so too: UNKNOWN, resolved
        by query, never a false "not sent")."""
        try:
            connection = self._connection()
            if connection.sock is None:
                connection.connect()  # ConnectionRefusedError here: nothing was sent
                sock: socket.socket | None = connection.sock
                if sock is not None:  # else Nagle + delayed ACK hold each request ~40 ms
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            payload = None if body is None else json.dumps(body)
            headers = {"Content-Type": "application/json"} if payload else {}
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            if response.will_close:
                self._drop()
            retry_after = float(response.getheader("Retry-After") or 0.05)
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError as exc:
                raise OSError(f"unparsable reply to {method} {path}") from exc
            if response.status >= 400:
                self.errors += 1
            return _Reply(response.status, parsed, retry_after)
        except (OSError, http.client.HTTPException) as exc:
            self.errors += 1
            self._drop()
            if isinstance(exc, OSError):
                raise
            raise OSError(f"{type(exc).__name__} on {method} {path}") from exc

    def _get(self, path: str) -> _Reply:
        """A read, retried on refusals and 5xx/429 (reads are idempotent)."""
        last = "no answer"
        for attempt in range(_ATTEMPTS):
            try:
                reply = self._call("GET", path)
            except OSError as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if reply.status in (429, 500):
                    last = f"HTTP {reply.status}"
                    time.sleep(min(reply.retry_after, 0.2) if reply.status == 429 else 0.02)
                    continue
                return reply
            time.sleep(0.02 * (attempt + 1))
        raise BrokerTimeout(f"soak venue GET {path} failed: {last}", transient=True)

    # -- commands -------------------------------------------------------------------
    def submit(self, request: OrderRequest) -> CommandResult:
        if request.order_type != "market":
            return CommandResult(
                Outcome.FAILED,
                error=OrderError(f"the soak venue takes market orders, not {request.order_type}"),
            )
        coid, resends = request.client_order_id, 0
        for _attempt in range(_ATTEMPTS):
            body = {
                "coid": coid,
                "symbol": request.symbol,
                "side": request.side,
                "quantity": str(request.quantity),
            }
            try:
                reply = self._call("POST", "/orders", body)
            except ConnectionRefusedError:
                time.sleep(0.05)  # the venue is restarting: nothing was sent
                continue
            except OSError as exc:  # sent; the answer is lost
                if self.naive:  # negative control: resend under a new id
                    resends += 1
                    coid = f"{request.client_order_id}-resend{resends}"
                    continue
                return CommandResult(Outcome.UNKNOWN, error=BrokerTimeout(str(exc)))
            if reply.status == 429:
                time.sleep(min(reply.retry_after, 0.2))
                continue
            if reply.status >= 500:
                if self.naive:
                    resends += 1
                    coid = f"{request.client_order_id}-resend{resends}"
                    continue
                try:
                    found = self.order_status(coid)
                except BrokerError as error:
                    return CommandResult(Outcome.UNKNOWN, error=error)
                if found is not None:
                    return CommandResult(Outcome.DONE, order=found)
                continue  # not applied: the same id again is safe
            if reply.status == 400:
                return CommandResult(
                    Outcome.DONE,
                    order=_rejected(request, str(_field(reply.body, "error"))),
                )
            return CommandResult(Outcome.DONE, order=self._order(reply.body))
        return CommandResult(
            Outcome.FAILED,
            error=BrokerError(f"soak venue refused {request.client_order_id} {_ATTEMPTS} times"),
        )

    def cancel(self, client_order_id: str) -> CommandResult:
        try:
            reply = self._call("POST", f"/orders/{client_order_id}/cancel", {})
        except ConnectionRefusedError as exc:
            return CommandResult(Outcome.FAILED, error=BrokerError(str(exc)))
        except OSError as exc:
            return CommandResult(Outcome.UNKNOWN, error=BrokerTimeout(str(exc)))
        if reply.status == 200:
            return CommandResult(Outcome.DONE, order=self._order(reply.body))
        error = BrokerError(f"cancel {client_order_id}: HTTP {reply.status}")
        return CommandResult(
            Outcome.FAILED if reply.status == 404 else Outcome.UNKNOWN, error=error
        )

    def modify(self, client_order_id: str, replacement: OrderRequest) -> CommandResult:
        return CommandResult(
            Outcome.FAILED,
            error=OrderError(
                "the soak venue has no modify", hint="cancel and submit a new order instead"
            ),
        )

    # -- queries ------------------------------------------------------------------------
    def order_status(self, client_order_id: str) -> VenueOrder | None:
        reply = self._get(f"/orders/{client_order_id}")
        return None if reply.status == 404 else self._order(reply.body)

    def open_orders(self) -> list[VenueOrder]:
        return [self._order(o) for o in _list(self._get("/orders?open=1").body)]

    def recent_orders(self, since: pd.Timestamp) -> list[VenueOrder]:
        # The venue stamps orders with wall time; bar times are market time: bar n is
        # due at epoch + n * interval (a second earlier for safety). Without the clock,
        # ask for all (a long session's whole order book: slow, but complete).
        wall = 0.0
        if self.clock is not None:
            epoch, interval = self.clock
            bar = int(self.index.searchsorted(since))
            wall = max(epoch + bar * interval - 1.0, 0.0)
        return [self._order(o) for o in _list(self._get(f"/orders?since={wall}").body)]

    def fills_since(self, cursor: str | None) -> tuple[list[VenueFill], str | None]:
        after = int(cursor or 0)
        body = self._get(f"/fills?after={after}").body
        fills = [self._fill(f) for f in _list(_field(body, "fills"))]
        return fills, str(_field(body, "cursor"))

    def positions(self) -> dict[str, Decimal]:
        return {k: Decimal(str(v)) for k, v in _dict(self._get("/positions").body).items()}

    def balances(self) -> dict[str, Decimal]:
        return {k: Decimal(str(v)) for k, v in _dict(self._get("/balances").body).items()}

    def close(self) -> None:
        self._drop()

    # -- parsing -------------------------------------------------------------------------
    def _when(self, bar: object) -> pd.Timestamp:
        return self.index[min(max(int(str(bar)), 0), len(self.index) - 1)]

    def _order(self, raw: object) -> VenueOrder:
        row = _dict(raw)
        quantity, filled = Decimal(str(row["quantity"])), Decimal(str(row["filled"]))
        status = {
            "filled": VenueOrderStatus.FILLED,
            "cancelled": VenueOrderStatus.CANCELLED,
        }.get(str(row["status"]))
        if status is None:
            status = VenueOrderStatus.PARTIALLY_FILLED if filled else VenueOrderStatus.OPEN
        return VenueOrder(
            client_order_id=str(row["coid"]),
            venue_order_id=str(row["seq"]),
            symbol=str(row["symbol"]),
            side="buy" if row["side"] == "buy" else "sell",
            quantity=quantity,
            filled_quantity=filled,
            average_price=None,
            status=status,
            order_type="market",
            limit_price=None,
            stop_price=None,
            created_at=self._when(row["created_bar"]),
        )

    def _fill(self, raw: object) -> VenueFill:
        row = _dict(raw)
        return VenueFill(
            trade_id=str(row["trade_id"]),
            client_order_id=str(row["coid"]),
            venue_order_id=None,
            symbol=str(row["symbol"]),
            side="buy" if row["side"] == "buy" else "sell",
            quantity=Decimal(str(row["quantity"])),
            price=Decimal(str(row["price"])),
            commission=Decimal(str(row["commission"])),
            commission_asset="USD",
            timestamp=self._when(row["bar"]),
        )


def _rejected(request: OrderRequest, reason: str) -> VenueOrder:
    return VenueOrder(
        client_order_id=request.client_order_id,
        venue_order_id=None,
        symbol=request.symbol,
        side=request.side,
        quantity=request.quantity,
        filled_quantity=Decimal(0),
        average_price=None,
        status=VenueOrderStatus.REJECTED,
        order_type=request.order_type,
        limit_price=None,
        stop_price=None,
        created_at=None,
        reason=reason,
    )


def _dict(raw: object) -> dict[str, object]:
    if not isinstance(raw, dict):
        raise BrokerError(f"soak venue answered {type(raw).__name__}, expected an object")
    return raw


def _list(raw: object) -> list[object]:
    if not isinstance(raw, list):
        raise BrokerError(f"soak venue answered {type(raw).__name__}, expected a list")
    return raw


def _field(raw: object, key: str) -> object:
    return _dict(raw).get(key)
