"""Per-session account values: the rows of ``perf`` and ``positions``.

Values are float64 snapshots taken at each session's last bar (the ledger keeps
the exact Decimal totals); positions are recorded only where non-zero.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from rustybt.data.bars import BarPanel, FloatArray
from rustybt.engine.ledger import Ledger
from rustybt.engine.scheduling import SessionLayout

__all__ = ["PERF_COLUMNS", "PerformanceTracker", "PositionParts"]

# The engine's own columns of ``perf``, in output order (recorded values follow).
PERF_COLUMNS: tuple[str, ...] = (
    "portfolio_value",
    "cash",
    "positions_value",
    "returns",
    "pnl",
    "gross_leverage",
    "net_leverage",
    "long_exposure",
    "short_exposure",
    "commission",
    "slippage",
    "fills",
    "benchmark_returns",
)
# The columns of ``positions``, in order; the float ones are built as one block.
POSITION_COLUMNS = (
    "session",
    "symbol",
    "quantity",
    "last_price",
    "market_value",
    "cost_basis",
    "unrealized_pnl",
)
_POSITION_FLOATS = POSITION_COLUMNS[2:]
_SNAPSHOT_COLUMNS = (
    "portfolio_value",
    "cash",
    "positions_value",
    "long_exposure",
    "short_exposure",
    "commission",
    "slippage",
)


class PerformanceTracker:
    def __init__(
        self,
        panel: BarPanel,
        layout: SessionLayout,
        ledger: Ledger,
        quantities: FloatArray,
        cost_basis: FloatArray,
        value_prices: FloatArray,
    ) -> None:
        self._panel = panel
        self._layout = layout
        self._ledger = ledger
        self._quantities = quantities
        self._cost_basis = cost_basis
        self._prices = value_prices
        n = len(layout.sessions)
        self._columns = {name: np.zeros(n) for name in _SNAPSHOT_COLUMNS}
        self._fill_counts = np.zeros(n, dtype=np.int64)
        self._session = 0
        # First session this tracker values (a live session started with --from).
        self.first_session = 0
        self._commission_seen = 0.0
        self._slippage_seen = 0.0
        self._position_parts: list[tuple[int, np.ndarray, FloatArray, FloatArray, FloatArray]] = []

    @property
    def sessions_closed(self) -> int:
        """How many sessions have been valued so far."""
        return self._session

    def close_session(self, bar: int, fills_so_far: int) -> None:
        session = self._session
        # Only held assets can have a value: the sums below see the same non-zero
        # values in the same order as over every asset, so they are bit-identical.
        held = np.flatnonzero(self._quantities)
        quantities = self._quantities[held]
        prices = self._prices[bar][held]
        values = quantities * prices
        long = float(values[values > 0].sum())
        short = float(values[values < 0].sum())
        ledger = self._ledger
        cash = float(ledger.cash)
        commission = float(ledger.commissions)
        slippage = float(ledger.slippage)
        columns = self._columns
        columns["cash"][session] = cash
        columns["long_exposure"][session] = long
        columns["short_exposure"][session] = short
        columns["positions_value"][session] = long + short
        columns["portfolio_value"][session] = cash + long + short
        columns["commission"][session] = commission - self._commission_seen
        columns["slippage"][session] = slippage - self._slippage_seen
        self._fill_counts[session] = fills_so_far
        self._commission_seen = commission
        self._slippage_seen = slippage
        if len(held):
            self._position_parts.append((session, held, quantities, prices, self._cost_basis[held]))
        self._session += 1

    def frame(self, sessions_closed: int | None = None) -> pd.DataFrame:
        """The perf frame of the sessions valued so far (all of them once a run is over;
        fewer when a run failed or a live session stopped early); ``sessions_closed``
        keeps only the first sessions."""
        n = self._session if sessions_closed is None else sessions_closed
        first = self.first_session
        sessions = self._layout.sessions[first:n]
        # No frequency on the index: it would not survive Parquet; sessions are labels.
        index = pd.DatetimeIndex(sessions.asi8, tz="UTC", name="session").as_unit("ns")
        columns = (
            self._columns
            if n == len(self._layout.sessions) and not first
            else {name: values[first:n] for name, values in self._columns.items()}
        )
        perf = pd.DataFrame(columns, index=index)
        value = perf["portfolio_value"].to_numpy()
        previous = np.r_[float(self._ledger.starting_cash), value[:-1]]
        perf["pnl"] = value - previous
        perf["returns"] = value / previous - 1.0
        gross = perf["long_exposure"] - perf["short_exposure"]
        net = perf["long_exposure"] + perf["short_exposure"]
        perf["gross_leverage"] = gross / perf["portfolio_value"]
        perf["net_leverage"] = net / perf["portfolio_value"]
        before = self._fill_counts[first - 1] if first else 0
        perf["fills"] = np.diff(np.r_[before, self._fill_counts[first:n]])
        order = [name for name in PERF_COLUMNS if name in perf.columns]
        # A column selection is flagged as a possible view; the shallow copy owns its
        # columns, so adding recorded values later raises no SettingWithCopyWarning.
        return perf[order].copy(deep=False)

    def position_parts(self) -> PositionParts:
        """What ``positions`` is built from, as of now: each valued session's held
        columns and their values. The arrays are made fresh by each `close_session`
        and never written again, so a later session cannot change them."""
        return PositionParts(list(self._position_parts), self._panel.symbols, self._layout.sessions)

    def positions_frame(self) -> pd.DataFrame:
        return self.position_parts().frame()


class PositionParts:
    """The inputs of ``BacktestResult.positions``: 32 bytes a row against the
    table's 56 (its session stamps and symbol pointers are made by `frame`)."""

    __slots__ = ("_parts", "_sessions", "_symbols")

    def __init__(
        self,
        parts: list[tuple[int, np.ndarray, FloatArray, FloatArray, FloatArray]],
        symbols: Sequence[str],
        sessions: pd.DatetimeIndex,
    ) -> None:
        self._parts = parts
        self._symbols = symbols
        self._sessions = sessions

    def __len__(self) -> int:
        return sum(len(p[1]) for p in self._parts)

    def frame(self) -> pd.DataFrame:
        if not self._parts:
            return pd.DataFrame(columns=list(POSITION_COLUMNS))
        parts = self._parts
        counts = [len(p[1]) for p in parts]
        held = np.concatenate([p[1] for p in parts])
        # The five float columns are written straight into one (5, rows) array, the
        # block pandas keeps them in: building them apart and letting the DataFrame
        # stack them copied every value once more (a 2,000 x 2,520 run has 2.5 M rows,
        # and fresh memory is what costs here). Same values, bit for bit.
        block = np.empty((len(_POSITION_FLOATS), len(held)))
        quantity, price, value, basis, unrealized = block
        np.concatenate([p[2] for p in parts], out=quantity)
        np.concatenate([p[3] for p in parts], out=price)
        np.multiply(quantity, price, out=value)
        np.concatenate([p[4] for p in parts], out=basis)
        np.subtract(price, basis, out=unrealized)
        np.multiply(quantity, unrealized, out=unrealized)
        frame = pd.DataFrame(block.T, columns=list(_POSITION_FLOATS), copy=False)
        # Series with their dtype given: no inference pass over 2.5 M symbols.
        symbols = np.asarray(self._symbols, dtype=object)
        symbol_column = pd.Series(symbols[held], dtype=object, copy=False)
        # Each session's label repeated over its rows, from the int64 values (an index
        # lookup per row boxed the stamps).
        sessions = self._sessions
        values = np.repeat(sessions.asi8[[p[0] for p in parts]], counts)
        stamps = pd.DatetimeIndex(values.view(f"M8[{sessions.unit}]"), dtype=sessions.dtype)
        # Without copy-on-write, `insert` copies a Series' values (36 MB of fresh
        # memory for 2.25 M rows: ~40 ms on this VM); with it the frame takes these
        # arrays, which nothing else holds.
        with pd.option_context("mode.copy_on_write", True):
            frame.insert(0, "symbol", symbol_column)
            frame.insert(0, "session", pd.Series(stamps.array, copy=False))
        return frame
