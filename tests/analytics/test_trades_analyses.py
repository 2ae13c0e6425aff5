"""Known-answer tests for the analyses on the trades frame.

The shared scenario (values worked out by hand):

    trade 0  A long  10 @ 10 -> 12, bars 0-2, gross 20, commission 2, net 18
    trade 1  B short  2 @ 50 -> 51, bars 3-4, gross -2, commission 1, net -3
    trade 2  A long   5 @ 10 ->  9, bars 5-7, gross -5, commission 2, net -7
    trade 3  A long   3 @ 11, open, marked at the last close 10: net -3
"""

from __future__ import annotations

import math
from decimal import Decimal as D

import numpy as np
import pandas as pd
import pytest

from rustybt.analytics.trades import (
    asset_concentration,
    commission_impact,
    edge_ratio,
    excursion_buckets,
    fill_quality,
    holding_period_distribution,
    inter_arrival_stats,
    mae_stop_analysis,
    pnl_distribution,
    round_trips,
    slippage_analysis,
    slippage_summary,
    sqn,
    trade_quality,
    trade_summary,
    trade_summary_by_symbol,
    trades_per_period,
)
from rustybt.data.bars import BarPanel
from rustybt.errors import ConfigError, DataNotFound
from tests.analytics.test_trades_helpers import flat_bars, make_fills, make_panel

PATTERN = [(10, 11, 9, 10), (10, 12, 8, 11), (11, 13, 10, 12), (12, 12.5, 9, 10), (10, 11, 9, 10)]


@pytest.fixture
def panel() -> BarPanel:
    return make_panel({"A": PATTERN * 3, "B": flat_bars(15, 50.0, 2.0)})


@pytest.fixture
def fills() -> pd.DataFrame:
    return make_fills(
        [
            (0, "A", "10", "10", "1"),
            (2, "A", "-10", "12", "1"),
            (3, "B", "-2", "50", "0.5"),
            (4, "B", "2", "51", "0.5"),
            (5, "A", "5", "10", "1"),
            (7, "A", "-5", "9", "1"),
            (9, "A", "3", "11", "0"),
        ]
    )


@pytest.fixture
def trades(fills: pd.DataFrame, panel: BarPanel) -> pd.DataFrame:
    return round_trips(fills, panel)


def test_scenario_trades(trades: pd.DataFrame) -> None:
    assert trades["net_pnl"].tolist() == [D(18), D(-3), D(-7), D(-3)]
    assert trades["mae"].tolist() == [2.0, 2.0, 2.0, 3.0]  # open: bars 9..14, low 8
    assert trades["mfe"].tolist() == [3.0, 2.0, 3.0, 2.0]


def test_trade_summary_known_values(trades: pd.DataFrame) -> None:
    summary = trade_summary(trades)
    assert list(summary.columns) == ["all", "long", "short"]
    everything = summary["all"]
    assert (everything["trades"], everything["winners"], everything["losers"]) == (3, 1, 2)
    assert everything["win_rate"] == pytest.approx(1 / 3)
    assert (everything["avg_win"], everything["avg_loss"]) == (18.0, -5.0)
    assert everything["payoff_ratio"] == pytest.approx(3.6)
    assert everything["profit_factor"] == pytest.approx(1.8)
    assert everything["expectancy"] == pytest.approx(8 / 3)
    assert everything["sqn"] == pytest.approx(math.sqrt(3) * (8 / 3) / np.std([18, -3, -7], ddof=1))
    assert everything["edge_ratio"] == pytest.approx((0.64 / 3) / (0.44 / 3))
    assert (everything["largest_win"], everything["largest_loss"]) == (18.0, -7.0)
    assert (everything["max_win_streak"], everything["max_loss_streak"]) == (1, 2)
    assert everything["avg_duration"] == pd.Timedelta(days=5 / 3)
    assert everything["total_net_pnl"] == 8.0
    assert summary.loc["trades", "long"] == 2
    assert summary.loc["profit_factor", "short"] == 0.0
    with_open = trade_summary(trades, include_open=True)
    assert with_open.loc["trades", "all"] == 4
    assert with_open.loc["max_loss_streak", "all"] == 3


