"""The strategy's read-only view of its account: positions, cash, equity, leverage.

The view is live (it reads the ledger and current prices on access) so the
engine never copies positions per bar.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd

from rustybt.assets import Asset
from rustybt.data.bars import FloatArray
from rustybt.engine.ledger import Ledger
from rustybt.errors import UnknownSymbol
from rustybt.money import ZERO
from rustybt.summary import summary_html

__all__ = ["Portfolio", "Position", "Positions"]


def _plain_number(value: Decimal) -> int | float:
    """A whole quantity as int (zipline's share counts are ints), else a float."""
    whole = int(value)
    return whole if whole == value else float(value)


@dataclass(frozen=True, slots=True)
class Position:
    """One holding, as zipline names it: ``amount``, ``cost_basis``, ``last_sale_price``.

    These are plain numbers (an int share count, float prices) so strategy code
    can mix them with floats, as in zipline; ``exact_amount`` and
    ``exact_cost_basis`` are the ledger's Decimals.
    """

    asset: Asset
    exact_amount: Decimal
    exact_cost_basis: Decimal
    last_sale_price: float
    # When the last price was traded; read only when asked (it needs a lookup).
    _sale_date: Callable[[], pd.Timestamp | None] = field(
        default=lambda: None, repr=False, compare=False
    )

    @property
    def last_sale_date(self) -> pd.Timestamp | None:
        """The time of the bar that set ``last_sale_price`` (None: never traded)."""
        return self._sale_date()

    @property
    def amount(self) -> int | float:
        return _plain_number(self.exact_amount)

    @property
    def cost_basis(self) -> float:
        """Average price paid per unit held."""
        return float(self.exact_cost_basis)

    @property
    def sid(self) -> Asset:
        return self.asset

    @property
    def market_value(self) -> float:
        return float(self.exact_amount) * self.last_sale_price

    def to_dict(self) -> dict[str, object]:
        """zipline's position dict (as in its perf frame's ``positions`` column)."""
        return {
            "sid": self.asset,
            "amount": self.amount,
            "cost_basis": self.cost_basis,
            "last_sale_price": self.last_sale_price,
        }

    def _summary(self) -> dict[str, str]:
        pnl = (self.last_sale_price - self.cost_basis) * float(self.exact_amount)
        return {
            "asset": self.asset.symbol,
            "amount": f"{self.exact_amount:,}",
            "cost basis": f"{self.exact_cost_basis:,.2f}",
            "last price": f"{self.last_sale_price:,.2f}",
            "market value": f"{self.market_value:,.2f}",
            "unrealized pnl": f"{pnl:,.2f}",
        }

    def __repr__(self) -> str:
        return (
            f"Position({self.asset.symbol}, amount={self.exact_amount:,}, "
            f"cost_basis={self.exact_cost_basis:,.2f}, last_sale_price={self.last_sale_price:,.2f})"
        )

    def _repr_html_(self) -> str:
        return summary_html("Position", self._summary())


class Positions(Mapping[Asset, Position]):
    """Held assets only (``asset in positions`` means a non-zero holding).

    Like zipline, indexing an asset that is not held gives a zero position rather
    than a KeyError, so ``positions[a].amount`` is always safe.
    """

    def __init__(
        self,
        ledger: Ledger,
        price_of: Callable[[Asset], float],
        resolve: Callable[[object], Asset] | None = None,
        sale_date_of: Callable[[Asset], pd.Timestamp | None] | None = None,
    ) -> None:
        # ``resolve`` turns a symbol or an int sid (zipline code indexes by sid) into
        # the Asset; it raises UnknownSymbol for neither.
        self._ledger = ledger
        self._price_of = price_of
        self._resolve = resolve
        self._sale_date_of = sale_date_of

    def _asset(self, key: object) -> Asset:
        if isinstance(key, Asset) or self._resolve is None:
            return key  # type: ignore[return-value]  # an Asset, or the caller's own key
        return self._resolve(key)

    def __getitem__(self, asset: Asset | str | int) -> Position:
        resolved = self._asset(asset)
        held = self._ledger.positions.get(resolved)
        price = self._price_of(resolved)
        date_of = self._sale_date_of
        when = (lambda: None) if date_of is None else (lambda: date_of(resolved))
        if held is None:
            return Position(resolved, ZERO, ZERO, price, when)
        return Position(resolved, held.quantity, held.average_cost, price, when)

    def __contains__(self, asset: object) -> bool:
        if isinstance(asset, Asset) or self._resolve is None:
            return asset in self._ledger.positions
        try:
            return self._resolve(asset) in self._ledger.positions
        except UnknownSymbol:
            return False  # an unknown symbol or sid is not held

    def __iter__(self) -> Iterator[Asset]:
        return iter(list(self._ledger.positions))

    def __len__(self) -> int:
        return len(self._ledger.positions)


class Portfolio:
    """Account state at the current bar (float values for decisions; the ledger is exact)."""

    def __init__(
        self,
        ledger: Ledger,
        quantities: FloatArray,
        prices: Callable[[], FloatArray],
        price_of: Callable[[Asset], float],
        version: Callable[[], tuple[int, int]],
        resolve: Callable[[object], Asset] | None = None,
        sale_date_of: Callable[[Asset], pd.Timestamp | None] | None = None,
    ) -> None:
        # ``prices`` gives the current row of last-traded prices with NaN as 0;
        # ``version`` changes whenever the value can: (bar, fills booked so far).
        self._ledger = ledger
        self._quantities = quantities
        self._prices = prices
        self._version = version
        self._cached: tuple[tuple[int, int], float] = ((-2, -1), 0.0)
        self.positions = Positions(ledger, price_of, resolve, sale_date_of)

    @property
    def starting_cash(self) -> float:
        return float(self._ledger.starting_cash)

    @property
    def cash(self) -> float:
        return float(self._ledger.cash)

    def _exposures(self) -> tuple[float, float]:
        values = self._quantities * self._prices()
        return float(values[values > 0].sum()), float(values[values < 0].sum())

    @property
    def positions_value(self) -> float:
        return float(np.dot(self._quantities, self._prices()))

    @property
    def portfolio_value(self) -> float:
        # Sizing calls this once per order; it only changes with the bar or a fill.
        version = self._version()
        cached_version, value = self._cached
        if version != cached_version:
            value = self.cash + self.positions_value
            self._cached = (version, value)
        return value

    @property
    def pnl(self) -> float:
        return self.portfolio_value - self.starting_cash

    @property
    def positions_exposure(self) -> float:
        """Signed market value of the holdings (long minus short), as zipline's."""
        return self.positions_value

    @property
    def cash_flow(self) -> float:
        """Cash paid out (negative) or received since the start, as zipline's."""
        return self.cash - self.starting_cash

    @property
    def current_portfolio_weights(self) -> pd.Series:
        """Each held asset's market value over the portfolio value."""
        value = self.portfolio_value
        weights = {a: p.market_value / value for a, p in self.positions.items()} if value else {}
        return pd.Series(weights, dtype=float)

    @property
    def returns(self) -> float:
        return self.portfolio_value / self.starting_cash - 1.0

    @property
    def gross_leverage(self) -> float:
        long, short = self._exposures()
        value = self.portfolio_value
        return (long - short) / value if value else float("nan")

    @property
    def net_leverage(self) -> float:
        long, short = self._exposures()
        value = self.portfolio_value
        return (long + short) / value if value else float("nan")

    def __repr__(self) -> str:
        return (
            f"Portfolio(value={self.portfolio_value:,.2f}, cash={self.cash:,.2f}, "
            f"positions={len(self.positions)})"
        )

    def _summary(self) -> dict[str, str]:
        return {
            "portfolio value": f"{self.portfolio_value:,.2f}",
            "cash": f"{self.cash:,.2f}",
            "positions value": f"{self.positions_value:,.2f}",
            "return": f"{self.returns:.2%}",
            "gross leverage": f"{self.gross_leverage:.2f}",
            "positions": f"{len(self.positions):,}",
        }

    def _repr_html_(self) -> str:
        """The account and its ``_HTML_POSITIONS`` largest holdings by market value."""
        held = sorted(self.positions.values(), key=lambda p: -abs(p.market_value))
        table = ""
        if held:
            frame = pd.DataFrame(
                [
                    {
                        "asset": p.asset.symbol,
                        "amount": p.amount,
                        "cost basis": p.cost_basis,
                        "last price": p.last_sale_price,
                        "market value": p.market_value,
                    }
                    for p in held[:_HTML_POSITIONS]
                ]
            )
            more = len(held) - _HTML_POSITIONS
            note = f"<p>... and {more:,} smaller positions</p>" if more > 0 else ""
            table = frame.to_html(index=False, float_format="{:,.2f}".format) + note
        return summary_html("Portfolio", self._summary(), extra_html=table)


_HTML_POSITIONS = 10
