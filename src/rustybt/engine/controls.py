"""Pre-trade risk controls, shared by backtests and live trading (one code path).

Order controls run before an order is placed: max order quantity / notional,
max position (quantity / notional), long-only, restricted list, price band
around the last price (fat finger), max orders per session (zipline's
``set_max_order_count``) and per minute. Account controls run on every bar
before the strategy: max gross leverage, max daily loss, max drawdown.

What a violation does depends on who handles it (``Controls.on_violation``):

- in a backtest (zipline semantics): a control registered with
  ``on_error="fail"`` (the default) raises `TradingControlViolation`, which stops
  the run; with ``on_error="log"`` the violation is logged and the order goes ahead;
- in live trading the runner's circuit breaker refuses the order, trips to
  HALTED (cancels still allowed) and stays there until an operator resets it.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

import pandas as pd

from rustybt.assets import Asset
from rustybt.errors import ConfigError, TradingControlViolation

__all__ = ["AccountState", "Controls", "OrderCheck", "RiskLimits", "Violation"]

_LOG = logging.getLogger("rustybt.controls")
# Ratios (loss, drawdown, band) are floats: a ratio within this of its limit counts
# as at the limit, so 80 / 100 is a 20% drawdown, not 19.999999999999996%.
_EPS = 1e-12
OnError = Literal["fail", "log"]


@dataclass(frozen=True)
class Violation:
    """Which rule broke, on what, with the limit and the value that broke it."""

    rule: str
    reason: str
    limit: object
    value: object
    on_error: OnError = "fail"

    def error(self) -> TradingControlViolation:
        return TradingControlViolation(
            self.reason,
            context={"rule": self.rule, "limit": self.limit, "value": self.value},
            hint="change the order, or the limit set in initialize()",
        )


@dataclass(frozen=True)
class OrderCheck:
    """An order about to be placed, and the account as the strategy sees it."""

    asset: Asset
    quantity: Decimal  # signed
    price: float  # the last price
    held: Decimal  # position before the order
    when: pd.Timestamp
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None


@dataclass(frozen=True)
class AccountState:
    """Account values at a bar (before the strategy runs)."""

    when: pd.Timestamp
    equity: float
    gross_exposure: float
    session_start_equity: float
    peak_equity: float


def _positive(name: str, value: float | None) -> None:
    if value is not None and not value > 0:
        raise ConfigError(f"{name} must be positive, not {value!r}", context={name: value})


@dataclass
class RiskLimits:
    """Account-wide limits (a live config's ``[risk]`` table; usable in backtests too).

    Fractions are of equity: ``max_daily_loss=0.05`` trips at a 5% loss since the
    session's first bar; ``max_drawdown=0.2`` at 20% below the peak;
    ``price_band=0.1`` refuses limit/stop prices more than 10% from the last price.
    """

    max_order_quantity: float | None = None
    max_order_notional: float | None = None
    max_position_quantity: float | None = None
    max_position_notional: float | None = None
    max_gross_leverage: float | None = None
    long_only: bool = False
    restricted: tuple[str, ...] = ()
    price_band: float | None = None
    max_orders_per_minute: int | None = None
    max_daily_loss: float | None = None
    max_drawdown: float | None = None

    def __post_init__(self) -> None:
        for name in (
            "max_order_quantity",
            "max_order_notional",
            "max_position_quantity",
            "max_position_notional",
            "max_gross_leverage",
            "price_band",
            "max_daily_loss",
            "max_drawdown",
        ):
            _positive(name, getattr(self, name))
        if self.max_orders_per_minute is not None and self.max_orders_per_minute < 1:
            raise ConfigError("max_orders_per_minute must be at least 1")


@dataclass
class _SizeRule:
    rule: str
    asset: Asset | None
    max_quantity: float | None
    max_notional: float | None
    on_error: OnError
    position: bool  # True: the position after the order; False: the order itself


@dataclass
class Controls:
    """The controls of one run. `check_order` / `check_account` return the first violation."""

    sizes: list[_SizeRule] = field(default_factory=list)
    long_only: OnError | None = None
    restricted: set[str] = field(default_factory=set)
    restricted_on_error: OnError = "fail"
    max_order_count: tuple[int, OnError] | None = None
    max_leverage: tuple[float, OnError] | None = None
    price_band: float | None = None
    max_orders_per_minute: int | None = None
    max_daily_loss: float | None = None
    max_drawdown: float | None = None
    # Who handles a violation; returns True when the order may still go ahead.
    on_violation: Callable[[Violation], bool] | None = None
    _session: object = None
    _session_count: int = 0
    _recent: deque[pd.Timestamp] = field(default_factory=deque)
    _equity_session: object = None
    session_start_equity: float = 0.0
    peak_equity: float = 0.0

    # -- registration (the zipline names call these) ------------------------------------
    def add_size(
        self,
        rule: str,
        asset: Asset | None,
        max_quantity: float | None,
        max_notional: float | None,
        on_error: OnError,
        *,
        position: bool,
    ) -> None:
        if max_quantity is None and max_notional is None:
            raise ConfigError(
                f"{rule} needs max_shares or max_notional", hint="pass at least one limit"
            )
        for name, value in (("max_shares", max_quantity), ("max_notional", max_notional)):
            if value is not None and value < 0:
                raise ConfigError(f"{rule}: {name} cannot be negative", context={name: value})
        self.sizes.append(_SizeRule(rule, asset, max_quantity, max_notional, on_error, position))

    def extend(self, limits: RiskLimits) -> None:
        """Add account-wide limits (the live config's ``[risk]`` table)."""
        if limits.max_order_quantity is not None or limits.max_order_notional is not None:
            self.add_size(
                "max_order_size",
                None,
                limits.max_order_quantity,
                limits.max_order_notional,
                "fail",
                position=False,
            )
        if limits.max_position_quantity is not None or limits.max_position_notional is not None:
            self.add_size(
                "max_position_size",
                None,
                limits.max_position_quantity,
                limits.max_position_notional,
                "fail",
                position=True,
            )
        if limits.long_only:
            self.long_only = "fail"
        self.restricted.update(limits.restricted)
        if limits.max_gross_leverage is not None:
            self.max_leverage = (limits.max_gross_leverage, "fail")
        self.price_band = limits.price_band or self.price_band
        self.max_orders_per_minute = limits.max_orders_per_minute or self.max_orders_per_minute
        self.max_daily_loss = limits.max_daily_loss or self.max_daily_loss
        self.max_drawdown = limits.max_drawdown or self.max_drawdown

    @property
    def active(self) -> bool:
        return bool(
            self.sizes
            or self.long_only
            or self.restricted
            or self.max_order_count
            or self.price_band
            or self.max_orders_per_minute
        )

    @property
    def account_active(self) -> bool:
        return bool(self.max_leverage or self.max_daily_loss or self.max_drawdown)

    # -- checks ----------------------------------------------------------------------
    def allow(self, violation: Violation) -> bool:
        """Hand a violation to the run's handler; the backtest default is zipline's."""
        if self.on_violation is not None:
            return self.on_violation(violation)
        if violation.on_error == "log":
            _LOG.error("trading control violated (order placed anyway): %s", violation.reason)
            return True
        raise violation.error()

    def check_order(self, check: OrderCheck) -> Violation | None:
        """The violation that refuses the order, or None when it may be placed."""
        for violation in self._order_violations(check):
            if not self.allow(violation):
                return violation
        return None

    def _order_violations(self, check: OrderCheck) -> Iterable[Violation]:
        symbol, quantity = check.asset.symbol, check.quantity
        if symbol in self.restricted:
            yield Violation(
                "restricted_list",
                f"{symbol} is on the do-not-order list",
                sorted(self.restricted),
                symbol,
                self.restricted_on_error,
            )
        if self.long_only is not None and check.held + quantity < 0:
            yield Violation(
                "long_only",
                f"order for {quantity} {symbol} would leave a short position "
                f"({check.held + quantity})",
                0,
                str(check.held + quantity),
                self.long_only,
            )
        for size in self.sizes:
            if size.asset is not None and size.asset != check.asset:
                continue
            amount = check.held + quantity if size.position else quantity
            what = "position after the order" if size.position else "order"
            if size.max_quantity is not None and abs(float(amount)) > size.max_quantity:
                yield Violation(
                    size.rule,
                    f"{what} of {amount} {symbol} exceeds the {size.max_quantity:g} unit limit",
                    size.max_quantity,
                    str(amount),
                    size.on_error,
                )
            notional = abs(float(amount)) * check.price
            if size.max_notional is not None and notional > size.max_notional:
                yield Violation(
                    size.rule,
                    f"{what} of {notional:,.2f} in {symbol} exceeds the "
                    f"{size.max_notional:,.2f} notional limit",
                    size.max_notional,
                    round(notional, 2),
                    size.on_error,
                )
        if self.price_band is not None:
            for name, price in (("limit", check.limit_price), ("stop", check.stop_price)):
                if price is None or not check.price > 0:
                    continue
                off = abs(float(price) / check.price - 1.0)
                if off > self.price_band + _EPS:
                    yield Violation(
                        "price_band",
                        f"{name} price {price} for {symbol} is {off:.1%} from the last price "
                        f"{check.price:g} (band {self.price_band:.1%})",
                        self.price_band,
                        round(off, 6),
                    )
        yield from self._rate_violations(check.when)

    def _rate_violations(self, when: pd.Timestamp) -> Iterable[Violation]:
        if self.max_order_count is not None:
            limit, on_error = self.max_order_count
            session = when.date()
            if session != self._session:
                self._session, self._session_count = session, 0
            self._session_count += 1
            if self._session_count > limit:
                yield Violation(
                    "max_order_count",
                    f"more than {limit} orders in the session of {session}",
                    limit,
                    self._session_count,
                    on_error,
                )
        if self.max_orders_per_minute is not None:
            recent = self._recent
            recent.append(when)
            while recent and recent[0] <= when - pd.Timedelta(minutes=1):
                recent.popleft()
            if len(recent) > self.max_orders_per_minute:
                yield Violation(
                    "max_orders_per_minute",
                    f"{len(recent)} orders within a minute (limit {self.max_orders_per_minute})",
                    self.max_orders_per_minute,
                    len(recent),
                )

    def check_account(self, state: AccountState) -> Violation | None:
        """Account controls at a bar: the violation that stops trading, or None."""
        for violation in self._account_violations(state):
            if not self.allow(violation):
                return violation
        return None

    def account_state(self, when: pd.Timestamp, equity: float, gross: float) -> AccountState:
        """Track the session's first equity and the peak, and return the bar's state."""
        session = when.date()
        if session != self._equity_session:
            self._equity_session, self.session_start_equity = session, equity
        self.peak_equity = max(self.peak_equity, equity)
        return AccountState(when, equity, gross, self.session_start_equity, self.peak_equity)

    def _account_violations(self, state: AccountState) -> Iterable[Violation]:
        equity = state.equity
        if self.max_leverage is not None and equity > 0:
            limit, on_error = self.max_leverage
            leverage = state.gross_exposure / equity
            if leverage > limit:
                yield Violation(
                    "max_leverage",
                    f"gross leverage {leverage:.3f} exceeds {limit:g}",
                    limit,
                    round(leverage, 6),
                    on_error,
                )
        if self.max_daily_loss is not None and state.session_start_equity > 0:
            loss = 1.0 - equity / state.session_start_equity
            if loss >= self.max_daily_loss - _EPS:
                yield Violation(
                    "max_daily_loss",
                    f"equity fell {loss:.2%} since the session started "
                    f"(limit {self.max_daily_loss:.2%})",
                    self.max_daily_loss,
                    round(loss, 6),
                )
        if self.max_drawdown is not None and state.peak_equity > 0:
            drawdown = 1.0 - equity / state.peak_equity
            if drawdown >= self.max_drawdown - _EPS:
                yield Violation(
                    "max_drawdown",
                    f"drawdown {drawdown:.2%} from the peak {state.peak_equity:,.2f} "
                    f"(limit {self.max_drawdown:.2%})",
                    self.max_drawdown,
                    round(drawdown, 6),
                )
