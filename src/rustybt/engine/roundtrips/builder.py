"""Round trips from fills: FIFO lots, exact PnL, costs, durations and MAE/MFE.

`round_trips` is what the engine calls to fill ``BacktestResult.trades``;
`pnl_identity_gap` is the check every engine run can assert (it must be ``0``):

    sum(net_pnl of all trades, open ones at their mark)
      == sum over fills of (−quantity·price − commission)
       + sum over symbols of (final position · mark)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from rustybt.data.bars import BarPanel
from rustybt.engine.roundtrips.excursions import excursions
from rustybt.engine.roundtrips.inputs import (
    bar_positions,
    normalize_transactions,
    symbol_bar_positions,
)
from rustybt.engine.roundtrips.matching import Leg, OpenTrade, match
from rustybt.errors import ValidationError
from rustybt.money import ZERO, to_decimal

__all__ = [
    "LEG_COLUMNS",
    "TRADE_COLUMNS",
    "TradeMatch",
    "match_fills",
    "pnl_identity_gap",
    "round_trips",
    "trade_log",
]

TRADE_COLUMNS: tuple[str, ...] = (
    "trade_id",
    "symbol",
    "direction",
    "is_open",
    "entry_time",
    "exit_time",
    "entry_bar",
    "exit_bar",
    "entry_price",
    "exit_price",
    "max_quantity",
    "entry_quantity",
    "exit_quantity",
    "open_quantity",
    "entry_notional",
    "gross_pnl",
    "commission",
    "slippage",
    "net_pnl",
    "realized_pnl",
    "unrealized_pnl",
    "mark",
    "mark_source",
    "return",
    "duration",
    "duration_bars",
    "mae",
    "mfe",
    "mae_pct",
    "mfe_pct",
    "n_fills",
    "order_ids",
)

LEG_COLUMNS: tuple[str, ...] = (
    "trade_id",
    "fill",
    "role",
    "quantity",
    "commission",
    "slippage",
)


@dataclass(frozen=True)
class TradeMatch:
    """Everything FIFO matching produced.

    Attributes:
        trades: one row per round trip (columns `TRADE_COLUMNS`), in opening order.
        legs: one row per (fill, trade) share (columns `LEG_COLUMNS`); a reversal
            fill has two legs. ``fill`` is the row position in ``fills``.
        fills: the normalised, time-sorted fills; its ``fill`` column is the row
            position in the caller's frame.
    """

    trades: pd.DataFrame
    legs: pd.DataFrame
    fills: pd.DataFrame


@dataclass(frozen=True)
class _Mark:
    price: Decimal
    source: str
    bar: int
    time: int  # ns since the epoch, UTC


def _last_valid_rows(bars: BarPanel) -> np.ndarray[tuple[int], np.dtype[np.int64]]:
    """Row of each asset's last non-NaN close (-1 when it has none)."""
    valid = ~np.isnan(bars.close)
    last = len(bars) - 1 - np.argmax(valid[::-1], axis=0)
    return np.where(valid.any(axis=0), last, -1).astype(np.int64)


def _marks_for_open(
    trades: list[OpenTrade],
    fills: pd.DataFrame,
    bars: BarPanel | None,
    marks: Mapping[str, Decimal] | None,
    end_bar: int,
) -> dict[str, _Mark]:
    """Mark of each symbol holding an open trade: ``marks`` > last close > last fill."""
    open_symbols = [t.symbol for t in trades if t.exit_time is None]
    if not open_symbols:
        return {}
    columns = symbol_bar_positions(bars, open_symbols)
    last_rows = _last_valid_rows(bars) if bars is not None else None
    # Fills are time-sorted, so the last price written per symbol is its last fill.
    last_fill: dict[str, Decimal] = dict(zip(fills["symbol"], fills["price"], strict=True))
    end_time = int(
        bars.index.asi8[-1] if bars is not None else pd.DatetimeIndex(fills["timestamp"]).asi8[-1]
    )
    result: dict[str, _Mark] = {}
    for symbol in open_symbols:
        row = -1
        if bars is not None and last_rows is not None and symbol in columns:
            row = int(last_rows[columns[symbol]])
        bar, when = (
            (row, int(bars.index.asi8[row]))
            if bars is not None and row >= 0
            else (end_bar, end_time)
        )
        if marks is not None and symbol in marks:
            result[symbol] = _Mark(to_decimal(marks[symbol]), "marks", bar, when)
        elif bars is not None and row >= 0:
            close = float(bars.close[row, columns[symbol]])
            result[symbol] = _Mark(to_decimal(close), "bars", bar, when)
        else:
            result[symbol] = _Mark(last_fill[symbol], "last_fill", bar, when)
    return result


