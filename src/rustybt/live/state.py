"""The live session's durable state: one SQLite file (WAL).

Durability: every write is committed before the caller goes on, so a killed process
(SIGKILL, a crash, the OOM killer) loses nothing it wrote: under WAL a commit is in
the operating system's page cache when ``COMMIT`` returns, whatever ``synchronous``
says. What a *power cut* may lose is the last commits not yet fsynced. The writes
the order protocol rests on, an order intent (persisted before it is sent) and the
fencing epoch of a new leader, are committed with ``synchronous=FULL`` (the WAL is
fsynced, and with it every commit before it); the per-bar writes (the bar begun, the
strategy's state, fills, order states, a breaker change) with ``synchronous=NORMAL``,
no fsync. A power cut may lose those written since the last intent: fills and order
states are rebuilt by the restart's reconciliation (from the venue, by client order
id), the bars are decided again (none of them persisted an intent, so none sent an
order), and a breaker change since then is lost. The per-bar fsyncs were a cause of
late bars in the soak (`docs/soak.md`).

What is kept, and why:

- ``meta``: the session id (stable across restarts, so client order ids stay
  deterministic), the fills cursor, the last bar begun, the breaker and risk
  state, the last reconciliation.
- ``orders``: every order intent, written BEFORE it is sent, then each change of
  its state (sent, accepted, unknown, closed). A restart finds every order the
  process may have sent.
- ``fills``: every venue fill, keyed by the venue trade id, so a replayed or
  duplicated fill is ignored (``INSERT OR IGNORE``). The ledger is rebuilt from
  them in arrival order after a restart.
- ``sessions``: each closed session's performance row, so the result after a
  restart still covers the whole session history.
- ``snapshots``: the strategy's own state after the last decided bar
  (`rustybt.live.strategy_state`), so a restarted strategy decides as one that
  never stopped.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from decimal import Decimal
from pathlib import Path

from rustybt.errors import ConfigError, RustyBTError
from rustybt.live.state_records import FillRecord, OrderRecord, _order_record, _text

__all__ = ["Fenced", "FillRecord", "OrderRecord", "StateStore"]


class Fenced(RustyBTError):
    """This process is no longer the leader of the session (a newer leader took over).

    Raised before anything is persisted or sent: a stale leader stops, it never trades
    beside the new one (see `rustybt.live.leader`).
    """

    exit_code = 7


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    client_order_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    engine_id TEXT NOT NULL,
    symbol TEXT NOT NULL,
    quantity TEXT NOT NULL,
    order_type TEXT NOT NULL,
    limit_price TEXT,
    stop_price TEXT,
    time_in_force TEXT NOT NULL,
    created TEXT NOT NULL,
    created_bar INTEGER NOT NULL,
    decision_price REAL NOT NULL,
    state TEXT NOT NULL,
    status TEXT NOT NULL,
    venue_order_id TEXT,
    reason TEXT,
    closed TEXT,
    external INTEGER NOT NULL DEFAULT 0,
    replaces TEXT
);
CREATE TABLE IF NOT EXISTS fills (
    row INTEGER PRIMARY KEY AUTOINCREMENT,
    trade_id TEXT NOT NULL UNIQUE,
    client_order_id TEXT,
    symbol TEXT NOT NULL,
    quantity TEXT NOT NULL,
    price TEXT NOT NULL,
    commission TEXT NOT NULL,
    slippage TEXT NOT NULL,
    reference REAL NOT NULL,
    bar INTEGER NOT NULL,
    timestamp TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (session INTEGER PRIMARY KEY, row TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshots (name TEXT PRIMARY KEY, bar INTEGER NOT NULL, blob BLOB NOT NULL);
"""

# Order states of the intent log (not the engine's OrderStatus): where in the
# send protocol the order is.
INTENT = "intent"  # persisted, not yet sent
SENT = "sent"  # the venue answered: accepted (or rejected, then closed)
UNKNOWN = "unknown"  # sent, outcome unknown: resolve by query, never resend
CLOSED = "closed"  # terminal at the venue (filled, cancelled, expired, rejected)
NOT_SENT = "not_sent"  # the intent was never sent (crash before send, refused locally)
REPLACED = "replaced"  # a venue order replaced by a modification (its row ``replaces`` it)