def test_summary_by_symbol(trades: pd.DataFrame) -> None:
    by_symbol = trade_summary_by_symbol(trades)
    assert by_symbol.index.tolist() == ["A", "B"]
    assert by_symbol.loc["A", "total_net_pnl"] == 11.0
    assert by_symbol.loc["B", "win_rate"] == 0.0


def test_all_winning_and_all_losing_sets() -> None:
    winners = round_trips(
        make_fills(
            [
                (0, "A", "1", "10", "0"),
                (1, "A", "-1", "11", "0"),
                (2, "A", "-2", "10", "0"),
                (3, "A", "2", "9", "0"),
            ]
        )
    )
    summary = trade_summary(winners)["all"]
    assert (summary["win_rate"], summary["profit_factor"]) == (1.0, math.inf)
    assert math.isnan(summary["payoff_ratio"])
    assert math.isnan(summary["largest_loss"])
    assert (summary["max_win_streak"], summary["max_loss_streak"]) == (2, 0)
    assert summary["sqn"] == pytest.approx(math.sqrt(2) * 1.5 / np.std([1, 2], ddof=1))
    losers = round_trips(
        make_fills(
            [
                (0, "A", "1", "10", "0"),
                (1, "A", "-1", "9", "0"),
                (2, "A", "1", "10", "0"),
                (3, "A", "-1", "7", "0"),
            ]
        )
    )
    summary = trade_summary(losers)["all"]
    assert (summary["win_rate"], summary["profit_factor"], summary["max_loss_streak"]) == (
        0.0,
        0.0,
        2,
    )
    assert summary["sqn"] == pytest.approx(math.sqrt(2) * -2 / math.sqrt(2))
    assert sqn(np.array([1.0])) != sqn(np.array([1.0]))  # NaN for a single trade


def test_summary_rejects_a_frame_that_is_not_trades() -> None:
    with pytest.raises(DataNotFound, match="round_trips"):
        trade_summary(pd.DataFrame({"x": [1]}))


def test_edge_ratio_by_atr_and_by_price() -> None:
    panel = make_panel(
        {
            "A": [*flat_bars(3, 10.0, 1.0), (10, 14, 9, 10)],
            "B": [*flat_bars(3, 100.0, 5.0), (100, 105, 70, 100)],
        }
    )
    fills = make_fills(
        [
            (3, "A", "1", "10", "0"),
            (3, "A", "-1", "10", "0"),
            (3, "B", "1", "100", "0"),
            (3, "B", "-1", "100", "0"),
        ]
    )
    trades = round_trips(fills, panel)
    # ATR(2) before the entry: A 2, B 10 -> mfe/atr 2 and 0.5, mae/atr 0.5 and 3.
    assert edge_ratio(trades, panel, atr_window=2) == pytest.approx(1.25 / 1.75)
    assert edge_ratio(trades) == pytest.approx(((0.4 + 0.05) / 2) / ((0.1 + 0.3) / 2))
    assert math.isnan(edge_ratio(trades, panel, atr_window=14))  # not enough history


def test_distributions(trades: pd.DataFrame) -> None:
    outcome = pnl_distribution(trades, bins=3)
    assert outcome.histogram["count"].tolist() == [2, 0, 1]
    assert outcome.histogram["winners"].tolist() == [0, 0, 1]
    assert outcome.histogram["losers"].tolist() == [2, 0, 0]
    assert outcome.histogram["bin_left"].tolist() == pytest.approx([-7, -7 + 25 / 3, -7 + 50 / 3])
    assert outcome.stats.loc["mean", "losers"] == -5.0
    holding = holding_period_distribution(trades, bins=[0, 1.5, 3])
    assert holding.histogram["count"].tolist() == [1, 2]
    assert holding.stats.loc["mean", "holding_bars"] == pytest.approx(5 / 3)
    days = holding_period_distribution(trades, unit="days", bins=2)
    assert days.stats.loc["max", "holding_days"] == 2.0
    with pytest.raises(ConfigError):
        holding_period_distribution(trades, bins=0)


