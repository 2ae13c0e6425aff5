"""Known-answer tests for FIFO round trips, costs split, marks and MAE/MFE."""

from __future__ import annotations

from decimal import Decimal as D

import numpy as np
import pandas as pd
import pytest

from rustybt.analytics.trades import (
    TRADE_COLUMNS,
    match_fills,
    pnl_identity_gap,
    round_trips,
    trade_log,
)
from rustybt.engine.roundtrips.matching import split_cost
from rustybt.errors import SchemaError, ValidationError
from tests.analytics.test_trades_helpers import day, flat_bars, make_fills, make_panel


def test_single_long_round_trip() -> None:
    fills = make_fills([(0, "A", "10", "10", "1"), (2, "A", "-10", "12", "1")])
    trades = round_trips(fills)
    assert list(trades.columns) == list(TRADE_COLUMNS)
    t = trades.iloc[0]
    assert (t["direction"], bool(t["is_open"])) == ("long", False)
    assert (t["entry_price"], t["exit_price"]) == (D(10), D(12))
    assert (t["gross_pnl"], t["commission"], t["net_pnl"]) == (D(20), D(2), D(18))
    assert t["return"] == pytest.approx(0.18)
    assert t["duration"] == pd.Timedelta(days=2)
    assert t["duration_bars"] == 2
    assert t["order_ids"] == ("o0", "o1")
    assert (t["entry_time"], t["exit_time"]) == (day(0), day(2))


def test_scaling_in_uses_volume_weighted_entry() -> None:
    fills = make_fills(
        [(0, "A", "10", "10", "0"), (1, "A", "10", "12", "0"), (3, "A", "-20", "13", "0")]
    )
    t = round_trips(fills).iloc[0]
    assert t["entry_price"] == D(11)
    assert (t["max_quantity"], t["entry_quantity"], t["exit_quantity"]) == (D(20), D(20), D(20))
    assert t["gross_pnl"] == D(40)
    assert t["n_fills"] == 3


def test_partial_closes_and_scaling_in_and_out() -> None:
    fills = make_fills(
        [
            (0, "A", "10", "10", "0"),
            (1, "A", "-5", "11", "0"),
            (2, "A", "10", "9", "0"),
            (3, "A", "-15", "12", "0"),
        ]
    )
    trades = round_trips(fills)
    assert len(trades) == 1
    t = trades.iloc[0]
    assert t["max_quantity"] == D(15)
    assert t["entry_quantity"] == D(20)
    assert t["entry_price"] == D("9.5")
    assert t["exit_price"] == D("11.75")
    assert t["gross_pnl"] == D(45)  # -100 + 55 - 90 + 180
    assert t["realized_pnl"] == D(45)


def test_reversal_closes_and_opens_with_costs_split_exactly() -> None:
    fills = make_fills(
        [(0, "A", "10", "10", "1.00"), (2, "A", "-15", "12", "1.00"), (3, "A", "5", "11", "1.00")]
    )
    trades = round_trips(fills)
    assert trades["direction"].tolist() == ["long", "short"]
    long, short = trades.iloc[0], trades.iloc[1]
    # 10 of the 15 close the long: 1.00 * 10/15 = 0.666.. -> 0.67, the rest 0.33.
    assert long["commission"] == D("1.67")
    assert short["commission"] == D("1.33")
    assert long["net_pnl"] == D("18.33")
    assert (short["entry_quantity"], short["entry_price"], short["gross_pnl"]) == (
        D(5),
        D(12),
        D(5),
    )
    assert short["order_ids"] == ("o1", "o2")
    legs = match_fills(fills).legs
    reversal = legs[legs["fill"] == 1]
    assert reversal["role"].tolist() == ["exit", "entry"]
    assert reversal["quantity"].tolist() == [D(10), D(5)]
    assert sum(reversal["commission"]) == D("1.00")


def test_short_trade_and_its_excursions() -> None:
    panel = make_panel({"S": [(20, 21, 19.5, 20), (19, 22, 18, 19), (18, 18.5, 17, 18)]})
    fills = make_fills([(0, "S", "-5", "20", "0.5"), (2, "S", "5", "18", "0.5")])
    t = round_trips(fills, panel).iloc[0]
    assert t["direction"] == "short"
    assert (t["gross_pnl"], t["net_pnl"]) == (D(10), D(9))
    assert t["return"] == pytest.approx(9 / 100)
    # Short: adverse = highest high (22) - 20, favourable = 20 - lowest low (17).
    assert (t["mae"], t["mfe"]) == (2.0, 3.0)
    assert (t["mae_pct"], t["mfe_pct"]) == pytest.approx((0.1, 0.15))