def _unrealized(trade: OpenTrade, mark: Decimal) -> Decimal:
    total = ZERO
    for quantity, price in trade.lots:
        total += trade.sign * (mark - price) * quantity
    return total


def _decimal_column(values: list[Decimal | None]) -> pd.Series:
    return pd.Series(values, dtype=object)


def _nullable_ints(values: list[int]) -> pd.arrays.IntegerArray:
    """Int64 column with <NA> where the value is negative (unknown)."""
    array = np.array(values, dtype=np.int64)
    return pd.arrays.IntegerArray(array, array < 0)


def _frame(trades: list[OpenTrade], marks: dict[str, _Mark]) -> tuple[pd.DataFrame, list[int]]:
    """The trades frame (excursions still NaN) and each trade's last bar for MAE/MFE."""
    closed = [t.exit_time is not None for t in trades]
    mark_of = [None if c else marks[t.symbol] for t, c in zip(trades, closed, strict=True)]
    gross: list[Decimal] = []
    unrealized: list[Decimal] = []
    end_times: list[int] = []
    end_bars: list[int] = []
    for t, mark in zip(trades, mark_of, strict=True):
        if mark is None:
            gross.append(t.cash)
            unrealized.append(ZERO)
            # A closed trade always has an exit time; the fallback only satisfies typing.
            end_times.append(t.exit_time if t.exit_time is not None else t.entry_time)
            end_bars.append(t.exit_bar)
        else:
            gross.append(t.cash + t.sign * t.position * mark.price)
            unrealized.append(_unrealized(t, mark.price))
            end_times.append(mark.time)
            end_bars.append(mark.bar)
    net = [g - t.commission for g, t in zip(gross, trades, strict=True)]
    entry_times = np.array([t.entry_time for t in trades], dtype=np.int64)
    exit_times = np.array(
        [t.exit_time if t.exit_time is not None else np.iinfo(np.int64).min for t in trades],
        dtype=np.int64,
    )
    entry_bars = [t.entry_bar for t in trades]
    n = len(trades)
    columns: dict[str, object] = {
        "trade_id": np.array([t.trade_id for t in trades], dtype=np.int64),
        "symbol": np.array([t.symbol for t in trades], dtype=object),
        "direction": np.array(["long" if t.sign > 0 else "short" for t in trades], dtype=object),
        "is_open": ~np.array(closed, dtype=bool),
        "entry_time": pd.DatetimeIndex(entry_times.view("datetime64[ns]")).tz_localize("UTC"),
        "exit_time": pd.DatetimeIndex(exit_times.view("datetime64[ns]")).tz_localize("UTC"),
        "entry_bar": _nullable_ints(entry_bars),
        "exit_bar": _nullable_ints(
            [t.exit_bar if c else -1 for t, c in zip(trades, closed, strict=True)]
        ),
        "entry_price": _decimal_column([t.entry_notional / t.entry_quantity for t in trades]),
        "exit_price": _decimal_column(
            [t.exit_notional / t.exit_quantity if t.exit_quantity else None for t in trades]
        ),
        "max_quantity": _decimal_column([t.max_quantity for t in trades]),
        "entry_quantity": _decimal_column([t.entry_quantity for t in trades]),
        "exit_quantity": _decimal_column([t.exit_quantity for t in trades]),
        "open_quantity": _decimal_column([t.position for t in trades]),
        "entry_notional": _decimal_column([t.entry_notional for t in trades]),
        "gross_pnl": _decimal_column(list(gross)),
        "commission": _decimal_column([t.commission for t in trades]),
        "slippage": _decimal_column([t.slippage for t in trades]),
        "net_pnl": _decimal_column(list(net)),
        "realized_pnl": _decimal_column([t.realized for t in trades]),
        "unrealized_pnl": _decimal_column(list(unrealized)),
        "mark": _decimal_column([None if m is None else m.price for m in mark_of]),
        "mark_source": np.array([None if m is None else m.source for m in mark_of], dtype=object),
        "return": np.array(
            [
                float(v / t.entry_notional) if t.entry_notional else np.nan
                for v, t in zip(net, trades, strict=True)
            ],
            dtype=np.float64,
        ),
        "duration": pd.to_timedelta(np.array(end_times, dtype=np.int64) - entry_times, unit="ns"),
        "duration_bars": _nullable_ints(
            [e - b if e >= 0 and b >= 0 else -1 for e, b in zip(end_bars, entry_bars, strict=True)]
        ),
        "mae": np.full(n, np.nan),
        "mfe": np.full(n, np.nan),
        "mae_pct": np.full(n, np.nan),
        "mfe_pct": np.full(n, np.nan),
        "n_fills": np.array([t.n_fills for t in trades], dtype=np.int64),
        "order_ids": pd.Series([tuple(t.order_ids) for t in trades], dtype=object),
    }
    return pd.DataFrame(columns, columns=list(TRADE_COLUMNS)), end_bars