def test_fill_and_trade_quality(fills: pd.DataFrame, panel: BarPanel) -> None:
    per_fill = fill_quality(fills, panel, window=5)
    # Fill 0 buys at 10; bars 0..5 of A span 8..13.
    assert (per_fill.loc[0, "window_low"], per_fill.loc[0, "window_high"]) == (8.0, 13.0)
    assert per_fill["quality"].tolist() == pytest.approx([0.4, 0.2, 0.5, 0.75, 0.4, 0.8, 0.6])
    assert per_fill.loc[0, "left_on_table"] == 20.0
    per_trade = trade_quality(fills, panel, window=5)
    assert per_trade["entry_quality"].tolist() == pytest.approx([0.4, 0.5, 0.4, 0.6])
    assert per_trade["exit_quality"].tolist()[:3] == pytest.approx([0.2, 0.75, 0.8])
    assert math.isnan(per_trade["exit_quality"].iloc[3])
    assert per_trade["left_on_table"].tolist() == pytest.approx([30.0, 10.0, 30.0, 9.0])
    narrow = fill_quality(fills, panel, window=0)
    assert narrow.loc[0, "quality"] == pytest.approx(0.5)  # bar 0 alone: 9..11
    with pytest.raises(ConfigError):
        fill_quality(fills, panel, window=-1)


def test_quality_splits_a_reversal_fill_between_trades() -> None:
    panel = make_panel({"A": flat_bars(4, 10.0, 3.0)})  # every window spans 7..13
    fills = make_fills(
        [(0, "A", "10", "10", "0"), (2, "A", "-15", "12", "0"), (3, "A", "5", "11", "0")]
    )
    per_trade = trade_quality(fills, panel, window=1)
    assert per_trade["exit_left_on_table"].iloc[0] == pytest.approx(10.0)  # 10 * (13 - 12)
    assert per_trade["entry_left_on_table"].iloc[1] == pytest.approx(5.0)  # 5 * (13 - 12)
    assert per_trade["entry_quality"].iloc[1] == pytest.approx(1 / 6)


def _outcomes(mae_pct: list[float], net: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "is_open": False,
            "mae_pct": mae_pct,
            "mfe_pct": 0.0,
            "net_pnl": [D(str(v)) for v in net],
            "gross_pnl": [D(str(v)) for v in net],
            "entry_notional": D(100),
        }
    )


def test_mae_stop_analysis_finds_tightest_stop_sparing_winners() -> None:
    trades = _outcomes([0.01, 0.03, 0.02, 0.05, 0.08, 0.04], [5, 8, -1, -6, -9, -2])
    result = mae_stop_analysis(trades)
    # Winners reach at most 3% MAE; losers beyond it: 4%, 5%, 8% -> stop at 4% cuts 3.
    assert (result.best_stop_pct, result.losers_cut, result.losers) == (0.04, 3, 4)
    row = result.table.set_index("stop_pct").loc[0.04]
    assert (row["winners_cut"], row["losers_cut"]) == (0, 3)
    assert row["est_pnl_change"] == pytest.approx(-4 * 3 + (6 + 9 + 2))
    tight = result.table.set_index("stop_pct").loc[0.02]
    assert (tight["winners_cut"], tight["losers_cut"]) == (1, 4)
    none = mae_stop_analysis(_outcomes([0.05, 0.01], [1, -1]))
    assert math.isnan(none.best_stop_pct)
    assert none.losers_cut == 0
    with pytest.raises(ConfigError):
        mae_stop_analysis(trades, stops=[-0.1])


def test_excursion_buckets() -> None:
    trades = _outcomes([0.001, 0.007, 0.015, 0.03, 0.2], [2, -1, 3, -4, -5])
    table = excursion_buckets(trades, edges=[0.0, 0.01, 0.05, 1.0])
    assert table["trades"].tolist() == [2, 2, 1]
    assert table["winners"].tolist() == [1, 1, 0]
    assert table["losers"].tolist() == [1, 1, 1]
    assert table["avg_net_pnl"].tolist() == pytest.approx([0.5, -0.5, -5.0])
    with pytest.raises(ConfigError):
        excursion_buckets(trades, field="net_pnl")