def test_long_excursions_cover_entry_to_exit_bar_inclusive() -> None:
    bars = [(10, 10.5, 9.5, 10), (10, 11, 9, 10), (10, 13, 8, 10), (10, 10, 10, 10), (5, 30, 1, 5)]
    panel = make_panel({"A": bars})
    fills = make_fills([(1, "A", "2", "10", "0"), (3, "A", "-2", "10", "0")])
    t = round_trips(fills, panel).iloc[0]
    assert (t["mae"], t["mfe"]) == (2.0, 3.0)  # bars 1..3: low 8, high 13; bar 4 excluded


def test_excursions_are_never_negative() -> None:
    panel = make_panel({"A": [(10, 10.2, 9.9, 10)] * 2})
    fills = make_fills([(0, "A", "1", "9.5", "0"), (1, "A", "-1", "10", "0")])
    t = round_trips(fills, panel).iloc[0]
    assert t["mae"] == 0.0  # filled below the bar's low: never went against the entry
    assert t["mfe"] == pytest.approx(0.7)


def test_open_trade_marked_at_last_close_with_fifo_split() -> None:
    panel = make_panel({"A": [*flat_bars(3), (11, 11.5, 10.5, 11)]})
    fills = make_fills(
        [(0, "A", "10", "10", "0"), (1, "A", "10", "12", "0"), (2, "A", "-5", "13", "0")]
    )
    trades = round_trips(fills, panel)
    t = trades.iloc[0]
    assert bool(t["is_open"])
    assert pd.isna(t["exit_time"])
    assert pd.isna(t["exit_bar"])
    assert (t["mark"], t["mark_source"]) == (D(11), "bars")
    assert t["realized_pnl"] == D(15)  # FIFO: 5 sold at 13 against the lot at 10
    assert t["unrealized_pnl"] == D(-5)  # 5 @ 10 and 10 @ 12 marked at 11
    assert t["gross_pnl"] == D(10)
    assert t["open_quantity"] == D(15)
    assert t["exit_price"] == D(13)
    assert t["duration_bars"] == 3
    assert t["duration"] == pd.Timedelta(days=3)
    assert pnl_identity_gap(fills, trades) == 0


def test_open_trade_marks_override_and_last_fill_fallback() -> None:
    fills = make_fills(
        [(0, "A", "3", "10", "0"), (1, "B", "-2", "50", "0"), (2, "B", "1", "40", "0")]
    )
    with_marks = round_trips(fills, marks={"A": D("12.5")}).set_index("symbol")
    assert (with_marks.loc["A", "mark"], with_marks.loc["A", "mark_source"]) == (
        D("12.5"),
        "marks",
    )
    assert with_marks.loc["A", "gross_pnl"] == D("7.5")
    # B has no bars and no mark: its last fill price (40) values the open short.
    assert (with_marks.loc["B", "mark"], with_marks.loc["B", "mark_source"]) == (D(40), "last_fill")
    assert with_marks.loc["B", "gross_pnl"] == D(20)
    assert pnl_identity_gap(fills, with_marks.reset_index()) == 0
    assert pnl_identity_gap(fills, with_marks.reset_index(), {"A": D(13), "B": D(40)}) == D("-1.5")


def test_mark_uses_assets_last_valid_close() -> None:
    panel = make_panel(
        {"A": flat_bars(4, price=10.0), "B": [(5, 6, 4, 5), (5, 6, 4, 7)]}
    )  # B's bars stop at bar 1
    fills = make_fills([(0, "B", "1", "5", "0")])
    t = round_trips(fills, panel).iloc[0]
    assert (t["mark"], t["duration_bars"]) == (D(7), 1)


def test_fractional_quantities_are_exact() -> None:
    fills = make_fills(
        [
            (0, "BTC", "0.5", "30000.12", "0.15"),
            (1, "BTC", "-0.2", "31000", "0.062"),
            (2, "BTC", "-0.3", "29000.5", "0.087"),
        ]
    )
    t = round_trips(fills).iloc[0]
    assert t["gross_pnl"] == D("-0.5") * D("30000.12") + D("0.2") * 31000 + D("0.3") * D("29000.5")
    assert t["gross_pnl"] == D("-99.91")
    assert t["net_pnl"] == D("-100.209")
    assert t["exit_price"] == D("29800.3")


