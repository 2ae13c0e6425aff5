"""The exception hierarchy: every error rustybt raises on purpose is a `RustyBTError`.

Each error carries a one-line message a trader can act on, a structured
``context`` (asset, order id, file, row, ...) for developers and logs, an optional
``hint`` saying what to do, and whether it is ``transient`` (worth retrying).
The CLI maps each family to its own exit code (see ``exit_code``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

__all__ = [
    "BrokerError",
    "BrokerTimeout",
    "CatalogError",
    "ConfigError",
    "DataError",
    "DataGap",
    "DataNotFound",
    "InsufficientFunds",
    "LookaheadError",
    "OrderError",
    "OrderRejected",
    "OrderUnknown",
    "RateLimited",
    "ReconciliationError",
    "RustyBTError",
    "SchemaError",
    "SecretsError",
    "StrategyError",
    "TradingControlViolation",
    "TradingHalted",
    "UnknownSymbol",
    "ValidationError",
]


class RustyBTError(Exception):
    """Base of every error raised on purpose by rustybt.

    Attributes:
        message: one line a user can act on.
        context: structured details (file, row, column, asset, order_id, ...).
        hint: what to do about it, when we know.
        transient: True when retrying the same call may succeed.
    """

    exit_code: ClassVar[int] = 1
    default_transient: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        context: Mapping[str, object] | None = None,
        hint: str | None = None,
        transient: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.context: dict[str, object] = dict(context or {})
        self.hint = hint
        self.transient = self.default_transient if transient is None else transient

    def __str__(self) -> str:
        if not self.context:
            return self.message
        details = ", ".join(f"{key}={value!r}" for key, value in self.context.items())
        return f"{self.message} ({details})"

    @property
    def cause(self) -> BaseException | None:
        """The exception this one was raised from (``raise ... from cause``), if any."""
        return self.__cause__

    def to_dict(self) -> dict[str, object]:
        """A JSON-friendly view for logs and the CLI's ``--debug`` output."""
        return {
            "error": type(self).__name__,
            "message": self.message,
            "context": {key: str(value) for key, value in self.context.items()},
            "hint": self.hint,
            "transient": self.transient,
            "exit_code": self.exit_code,
            "cause": repr(self.__cause__) if self.__cause__ is not None else None,
        }


class ConfigError(RustyBTError):
    """A setting, argument or configuration file is wrong."""

    exit_code = 2


class SecretsError(ConfigError):
    """The secrets store or its key is missing, unreadable, unsafe or does not match."""


class DataError(RustyBTError):
    """Market data could not be read, or is not what it claims to be."""

    exit_code = 3


class SchemaError(DataError):
    """A data file lacks a required column or holds values of the wrong type."""


class DataNotFound(DataError):
    """The requested file, catalog entry, symbol or window holds no data."""


class UnknownSymbol(DataNotFound):
    """A symbol is not in the catalog or data set being used."""


class DataGap(DataError):
    """Bars are missing where the trading calendar expects them."""


class CatalogError(DataError):
    """The on-disk catalog is missing, corrupt or inconsistent with its metadata."""


class ValidationError(DataError):
    """Data failed a validation rule severe enough to block it."""

    exit_code = 4


class LookaheadError(RustyBTError):
    """A strategy asked for data from the future of the current bar."""

    exit_code = 5


class StrategyError(RustyBTError):
    """User strategy code raised, or used the API incorrectly."""

    exit_code = 5


class OrderError(RustyBTError):
    """An order could not be created or is invalid."""

    exit_code = 6


class OrderRejected(OrderError):
    """The execution layer refused an order (limits, unknown asset, halted...)."""


class InsufficientFunds(OrderRejected):
    """The account lacks the cash or margin for an order."""


class BrokerError(RustyBTError):
    """A broker or exchange call failed."""

    exit_code = 7


class BrokerTimeout(BrokerError):
    """A broker call did not answer in time; retrying may succeed."""

    default_transient = True


class RateLimited(BrokerError):
    """The broker asked us to slow down; retrying after a pause will succeed."""

    default_transient = True


class OrderUnknown(BrokerError):
    """An order's request may have reached the venue but its outcome is not known yet.

    Never resend it: resolve it by querying the venue with the same client order id,
    by the fill stream, or by reconciliation.
    """

    default_transient = True


class ReconciliationError(BrokerError):
    """Local state and the venue's books could not be reconciled; new orders are refused."""


class TradingControlViolation(OrderRejected):
    """A pre-trade risk control (max order size, leverage, long-only, ...) refused an order."""


class TradingHalted(OrderRejected):
    """The circuit breaker is tripped or reconciliation is incomplete: new orders are refused.

    Cancels still work. An operator clears a tripped breaker with ``rustybt reset-breaker``.
    """