def test_clustering(trades: pd.DataFrame) -> None:
    weekly = trades_per_period(trades, freq="W")
    assert weekly["trades"].tolist() == [3, 1]
    assert weekly["net_pnl"].tolist() == [8.0, -3.0]
    assert trades_per_period(trades, freq="M")["trades"].tolist() == [4]
    spread = asset_concentration(trades)
    assert spread["hhi_count"] == pytest.approx(0.75**2 + 0.25**2)
    assert spread["hhi_pnl"] == pytest.approx((8 / 11) ** 2 + (3 / 11) ** 2)
    assert spread["effective_assets_count"] == pytest.approx(1.6)
    gaps = inter_arrival_stats(trades).loc["all"]
    assert (gaps["count"], gaps["mean"], gaps["min"], gaps["max"]) == (
        3,
        pd.Timedelta(days=3),
        pd.Timedelta(days=2),
        pd.Timedelta(days=4),
    )
    assert gaps["cv"] == pytest.approx(1 / 3)
    per_symbol = inter_arrival_stats(trades, by_symbol=True)
    assert per_symbol.loc["A", "median"] == pd.Timedelta(days=4.5)
    assert per_symbol.loc["B", "count"] == 0


def test_slippage_in_bps_positive_is_cost() -> None:
    fills = make_fills([(0, "A", "10", "10.05", "0"), (1, "A", "-10", "19.9", "0")])
    fills["reference_price"] = [10.0, 20.0]
    fills["decision_price"] = [9.9, 20.2]
    fills["slippage"] = [D("0.5"), D("1")]
    per_fill = slippage_analysis(fills)
    assert per_fill["slippage_bps"].tolist() == pytest.approx([50.0, 50.0])
    assert per_fill["shortfall_bps"].tolist() == pytest.approx([0.15 / 9.9 * 1e4, 0.3 / 20.2 * 1e4])
    summary = slippage_summary(fills)
    total = summary.loc[("ALL", "all")]
    assert total["slippage_cost"] == 1.5
    assert total["notional_weighted_slippage_bps"] == pytest.approx(50.0)
    assert summary.loc[("A", "buy"), "fills"] == 1


def test_commission_impact(trades: pd.DataFrame) -> None:
    impact = commission_impact(trades)
    assert (impact["gross_pnl"], impact["commission"], impact["net_pnl"]) == (13.0, 5.0, 8.0)
    assert impact["gross_return"] == pytest.approx(13 / 250)
    assert impact["net_return"] == pytest.approx(8 / 250)
    assert impact["mean_gross_return"] == pytest.approx((0.2 - 0.02 - 0.1) / 3)
    assert impact["commission_share_of_gross_profit"] == pytest.approx(5 / 13)
    assert impact["winners_turned_losers"] == 0
    eaten = round_trips(make_fills([(0, "A", "1", "10", "0.5"), (1, "A", "-1", "10.5", "0.5")]))
    assert commission_impact(eaten)["winners_turned_losers"] == 1


def test_every_analysis_accepts_no_trades() -> None:
    empty_fills = make_fills([])
    empty = round_trips(empty_fills)
    assert trade_summary(empty).loc["trades", "all"] == 0
    assert math.isnan(trade_summary(empty).loc["profit_factor", "all"])
    assert commission_impact(empty)["trades"] == 0
    assert pnl_distribution(empty).histogram.empty
    assert holding_period_distribution(empty).histogram.empty
    assert math.isnan(mae_stop_analysis(empty).best_stop_pct)
    assert excursion_buckets(empty)["trades"].sum() == 0
    assert trades_per_period(empty).empty
    assert asset_concentration(empty)["assets"] == 0
    assert inter_arrival_stats(empty).loc["all", "count"] == 0
    assert trade_summary_by_symbol(empty).empty
    assert slippage_summary(empty_fills).loc[("ALL", "all"), "fills"] == 0
    panel = make_panel({"A": flat_bars(3)})
    assert trade_quality(empty_fills, panel).empty
    assert fill_quality(empty_fills, panel).empty