def test_multiple_symbols_interleaved_and_same_timestamp_order_kept() -> None:
    fills = make_fills(
        [
            (0, "A", "1", "10", "0"),
            (0, "B", "-1", "20", "0"),
            (1, "A", "-1", "11", "0"),
            (1, "A", "1", "11", "0"),  # same bar, after the close: a new trade
            (2, "B", "1", "19", "0"),
            (3, "A", "-1", "9", "0"),
        ]
    )
    trades = round_trips(fills)
    assert trades[["symbol", "direction"]].values.tolist() == [
        ["A", "long"],
        ["B", "short"],
        ["A", "long"],
    ]
    assert trades["gross_pnl"].tolist() == [D(1), D(1), D(-2)]
    assert not trades["is_open"].any()
    assert trade_log(trades.iloc[::-1])["trade_id"].tolist() == [0, 1, 2]


def test_bar_positions_found_from_timestamps_when_column_absent() -> None:
    panel = make_panel({"A": [(10, 11, 9, 10), (10, 12, 8, 10), (10, 15, 5, 10)]})
    fills = make_fills([(1, "A", "1", "10", "0"), (1, "A", "-1", "10", "0")]).drop(columns="bar")
    fills["timestamp"] = [day(1) + pd.Timedelta(hours=15), day(1) + pd.Timedelta(hours=16)]
    t = round_trips(fills, panel).iloc[0]
    assert (t["entry_bar"], t["mae"], t["mfe"]) == (1, 2.0, 2.0)


def test_naive_timestamps_and_float_inputs_are_accepted() -> None:
    fills = pd.DataFrame(
        {
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "symbol": ["A", "A"],
            "quantity": [2.0, -2.0],
            "price": [1.1, 1.3],
        }
    )
    t = round_trips(fills).iloc[0]
    assert t["gross_pnl"] == D("0.4")  # floats enter via their shortest repr
    assert str(t["entry_time"].tz) == "UTC"


def test_empty_transactions_give_empty_frame() -> None:
    trades = round_trips(make_fills([]))
    assert trades.empty
    assert list(trades.columns) == list(TRADE_COLUMNS)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (lambda f: f.drop(columns="price"), SchemaError, "price"),
        (lambda f: f.assign(quantity=[D(0), D(-1)]), ValidationError, "zero quantity"),
        (lambda f: f.assign(commission=[D(-1), D(0)]), ValidationError, ">= 0"),
        (lambda f: f.assign(price=[float("nan"), 1.0]), ValidationError, "non-finite"),
        (lambda f: f.assign(price=["abc", "1"]), SchemaError, "not a number"),
    ],
)
def test_bad_transactions_raise_clear_errors(
    change: object, error: type[Exception], match: str
) -> None:
    fills = make_fills([(0, "A", "1", "10", "0"), (1, "A", "-1", "11", "0")])
    with pytest.raises(error, match=match):
        round_trips(change(fills))  # type: ignore[operator]


def test_identity_gap_needs_a_mark_for_open_positions() -> None:
    fills = make_fills([(0, "A", "1", "10", "0")])
    trades = round_trips(fills).assign(mark=None)
    with pytest.raises(ValidationError, match="no mark"):
        pnl_identity_gap(fills, trades)


@pytest.mark.parametrize(
    ("cost", "part", "whole", "expected"),
    [
        ("1.00", "10", "15", ("0.67", "0.33")),
        ("1", "1", "3", ("0.33", "0.67")),
        ("0.1234567", "1", "3", ("0.0411522", "0.0823045")),
        ("0", "1", "3", ("0", "0")),
        ("2.50", "3", "3", ("2.50", "0.00")),
    ],
)
def test_split_cost_sums_exactly(
    cost: str, part: str, whole: str, expected: tuple[str, str]
) -> None:
    first, rest = split_cost(D(cost), D(part), D(whole))
    assert (first, rest) == (D(expected[0]), D(expected[1]))
    assert first + rest == D(cost)


def test_excursions_without_bars_are_nan() -> None:
    t = round_trips(make_fills([(0, "A", "1", "10", "0"), (1, "A", "-1", "11", "0")])).iloc[0]
    assert np.isnan([t["mae"], t["mfe"], t["mae_pct"], t["mfe_pct"]]).all()
