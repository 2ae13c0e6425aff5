"""The recovery checker: compares a session's state store with the venue's ground truth,
per order, and the ledger with the venue's books to the cent.

Used by the crash tests (kill -9 at exact points and at random) and meant for the
soak harness. It works on the paper broker's database (the venue's own books);
a naive system that resends after a crash with a new client order id is caught
as a duplicate here, which is what proves the checker can see what it claims.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from rustybt.live.state import INTENT, NOT_SENT, UNKNOWN, StateStore
from rustybt.money import ZERO

__all__ = ["BooksCheck", "check_paper_books"]

_CENT = Decimal("0.01")


@dataclass
class BooksCheck:
    """Findings; ``ok`` when there is no lost, duplicate or unresolved order and the
    books match to the cent."""

    venue_orders: int = 0
    state_orders: int = 0
    fills: int = 0
    lost: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    books: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicates or self.unresolved or self.books)


def _intent_of(coid: str) -> str:
    """The intent an id belongs to: ``rb-<session>-<seq>`` (anything after is a re-send)."""
    parts = coid.split("-")
    return "-".join(parts[:3]) if coid.startswith("rb-") else coid


def _book(
    fills: list[tuple[str, Decimal, Decimal, Decimal]], capital: Decimal
) -> tuple[Decimal, dict[str, Decimal]]:
    cash, positions = capital, dict[str, Decimal]()
    for symbol, quantity, price, commission in fills:
        cash -= quantity * price + commission
        positions[symbol] = positions.get(symbol, ZERO) + quantity
    return cash, {s: q for s, q in positions.items() if q != ZERO}


def check_paper_books(state_dir: str | Path, *, capital: Decimal) -> BooksCheck:
    """Check ``state_dir`` (``state.db`` and the paper broker's ``paper.db``)."""
    state_dir = Path(state_dir)
    store = StateStore(state_dir)
    venue = sqlite3.connect(str(state_dir / "paper.db"))
    try:
        check = BooksCheck()
        ours = {r.client_order_id: r for r in store.orders()}
        theirs = {
            oid: json.loads(text) for oid, text in venue.execute("SELECT id, state FROM orders")
        }
        check.venue_orders, check.state_orders = len(theirs), len(ours)
        per_intent = Counter(_intent_of(coid) for coid in theirs)
        check.duplicates += [f"{i}: {n} venue orders" for i, n in per_intent.items() if n > 1]
        check.duplicates += [
            f"{c}: at the venue, unknown to the state" for c in theirs if c not in ours
        ]
        for coid, record in ours.items():
            if record.state in (INTENT, UNKNOWN):
                check.unresolved.append(f"{coid}: still {record.state}")
            elif record.state != NOT_SENT and coid not in theirs:
                check.lost.append(f"{coid}: state says {record.state}, the venue never had it")
        our_fills = store.fills()
        venue_fills = [json.loads(text) for (text,) in venue.execute("SELECT fill FROM fills")]
        check.fills = len(venue_fills)
        missing = {f["trade_id"] for f in venue_fills} - {f.trade_id for f in our_fills}
        check.books += [f"fill {t} at the venue, not in the ledger" for t in sorted(missing)]
        ledger_cash, ledger_positions = _book(
            [(f.symbol, f.quantity, f.price, f.commission) for f in our_fills], capital
        )
        venue_cash, venue_positions = _book(
            [
                (
                    f["symbol"],
                    Decimal(f["quantity"]) * (1 if f["side"] == "buy" else -1),
                    Decimal(f["price"]),
                    Decimal(f["commission"]),
                )
                for f in venue_fills
            ],
            capital,
        )
        if abs(ledger_cash - venue_cash) >= _CENT:
            check.books.append(f"cash: ledger {ledger_cash:.2f}, venue {venue_cash:.2f}")
        if ledger_positions != venue_positions:
            check.books.append(f"positions: ledger {ledger_positions}, venue {venue_positions}")
        return check
    finally:
        venue.close()
        store.close()
