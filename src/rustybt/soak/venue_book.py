"""The faulty broker's books: the ground truth for orders and fills (its own SQLite).

Market orders only (the soak strategy places nothing else). An order is filled
over one to three clock ticks (partial fills) at the market's price for the bar
due at that moment. Client order ids are unique: a second submit with a known id
returns the existing order (as real venues refuse a duplicate client id), and is
counted, so the checker can tell a resend from an order.
"""

from __future__ import annotations

import random
import sqlite3
import threading
from decimal import Decimal
from pathlib import Path

from rustybt.soak.market import Market

__all__ = ["COMMISSION_RATE", "VenueBook"]

COMMISSION_RATE = Decimal("0.0005")
_CENT = Decimal("0.01")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    coid TEXT PRIMARY KEY, seq INTEGER NOT NULL, symbol TEXT NOT NULL, side TEXT NOT NULL,
    quantity TEXT NOT NULL, filled TEXT NOT NULL, status TEXT NOT NULL,
    created_bar INTEGER NOT NULL, created_at REAL NOT NULL, submits INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS fills (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, trade_id TEXT UNIQUE NOT NULL, coid TEXT NOT NULL,
    symbol TEXT NOT NULL, side TEXT NOT NULL, quantity TEXT NOT NULL, price TEXT NOT NULL,
    commission TEXT NOT NULL, bar INTEGER NOT NULL, at REAL NOT NULL
);
"""

ORDER_COLUMNS = "coid, seq, symbol, side, quantity, filled, status, created_bar, created_at"
FILL_COLUMNS = "seq, trade_id, coid, symbol, side, quantity, price, commission, bar, at"
# Whole literals (the column lists above, spelled out), so no query is ever built.
_ORDER_BY_ID = (
    "SELECT coid, seq, symbol, side, quantity, filled, status, created_bar, created_at"
    " FROM orders WHERE coid = ?"
)
_OPEN_ORDERS = (
    "SELECT coid, seq, symbol, side, quantity, filled, status, created_bar, created_at"
    " FROM orders WHERE status = 'open' ORDER BY seq"
)
_ORDERS_SINCE = (
    "SELECT coid, seq, symbol, side, quantity, filled, status, created_bar, created_at"
    " FROM orders WHERE created_at >= ? ORDER BY seq"
)
_FILLS_AFTER = (
    "SELECT seq, trade_id, coid, symbol, side, quantity, price, commission, bar, at"
    " FROM fills WHERE seq > ? ORDER BY seq LIMIT ?"
)


class VenueBook:
    """Orders and fills in ``path`` (WAL, synchronous=FULL: a killed broker keeps them)."""

    def __init__(self, path: str | Path, market: Market, *, seed: int) -> None:
        self.market = market
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(_SCHEMA)
        # (capital, last fill seq folded, cash, positions): see `books`
        self._books: tuple[Decimal, int, Decimal, dict[str, Decimal]] | None = None

    def close(self) -> None:
        with self.lock:
            self.db.close()

    def submit(
        self, coid: str, symbol: str, side: str, quantity: Decimal, bar: int, now: float
    ) -> tuple[dict[str, object], bool]:
        """Apply a new order (or find the existing one): (order, created)."""
        with self.lock:
            existing = self._order(coid)
            if existing is not None:
                self.db.execute("UPDATE orders SET submits = submits + 1 WHERE coid = ?", (coid,))
                return existing, False
            seq = self.db.execute("SELECT COUNT(*) FROM orders").fetchone()[0] + 1
            self.db.execute(
                "INSERT INTO orders VALUES (?, ?, ?, ?, ?, '0', 'open', ?, ?, 1)",
                (coid, seq, symbol, side, str(quantity), bar, now),
            )
            order = self._order(coid)
            assert order is not None
            return order, True

    def tick(self, bar: int, now: float, partial_rate: float) -> int:
        """Fill open orders at ``bar``'s price: the whole rest, or part of it; returns fills."""
        made = 0
        with self.lock:
            rows = self.db.execute(
                "SELECT coid, symbol, side, quantity, filled FROM orders WHERE status = 'open'"
            ).fetchall()
            for coid, symbol, side, quantity, filled in rows:
                rest = Decimal(quantity) - Decimal(filled)
                chunk = rest
                if rest > 1 and self.rng.random() < partial_rate:
                    chunk = Decimal(max(1, int(rest) // 2))
                price = self.market.price(symbol, bar)
                commission = (chunk * price * COMMISSION_RATE).quantize(_CENT)
                number = self.db.execute("SELECT COUNT(*) FROM fills").fetchone()[0] + 1
                done = Decimal(filled) + chunk
                self.db.execute("BEGIN")
                self.db.execute(
                    "INSERT INTO fills (trade_id, coid, symbol, side, quantity, price, commission,"
                    " bar, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        f"T{number}",
                        coid,
                        symbol,
                        side,
                        str(chunk),
                        str(price),
                        str(commission),
                        bar,
                        now,
                    ),
                )
                self.db.execute(
                    "UPDATE orders SET filled = ?, status = ? WHERE coid = ?",
                    (str(done), "filled" if done >= Decimal(quantity) else "open", coid),
                )
                self.db.execute("COMMIT")
                made += 1
        return made

    def cancel(self, coid: str) -> dict[str, object] | None:
        """Cancel the unfilled rest of an open order; the order as it now is (None: unknown)."""
        with self.lock:
            self.db.execute(
                "UPDATE orders SET status = 'cancelled' WHERE coid = ? AND status = 'open'", (coid,)
            )
            return self._order(coid)

    def _order(self, coid: str) -> dict[str, object] | None:
        row = self.db.execute(_ORDER_BY_ID, (coid,))
        found = row.fetchone()
        return None if found is None else _order_dict(found)

    def order(self, coid: str) -> dict[str, object] | None:
        with self.lock:
            return self._order(coid)

    def orders(self, *, open_only: bool = False, since: float = 0.0) -> list[dict[str, object]]:
        query, params = (_OPEN_ORDERS, ()) if open_only else (_ORDERS_SINCE, (since,))
        with self.lock:
            rows = self.db.execute(query, params).fetchall()
        return [_order_dict(r) for r in rows]

    def fills(self, after: int, limit: int = 200) -> list[dict[str, object]]:
        with self.lock:
            rows = self.db.execute(_FILLS_AFTER, (after, limit)).fetchall()
        return [_fill_dict(r) for r in rows]

    def books(self, capital: Decimal) -> tuple[Decimal, dict[str, Decimal]]:
        """Cash and signed positions from every fill (the truth the ledger must equal).

        Folded incrementally (the fills since the last call), so a long session's
        ``/positions`` does not re-read every fill: a slow venue would lengthen the
        trader's reconciliations, which is the harness's cost, not the trader's."""
        if self._books is None or self._books[0] != capital:
            self._books = (capital, 0, capital, {})
        _, seen, cash, positions = self._books
        positions = dict(positions)
        for fill in self.fills(seen, limit=10**9):
            sign = 1 if fill["side"] == "buy" else -1
            quantity, price = Decimal(str(fill["quantity"])), Decimal(str(fill["price"]))
            cash -= sign * quantity * price + Decimal(str(fill["commission"]))
            symbol = str(fill["symbol"])
            positions[symbol] = positions.get(symbol, Decimal(0)) + sign * quantity
            seen = max(seen, int(str(fill["seq"])))
        self._books = (capital, seen, cash, positions)
        return cash, {s: q for s, q in positions.items() if q}


def _order_dict(row: tuple[object, ...]) -> dict[str, object]:
    return dict(zip(ORDER_COLUMNS.split(", "), row, strict=True))


def _fill_dict(row: tuple[object, ...]) -> dict[str, object]:
    return dict(zip(FILL_COLUMNS.split(", "), row, strict=True))
