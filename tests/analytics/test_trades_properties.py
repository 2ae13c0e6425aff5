"""Property tests: the PnL identity and bookkeeping invariants on random fill streams."""

from __future__ import annotations

from decimal import Decimal as D

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt.analytics.trades import match_fills, pnl_identity_gap
from rustybt.engine.roundtrips.excursions import RangeTable
from tests.analytics.test_trades_helpers import day, make_panel

SYMBOLS = ("A", "B", "C")

quantities = st.decimals(min_value=D("-25"), max_value=D("25"), places=4).filter(lambda q: q != 0)
prices = st.decimals(min_value=D("0.01"), max_value=D("500"), places=4)
costs = st.decimals(min_value=D("0"), max_value=D("3"), places=3)


@st.composite
def fill_streams(draw: st.DrawFn) -> pd.DataFrame:
    """Fills that often flatten exactly or reverse through zero, over a few symbols."""
    n = draw(st.integers(min_value=1, max_value=40))
    positions = dict.fromkeys(SYMBOLS, D(0))
    rows = []
    for i in range(n):
        symbol = draw(st.sampled_from(SYMBOLS))
        kind = draw(st.sampled_from(["random", "random", "flatten", "reverse"]))
        held = positions[symbol]
        if kind == "flatten" and held != 0:
            quantity = -held
        elif kind == "reverse" and held != 0:
            quantity = -held + (-1 if held > 0 else 1) * draw(quantities.map(abs))
        else:
            quantity = draw(quantities)
        positions[symbol] += quantity
        rows.append(
            {
                "timestamp": day(i // 3),
                "symbol": symbol,
                "quantity": quantity,
                "price": draw(prices),
                "commission": draw(costs),
                "slippage": draw(costs),
                "order_id": f"o{i}",
                "bar": i // 3,
            }
        )
    return pd.DataFrame(rows)


BOOKKEEPING = (
    "entry_quantity",
    "exit_quantity",
    "open_quantity",
    "realized_pnl",
    "unrealized_pnl",
    "gross_pnl",
    "net_pnl",
    "commission",
    "max_quantity",
    "is_open",
)


@settings(max_examples=100, deadline=None)
@given(fills=fill_streams(), marks=st.fixed_dictionaries({s: prices for s in SYMBOLS}))
def test_pnl_identity_and_bookkeeping_hold_exactly(
    fills: pd.DataFrame, marks: dict[str, D]
) -> None:
    matched = match_fills(fills, marks=marks)
    trades, legs = matched.trades, matched.legs
    assert pnl_identity_gap(fills, trades, marks) == D(0)
    assert pnl_identity_gap(fills, trades) == D(0)
    # Every fill's quantity and costs are fully and exactly assigned to trades.
    assert sum(legs["quantity"], D(0)) == sum((abs(q) for q in fills["quantity"]), D(0))
    assert sum(legs["commission"], D(0)) == sum(fills["commission"], D(0))
    assert sum(trades["slippage"], D(0)) == sum(fills["slippage"], D(0))
    for entered, exited, left, realized, unrealized, gross, net, commission, peak, is_open in zip(
        *(trades[c] for c in BOOKKEEPING), strict=True
    ):
        assert entered - exited == left
        assert realized + unrealized == gross
        assert net == gross - commission
        assert peak >= left
        assert (left > 0) == bool(is_open)
    # At most one open trade per symbol, holding exactly the final position.
    final = fills.groupby("symbol")["quantity"].sum()
    open_trades = trades[trades["is_open"]].set_index("symbol")
    assert open_trades.index.is_unique
    for symbol, position in final.items():
        if position == 0:
            assert symbol not in open_trades.index
        else:
            sign = 1 if open_trades.loc[symbol, "direction"] == "long" else -1
            assert sign * open_trades.loc[symbol, "open_quantity"] == position


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(float("nan"))),
        min_size=1,
        max_size=70,
    ),
    data=st.data(),
)
def test_range_table_matches_brute_force(values: list[float], data: st.DataObject) -> None:
    array = np.array(values, dtype=np.float64)
    n = len(array)
    starts = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=20)))
    ends = np.array([data.draw(st.integers(int(s), n - 1)) for s in starts])
    got = RangeTable(array).query(starts.astype(np.int64), ends.astype(np.int64))
    for i, (a, b) in enumerate(zip(starts, ends, strict=True)):
        window = array[a : b + 1]
        expected = np.nan if np.isnan(window).all() else np.nanmax(window)
        np.testing.assert_equal(got[i], expected)


@settings(max_examples=30, deadline=None)
@given(fills=fill_streams())
def test_excursions_match_brute_force(fills: pd.DataFrame) -> None:
    rng = np.random.default_rng(len(fills))
    n_bars = int(fills["bar"].max()) + 3
    series = {}
    for symbol in SYMBOLS:
        close = 100 + rng.normal(0, 5, n_bars).cumsum()
        series[symbol] = [(c, c + abs(rng.normal()), c - abs(rng.normal()), c) for c in close]
    panel = make_panel(series)
    trades = match_fills(fills, panel).trades
    for _, t in trades.iterrows():
        column = panel.column(t["symbol"])
        end = t["exit_bar"] if not t["is_open"] else n_bars - 1
        high = panel.high[t["entry_bar"] : end + 1, column].max()
        low = panel.low[t["entry_bar"] : end + 1, column].min()
        entry = float(t["entry_price"])
        adverse, favourable = (entry - low, high - entry)
        if t["direction"] == "short":
            adverse, favourable = (high - entry, entry - low)
        assert t["mae"] == max(adverse, 0.0)
        assert t["mfe"] == max(favourable, 0.0)