class StateStore:
    """The SQLite state of one live session (a directory holds ``state.db``)."""

    FILE = "state.db"

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        if path.suffix != ".db":
            path = path / self.FILE
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we open each transaction ourselves.
            self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(
                f"cannot open the live state database {path}: {exc}",
                context={"path": str(path)},
                hint="pass a writable state directory (--state DIR)",
            ) from exc
        self.path = path
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # FULL for intents (module docstring)
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(orders)")}
        if "replaces" not in columns:  # a state file written before modifications existed
            self._db.execute("ALTER TABLE orders ADD COLUMN replaces TEXT")
        self._epoch: int | None = None  # the leadership epoch this process writes under

    # -- leadership (warm standby) ------------------------------------------------------
    def take_leadership(self) -> int:
        """The next fencing epoch, committed durably: every older leader is fenced from now on."""
        with self._transaction(durable=True):
            row = self._db.execute("SELECT value FROM meta WHERE key = 'leader_epoch'").fetchone()
            epoch = (int(row[0]) if row else 0) + 1
            self.set("leader_epoch", str(epoch))
        return epoch

    @contextmanager
    def _transaction(self, *, durable: bool = False) -> Iterator[None]:
        """One write transaction: committed when the block ends, rolled back if it
        raises. ``durable`` commits with ``synchronous=FULL`` (the WAL is fsynced, and
        with it every earlier commit): order intents and the fencing epoch (see the
        module docstring); every other write commits without an fsync."""
        db = self._db
        if durable:
            db.execute("PRAGMA synchronous=FULL")
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        finally:
            if durable:
                db.execute("PRAGMA synchronous=NORMAL")

    def batch(self) -> AbstractContextManager[None]:
        """Plain writes (``set``, ``add_session``, ``update_order``) inside one
        transaction, one commit: all of them or none survive a kill, and a cold restore
        re-marks thousands of filled orders closed with one commit."""
        return self._transaction()

    @property
    def fence_epoch(self) -> int | None:
        """The epoch this process writes under (None: not fenced)."""
        return self._epoch

    def fence(self, epoch: int | None) -> None:
        """Write under ``epoch`` from now on: intents and begun bars check it (None: off)."""
        self._epoch = epoch

    def check_fence(self) -> None:
        """Raise `Fenced` if a newer leader took the session (no-op when not fenced)."""
        if self._epoch is None:
            return
        row = self._db.execute("SELECT value FROM meta WHERE key = 'leader_epoch'").fetchone()
        current = int(row[0]) if row else 0
        if current != self._epoch:
            raise Fenced(
                f"this process led epoch {self._epoch}, but epoch {current} has taken over",
                hint="a newer leader trades this session; this process stops without sending",
                context={"epoch": self._epoch, "current": current},
            )

    def close(self) -> None:
        self._db.close()

    # -- meta ----------------------------------------------------------------------
    def get(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta(key, value) VALUES(?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def set_many(self, values: dict[str, str]) -> None:
        """Several meta keys in one transaction (one fsync); fenced (see `fence`)."""
        with self._transaction():
            self.check_fence()
            for key, value in values.items():
                self.set(key, value)

    def get_json(self, key: str) -> object:
        text = self.get(key)
        return None if text is None else json.loads(text)

    def set_json(self, key: str, value: object) -> None:
        self.set(key, json.dumps(value, sort_keys=True, default=str))

    # -- orders --------------------------------------------------------------------
    def add_order(self, record: OrderRecord) -> None:
        """Persist an intent (or an adopted external order); committed on return.

        Fenced: the epoch check and the insert are one transaction, so a stale leader
        cannot persist an intent once a newer leader has taken the session. Committed with
        ``synchronous=FULL``: the intent survives a power cut before its send."""
        with self._transaction(durable=True):
            self.check_fence()
            self._insert_order(record)

    def _insert_order(self, record: OrderRecord) -> None:
        self._db.execute(
            "INSERT INTO orders VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                record.client_order_id,
                record.seq,
                record.engine_id,
                record.symbol,
                str(record.quantity),
                record.order_type,
                _text(record.limit_price),
                _text(record.stop_price),
                record.time_in_force,
                record.created,
                record.created_bar,
                record.decision_price,
                record.state,
                record.status,
                record.venue_order_id,
                record.reason,
                record.closed,
                int(record.external),
                record.replaces,
            ),
        )

    def update_order(
        self,
        client_order_id: str,
        *,
        state: str | None = None,
        status: str | None = None,
        venue_order_id: str | None = None,
        reason: str | None = None,
        closed: str | None = None,
    ) -> None:
        self._db.execute(
            "UPDATE orders SET state = COALESCE(?, state), status = COALESCE(?, status), "
            "venue_order_id = COALESCE(?, venue_order_id), reason = COALESCE(?, reason), "
            "closed = COALESCE(?, closed) WHERE client_order_id = ?",
            (state, status, venue_order_id, reason, closed, client_order_id),
        )

    def orders(self) -> list[OrderRecord]:
        rows = self._db.execute("SELECT * FROM orders ORDER BY seq, client_order_id").fetchall()
        return [_order_record(r) for r in rows]

    def orders_after(self, rowid: int) -> list[tuple[int, OrderRecord]]:
        """Orders stored after SQLite row ``rowid``, in the order they were written."""
        rows = self._db.execute(
            "SELECT rowid, * FROM orders WHERE rowid > ? ORDER BY rowid", (rowid,)
        ).fetchall()
        return [(int(r[0]), _order_record(r[1:])) for r in rows]

    def orders_by_id(self, client_order_ids: list[str]) -> list[OrderRecord]:
        """The current records of these client order ids (unknown ids are skipped)."""
        records = []
        for coid in client_order_ids:
            row = self._db.execute(
                "SELECT * FROM orders WHERE client_order_id = ?", (coid,)
            ).fetchone()
            if row is not None:
                records.append(_order_record(row))
        return records

    def max_seq(self) -> int:
        row = self._db.execute("SELECT MAX(seq) FROM orders WHERE external = 0").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    # -- fills ---------------------------------------------------------------------
    def add_fill(self, fill: FillRecord, *, cursor: str | None) -> bool:
        """Store a fill and the fills cursor in one transaction; False for a duplicate."""
        with self._transaction():
            inserted = self._db.execute(
                "INSERT OR IGNORE INTO fills(trade_id, client_order_id, symbol, quantity, price,"
                " commission, slippage, reference, bar, timestamp) VALUES(?,?,?,?,?,?,?,?,?,?)",
                (
                    fill.trade_id,
                    fill.client_order_id,
                    fill.symbol,
                    str(fill.quantity),
                    str(fill.price),
                    str(fill.commission),
                    str(fill.slippage),
                    fill.reference,
                    fill.bar,
                    fill.timestamp,
                ),
            ).rowcount
            if cursor is not None:
                self.set("fills_cursor", cursor)
        return bool(inserted)

    def has_fill(self, trade_id: str) -> bool:
        row = self._db.execute("SELECT 1 FROM fills WHERE trade_id = ?", (trade_id,)).fetchone()
        return row is not None

    def fills(self) -> list[FillRecord]:
        return [fill for _row, fill in self.fills_after(0)]

    def fills_after(self, row: int) -> list[tuple[int, FillRecord]]:
        """Fills stored after row ``row`` (the table's autoincrement key), in arrival order."""
        rows = self._db.execute(
            "SELECT row, trade_id, client_order_id, symbol, quantity, price, commission,"
            " slippage, reference, bar, timestamp FROM fills WHERE row > ? ORDER BY row",
            (row,),
        ).fetchall()
        return [
            (
                int(r[0]),
                FillRecord(
                    trade_id=r[1],
                    client_order_id=r[2],
                    symbol=r[3],
                    quantity=Decimal(r[4]),
                    price=Decimal(r[5]),
                    commission=Decimal(r[6]),
                    slippage=Decimal(r[7]),
                    reference=float(r[8]),
                    bar=int(r[9]),
                    timestamp=r[10],
                ),
            )
            for r in rows
        ]

    def acted_at(self, bar: int) -> bool:
        """Whether anything decided at ``bar`` or later was kept: an order created then
        (its intent persisted) or the strategy's state saved after it."""
        for table, column in (("orders", "created_bar"), ("snapshots", "bar")):
            query = f"SELECT 1 FROM {table} WHERE {column} >= ? LIMIT 1"  # fixed names, not input
            if self._db.execute(query, (bar,)).fetchone() is not None:
                return True
        return False

    # -- snapshots (the strategy's own state) -------------------------------------------
    def put_snapshot(self, name: str, bar: int, blob: bytes) -> None:
        """Replace snapshot ``name`` (taken after ``bar``) in one fenced transaction."""
        with self._transaction():
            self.check_fence()
            self._db.execute("INSERT OR REPLACE INTO snapshots VALUES(?, ?, ?)", (name, bar, blob))

    def snapshot(self, name: str) -> tuple[int, bytes] | None:
        row = self._db.execute("SELECT bar, blob FROM snapshots WHERE name = ?", (name,)).fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))

    # -- sessions ------------------------------------------------------------------
    def add_session(self, session: int, row: dict[str, object]) -> None:
        self._db.execute("INSERT OR REPLACE INTO sessions VALUES(?, ?)", (session, json.dumps(row)))

    def sessions(self) -> dict[int, dict[str, object]]:
        rows = self._db.execute("SELECT session, row FROM sessions ORDER BY session").fetchall()
        return {int(r[0]): json.loads(r[1]) for r in rows}