def _add_excursions(frame: pd.DataFrame, bars: BarPanel | None, ends: list[int]) -> None:
    n = len(frame)
    if bars is None or n == 0:
        for name in ("mae", "mfe", "mae_pct", "mfe_pct"):
            frame[name] = np.full(n, np.nan)
        return
    columns_of = symbol_bar_positions(bars, list(dict.fromkeys(frame["symbol"])))
    columns = np.array([columns_of.get(s, -1) for s in frame["symbol"]], dtype=np.int64)
    starts = frame["entry_bar"].fillna(-1).to_numpy(dtype=np.int64)
    signs = np.where(frame["direction"].to_numpy() == "long", 1, -1).astype(np.int64)
    entry = np.array([float(p) for p in frame["entry_price"]], dtype=np.float64)
    mae, mfe = excursions(bars, columns, starts, np.array(ends, dtype=np.int64), signs, entry)
    frame["mae"], frame["mfe"] = mae, mfe
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["mae_pct"] = np.where(entry > 0, mae / entry, np.nan)
        frame["mfe_pct"] = np.where(entry > 0, mfe / entry, np.nan)


def _legs_frame(legs: list[Leg]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "trade_id": np.array([leg.trade for leg in legs], dtype=np.int64),
            "fill": np.array([leg.fill for leg in legs], dtype=np.int64),
            "role": [leg.role for leg in legs],
            "quantity": pd.Series([leg.quantity for leg in legs], dtype=object),
            "commission": pd.Series([leg.commission for leg in legs], dtype=object),
            "slippage": pd.Series([leg.slippage for leg in legs], dtype=object),
        },
        columns=list(LEG_COLUMNS),
    )


def match_fills(
    transactions: pd.DataFrame,
    bars: BarPanel | None = None,
    *,
    marks: Mapping[str, Decimal] | None = None,
) -> TradeMatch:
    """FIFO-match fills into round trips and keep the fill-to-trade legs.

    See `round_trips` for the rules; this also returns the legs that the entry/exit
    quality analysis needs.
    """
    fills = normalize_transactions(transactions)
    bar_of_fill = bar_positions(fills, bars)
    trades, legs = match(fills, bar_of_fill.tolist())
    end_bar = len(bars) - 1 if bars is not None else (int(bar_of_fill.max()) if len(fills) else -1)
    open_marks = _marks_for_open(trades, fills, bars, marks, end_bar)
    frame, ends = _frame(trades, open_marks)
    _add_excursions(frame, bars, ends)
    return TradeMatch(trades=frame, legs=_legs_frame(legs), fills=fills)


