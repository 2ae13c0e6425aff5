"""The exact ledger: cash, positions, cost basis, commissions and realized PnL in Decimal.

Cost basis is kept as a *total* (signed quantity x price summed over the open
part of the position), not an average, so that what leaves the basis on a
partial close plus what stays is exactly what came in. That makes the identity

    equity = starting cash + realized PnL + unrealized PnL - commissions

hold exactly in Decimal, not merely to rounding (tests assert it to the cent on
every run and exactly in property tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rustybt.assets import Asset
from rustybt.money import ZERO

__all__ = ["Ledger", "LedgerPosition"]

_COST_QUANTUM = Decimal("1e-16")
_QUANTIZE_BELOW = 17


@dataclass(slots=True)
class LedgerPosition:
    """An open position. ``cost`` is the signed total cost of the open quantity."""

    asset: Asset
    quantity: Decimal = ZERO
    cost: Decimal = ZERO
    realized_pnl: Decimal = ZERO

    @property
    def average_cost(self) -> Decimal:
        return self.cost / self.quantity if self.quantity else ZERO

    def unrealized_pnl(self, mark: Decimal) -> Decimal:
        return self.quantity * mark - self.cost


def _share(cost: Decimal, closing: Decimal, held: Decimal) -> Decimal:
    """The part of ``cost`` that ``closing`` of ``held`` units carry, to 1e-16.

    An unrounded quotient can have 34 significant digits (1/3 of a cost); adding
    it to cash-sized totals would then round, and the identity would be off by
    ~1e-28. A fixed quantum keeps every later sum exact.
    """
    share = cost * closing / held
    # quantize needs the digits to fit the context (1e18 and more would not).
    return share.quantize(_COST_QUANTUM) if share.adjusted() < _QUANTIZE_BELOW else share


class Ledger:
    """Books fills exactly. The engine keeps float mirrors for speed; this is the truth."""

    def __init__(self, starting_cash: Decimal) -> None:
        self.starting_cash = starting_cash
        self.cash = starting_cash
        self.positions: dict[Asset, LedgerPosition] = {}
        self.realized_pnl = ZERO
        self.commissions = ZERO
        self.slippage = ZERO

    def apply_fill(
        self,
        asset: Asset,
        quantity: Decimal,
        price: Decimal,
        commission: Decimal,
        slippage: Decimal = ZERO,
    ) -> Decimal:
        """Book one fill and return the realized PnL (before commission) it produced."""
        value = quantity * price
        self.cash -= value + commission
        if commission is not ZERO or self.commissions is not ZERO:  # ZERO + ZERO: ZERO's form
            self.commissions += commission
        self.slippage += slippage
        position = self.positions.get(asset)
        if position is None:
            if quantity:
                # Opening: what the general case below computes from an empty position
                # (the same sums with ZERO, so the same Decimals, exponents included).
                self.positions[asset] = LedgerPosition(asset, ZERO + quantity, ZERO + value)
                self.realized_pnl += ZERO
                return ZERO
            position = self.positions[asset] = LedgerPosition(asset)
        realized = ZERO
        held = position.quantity
        if held and (held > 0) != (quantity > 0):
            closing = -quantity if abs(quantity) <= abs(held) else held
            # Exact subtraction keeps cost conserved even though the division rounds.
            released = position.cost if closing == held else _share(position.cost, closing, held)
            realized = closing * price - released
            position.cost -= released
            position.quantity -= closing
            quantity += closing
            if quantity:  # more than the position: the rest opens the other side
                position.cost += quantity * price
                position.quantity += quantity
        elif quantity:  # adding to the position: its cost grows by this fill's value
            position.cost += value
            position.quantity += quantity
        position.realized_pnl += realized
        self.realized_pnl += realized
        if not position.quantity:
            position.cost = ZERO
            del self.positions[asset]
        return realized

    def quantity(self, asset: Asset) -> Decimal:
        position = self.positions.get(asset)
        return position.quantity if position is not None else ZERO

    def positions_value(self, marks: dict[Asset, Decimal]) -> Decimal:
        return sum((p.quantity * marks[a] for a, p in self.positions.items()), ZERO)

    def unrealized_pnl(self, marks: dict[Asset, Decimal]) -> Decimal:
        return sum((p.unrealized_pnl(marks[a]) for a, p in self.positions.items()), ZERO)

    def equity(self, marks: dict[Asset, Decimal]) -> Decimal:
        return self.cash + self.positions_value(marks)

    def identity_gap(self, marks: dict[Asset, Decimal]) -> Decimal:
        """equity - (starting cash + realized + unrealized - commissions); exactly 0."""
        expected = (
            self.starting_cash + self.realized_pnl + self.unrealized_pnl(marks) - self.commissions
        )
        return self.equity(marks) - expected
