"""``context.account``: zipline's account fields, read live from the portfolio.

A backtest account here is a margin account with no borrowing limit (as in
zipline): buying power and RegT margin are infinite, margin requirements zero,
and cash settles at once. Values are floats for decisions; the ledger is exact.
"""

from __future__ import annotations

import math

from rustybt.engine.portfolio import Portfolio

__all__ = ["Account"]


class Account:
    """The fields of zipline's ``Account``, computed as zipline's ledger does."""

    __slots__ = ("_portfolio",)

    accrued_interest = 0.0
    buying_power = math.inf
    regt_margin = math.inf
    initial_margin_requirement = 0.0
    maintenance_margin_requirement = 0.0
    day_trades_remaining = math.inf

    def __init__(self, portfolio: Portfolio) -> None:
        self._portfolio = portfolio

    @property
    def settled_cash(self) -> float:
        return self._portfolio.cash

    @property
    def regt_equity(self) -> float:
        return self._portfolio.cash

    @property
    def available_funds(self) -> float:
        return self._portfolio.cash

    @property
    def excess_liquidity(self) -> float:
        return self._portfolio.cash

    @property
    def equity_with_loan(self) -> float:
        return self._portfolio.portfolio_value

    @property
    def net_liquidation(self) -> float:
        return self._portfolio.portfolio_value

    @property
    def total_positions_value(self) -> float:
        return self._portfolio.portfolio_value - self._portfolio.cash

    @property
    def total_positions_exposure(self) -> float:
        return self._portfolio.positions_exposure

    @property
    def cushion(self) -> float:
        value = self._portfolio.portfolio_value
        return self._portfolio.cash / value if value else math.nan

    @property
    def leverage(self) -> float:
        """Gross leverage: (long + |short|) / portfolio value."""
        return self._portfolio.gross_leverage

    @property
    def gross_leverage(self) -> float:
        return self._portfolio.gross_leverage

    @property
    def net_leverage(self) -> float:
        return self._portfolio.net_leverage

    def __repr__(self) -> str:
        return (
            f"Account(leverage={self.leverage:.4f}, net_leverage={self.net_leverage:.4f}, "
            f"settled_cash={self.settled_cash:,.2f}, equity_with_loan={self.equity_with_loan:,.2f})"
        )