def round_trips(
    transactions: pd.DataFrame,
    bars: BarPanel | None = None,
    *,
    marks: Mapping[str, Decimal] | None = None,
) -> pd.DataFrame:
    """Round trips (trades) built from fills with FIFO lots, one row per trade.

    A trade opens when a symbol's position leaves zero and closes when it returns
    to zero; fills in between scale in (entries) or out (exits, matched FIFO against
    the entry lots). A fill crossing zero closes the trade and its excess opens the
    next trade in the other direction, its costs split by quantity (exactly).

    Money columns are `Decimal`: ``entry_price``/``exit_price`` are volume-weighted
    (``exit_price`` is None before any exit), ``gross_pnl = Σ(−q·p) [+ position·mark]``,
    ``net_pnl = gross_pnl − commission`` (slippage is already inside the fill price
    and is reported, not subtracted again). ``return = net_pnl / entry_notional``.

    Trades still open at the end have ``is_open=True``, ``exit_time=NaT`` and are
    valued at a mark: ``marks[symbol]`` if given, else the last close of the asset
    in ``bars``, else the symbol's last fill price (``mark_source`` says which);
    ``realized_pnl``/``unrealized_pnl`` split their gross PnL by FIFO lots.

    MAE/MFE use highs and lows from the entry bar to the exit bar inclusive (to the
    mark bar for open trades), relative to the volume-weighted entry price; NaN
    without ``bars``. Rows are sorted by opening order (``trade_id``).

    Args:
        transactions: one row per fill (timestamp, symbol, signed quantity, price,
            commission, slippage, order_id, reference_price, decision_price, bar).
        bars: the panel the fills happened on (for MAE/MFE, marks and bar positions).
        marks: price per symbol for valuing open trades, overriding the bars.
    """
    return match_fills(transactions, bars, marks=marks).trades


def trade_log(trades: pd.DataFrame) -> pd.DataFrame:
    """The trades frame sorted by entry time (then trade id), with a fresh index."""
    return trades.sort_values(["entry_time", "trade_id"], kind="mergesort").reset_index(drop=True)


def pnl_identity_gap(
    transactions: pd.DataFrame,
    trades: pd.DataFrame,
    marks: Mapping[str, Decimal] | None = None,
) -> Decimal:
    """Σ net_pnl of trades − [Σ fills (−q·p − commission) + Σ symbols (position·mark)].

    Zero (exactly, as a Decimal) when the trades account for every fill. ``marks``
    defaults to the ``mark`` recorded on the open trades; a symbol left with a
    position but no mark raises `ValidationError`.
    """
    fills = normalize_transactions(transactions)
    cash = ZERO
    positions: dict[str, Decimal] = {}
    for symbol, quantity, price, commission in zip(
        fills["symbol"], fills["quantity"], fills["price"], fills["commission"], strict=True
    ):
        cash -= quantity * price + commission
        positions[symbol] = positions.get(symbol, ZERO) + quantity
    recorded: dict[str, Decimal] = {}
    open_trades = trades[trades["is_open"]]
    for symbol, mark in zip(open_trades["symbol"], open_trades["mark"], strict=True):
        if mark is not None:
            recorded[str(symbol)] = to_decimal(mark)
    chosen = dict(recorded) if marks is None else {k: to_decimal(v) for k, v in marks.items()}
    for symbol, position in positions.items():
        if position == 0:
            continue
        if symbol not in chosen:
            raise ValidationError(
                f"no mark to value the open position in {symbol!r}",
                context={"symbol": symbol, "position": str(position)},
                hint="pass marks={symbol: price} or the bars the fills came from",
            )
        cash += position * chosen[symbol]
    total = ZERO
    for value in trades["net_pnl"]:
        total += to_decimal(value)
    return total - cash
