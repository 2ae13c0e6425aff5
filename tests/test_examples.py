"""The example strategies on the demo data: each decision re-derived by hand.

Every test recomputes what the strategy should have done from the raw bars
(pandas rolling means, 12-1 momentum, z-scores) and checks the orders, fills and
ledger against it, so a change in the engine's conventions shows up here.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rustybt import BacktestResult, FunctionStrategy, load_strategy_file, run_backtest
from rustybt.data.bars import BarPanel
from rustybt.data.synthetic import demo_panel
from rustybt.engine.execution import PerShare
from rustybt.errors import ConfigError, StrategyError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
DMA = EXAMPLES / "dual_moving_average.py"
MOMENTUM = EXAMPLES / "momentum_rotation.py"
MEAN_REVERSION = EXAMPLES / "mean_reversion_limits.py"


# -- fixtures ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def panel() -> BarPanel:
    return demo_panel()


@pytest.fixture(scope="module")
def closes(panel: BarPanel) -> pd.DataFrame:
    return pd.DataFrame(panel.close, index=panel.index, columns=list(panel.symbols))


@pytest.fixture(scope="module")
def dma_result(panel: BarPanel) -> BacktestResult:
    return run_backtest(load_strategy_file(DMA), panel)


@pytest.fixture(scope="module")
def momentum_result(panel: BarPanel) -> BacktestResult:
    # No volume cap: every rebalance completes at the next open, so holdings are exact.
    return run_backtest(load_strategy_file(MOMENTUM), panel, volume_limit=None)


@pytest.fixture(scope="module")
def mr_result(panel: BarPanel) -> BacktestResult:
    return run_backtest(load_strategy_file(MEAN_REVERSION), panel)


def bar_of(panel: BarPanel, stamps: pd.Series) -> np.ndarray:
    bars: np.ndarray = panel.index.get_indexer(pd.DatetimeIndex(stamps))
    assert (bars >= 0).all()
    return bars


def assert_ledger_identity(result: BacktestResult) -> None:
    """equity = cash + sum(quantity x mark) = start + realized + unrealized - commissions,
    and cash = start - sum(quantity x price + commission) over the fills, all exact."""
    ledger = result.ledger
    held: dict[str, Decimal] = defaultdict(Decimal)
    cash = ledger["starting_cash"]
    fills = result.transactions
    symbols: list[str] = fills["symbol"].tolist()
    quantities: list[Decimal] = fills["quantity"].tolist()
    prices: list[Decimal] = fills["price"].tolist()
    commissions: list[Decimal] = fills["commission"].tolist()
    for symbol, quantity, price, commission in zip(
        symbols, quantities, prices, commissions, strict=True
    ):
        held[symbol] += quantity
        cash -= quantity * price + commission
    marks = result.marks
    assert {s for s, q in held.items() if q} == set(marks)
    positions_value = sum((q * marks[s] for s, q in held.items() if q), Decimal(0))
    assert ledger["cash"] == cash
    assert ledger["equity"] == ledger["cash"] + positions_value
    assert ledger["equity"] == (
        ledger["starting_cash"]
        + ledger["realized_pnl"]
        + ledger["unrealized_pnl"]
        - ledger["commissions"]
    )
    assert result.perf["portfolio_value"].iloc[-1] == pytest.approx(
        float(ledger["equity"]), rel=1e-12
    )


# -- loading -----------------------------------------------------------------------------
def test_each_example_loads_in_its_declared_form() -> None:
    dma = load_strategy_file(DMA, fast=10, slow=30)
    assert type(dma).__name__ == "DualMovingAverage"
    assert dma.params == {"fast": 10, "slow": 30}
    momentum = load_strategy_file(MOMENTUM, top_k=3)
    assert isinstance(momentum, FunctionStrategy)
    assert momentum.params == {"lookback": 252, "skip": 21, "top_k": 3}
    mr = load_strategy_file(MEAN_REVERSION)
    assert type(mr).__name__ == "MeanReversionLimits"
    assert mr.params["entry_z"] == 2.0


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (DMA, {"fast": 50, "slow": 20}),
        (MEAN_REVERSION, {"entry_z": -1.0}),
        (MEAN_REVERSION, {"stop_loss": 1.5}),
    ],
)
def test_bad_parameters_fail_when_the_strategy_is_built(
    path: Path, params: dict[str, object]
) -> None:
    with pytest.raises(ConfigError, match="need"):
        load_strategy_file(path, **params)


def test_bad_momentum_parameters_fail_in_initialize(panel: BarPanel) -> None:
    with pytest.raises(StrategyError, match="top_k"):
        run_backtest(load_strategy_file(MOMENTUM, top_k=0), panel)


# -- dual moving average ---------------------------------------------------------------------
def test_dma_orders_exactly_where_the_averages_cross(
    dma_result: BacktestResult, closes: pd.DataFrame
) -> None:
    fast = closes.rolling(20).mean()
    slow = closes.rolling(50).mean()
    state = (fast > slow) & slow.notna()
    changed = state.ne(state.shift(1, fill_value=False)) & slow.notna()
    stacked: pd.Series = changed.stack()  # type: ignore[assignment]  # stubs: DataFrame | Series
    expected = {
        (stamp, symbol, "enter" if state.at[stamp, symbol] else "exit")
        for stamp, symbol in stacked[stacked].index
    }
    decisions = dma_result.decisions
    got = set(zip(decisions["timestamp"], decisions["symbol"], decisions["signal"], strict=True))
    assert got == expected
    assert len(got) == len(dma_result.orders) == 445
    # The first full 50-bar window is bar 49: nothing can happen before it.
    assert decisions["timestamp"].min() == closes.index[49]


def test_dma_alternates_buys_and_sells_and_sizes_entries_at_one_twentieth(
    dma_result: BacktestResult, panel: BarPanel
) -> None:
    orders = dma_result.orders
    for _, group in orders.groupby("symbol"):
        signs = np.sign(group["quantity"].astype(float).to_numpy())
        assert signs[0] == 1
        assert (signs[1:] != signs[:-1]).all()  # only state changes trade
    perf_value = dma_result.perf["portfolio_value"]
    buys = orders[orders["quantity"] > 0]
    bars = bar_of(panel, buys["created"])
    for (_, order), bar in zip(buys.iterrows(), bars, strict=True):
        close = panel.close[bar, panel.column(order["symbol"])]
        expected = int(0.05 * perf_value.iloc[bar] / close)
        assert int(order["quantity"]) == expected


def test_dma_fills_market_orders_at_the_next_open(
    dma_result: BacktestResult, panel: BarPanel
) -> None:
    fills = dma_result.transactions
    created = dict(zip(dma_result.orders["order_id"], dma_result.orders["created"], strict=True))
    decision_bars = bar_of(panel, pd.Series([created[o] for o in fills["order_id"]]))
    first = ~fills["order_id"].duplicated().to_numpy()
    assert (fills["bar"].to_numpy()[first] == decision_bars[first] + 1).all()
    # Orders larger than 2.5% of a bar's volume finish over the following bars.
    later = fills["bar"].to_numpy()[~first] - decision_bars[~first]
    assert len(later) > 0
    assert (later > 1).all()
    for _, fill in fills[~first].iterrows():
        volume = panel.volume[fill["bar"], panel.column(fill["symbol"])]
        assert abs(fill["quantity"]) <= int(volume * 0.025)
    columns = [panel.column(s) for s in fills["symbol"]]
    opens = panel.open[fills["bar"].to_numpy(), columns]
    assert [float(p) for p in fills["price"]] == opens.tolist()
    assert_ledger_identity(dma_result)


def test_dma_with_commissions_keeps_the_ledger_exact(panel: BarPanel) -> None:
    result = run_backtest(
        load_strategy_file(DMA, fast=10, slow=30), panel, commission=PerShare(0.005, 1.0)
    )
    orders = result.orders[result.orders["filled"] != 0]
    for _, order in orders.iterrows():
        owed = max(Decimal("0.005") * abs(order["filled"]), Decimal(1))
        assert order["commission"] == owed
    assert result.ledger["commissions"] == sum(orders["commission"], Decimal(0))
    assert result.ledger["commissions"] > 0
    assert_ledger_identity(result)


def test_a_strategy_instance_can_run_twice(panel: BarPanel) -> None:
    strategy = load_strategy_file(DMA)
    short = panel.select(end="2016-06-30")
    first = run_backtest(strategy, short)
    second = run_backtest(strategy, short)
    assert first.final_equity == second.final_equity
    assert len(first.orders) == len(second.orders) > 0


# -- momentum rotation -----------------------------------------------------------------------
def month_starts(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    frame = pd.Series(index, index=index)
    return pd.DatetimeIndex(frame.groupby([index.year, index.month]).first().to_numpy())


def test_momentum_trades_only_on_month_starts_after_a_year(
    momentum_result: BacktestResult, panel: BarPanel
) -> None:
    starts = month_starts(panel.index)
    created = pd.DatetimeIndex(momentum_result.orders["created"].unique())
    assert created.isin(starts).all()
    # The first rebalance needs lookback + 1 = 253 closes: bar 252 (2016-01-04).
    eligible = starts[panel.index.get_indexer(starts) >= 252]
    assert created.min() == eligible[0] == pd.Timestamp("2016-01-04", tz="UTC")
    assert list(created) == list(eligible)  # every eligible month start rebalanced


def test_momentum_holds_the_top_five_by_12_1_return(
    momentum_result: BacktestResult, panel: BarPanel, closes: pd.DataFrame
) -> None:
    positions = momentum_result.positions
    rebalance_bars = bar_of(panel, pd.Series(momentum_result.orders["created"].unique()))
    assert len(rebalance_bars) == 36
    for bar in rebalance_bars:
        momentum = closes.iloc[bar - 21] / closes.iloc[bar - 252] - 1.0
        top = set(momentum.sort_values(ascending=False, kind="stable").index[:5])
        held = positions.loc[positions["session"] == panel.index[bar + 1], "symbol"]
        assert set(held) == top, panel.index[bar]
    # Equal weights at the first rebalance: a fifth of equity at the decision close.
    bar = rebalance_bars[0]
    equity = momentum_result.perf["portfolio_value"].iloc[bar]
    first = momentum_result.orders[momentum_result.orders["created"] == panel.index[bar]]
    for _, order in first.iterrows():
        close = panel.close[bar, panel.column(order["symbol"])]
        assert int(order["quantity"]) == int(0.2 * equity / close)
    assert_ledger_identity(momentum_result)


def test_momentum_top_k_parameter(panel: BarPanel) -> None:
    result = run_backtest(load_strategy_file(MOMENTUM, top_k=3), panel, volume_limit=None)
    counts = result.positions.groupby("session")["symbol"].nunique()
    assert counts.max() == 3
    assert result.perf["top_momentum"].notna().sum() == 36  # one record per rebalance


# -- mean reversion with limits -------------------------------------------------------------
def test_mean_reversion_bids_below_the_close_with_day_limits(
    mr_result: BacktestResult, panel: BarPanel, closes: pd.DataFrame
) -> None:
    orders = mr_result.orders
    buys = orders[orders["quantity"] > 0]
    assert len(buys) > 50
    assert set(buys["type"]) == {"limit"}
    assert set(buys["time_in_force"]) == {"day"}
    bars = bar_of(panel, buys["created"])
    mean = closes.rolling(20).mean().to_numpy()
    std = closes.rolling(20).std(ddof=0).to_numpy()
    for (_, order), bar in zip(buys.iterrows(), bars, strict=True):
        column = panel.column(order["symbol"])
        close = panel.close[bar, column]
        assert float(order["limit_price"]) == round(close * 0.995, 2) < close
        assert (close - mean[bar, column]) / std[bar, column] < -2.0
    # A bid fills at or below its limit in the next session, or expires there.
    for _, order in buys.iterrows():
        assert order["status"] in {"filled", "partially_filled", "expired"}
        assert order["closed"] == panel.index[panel.index.searchsorted(order["created"]) + 1]
        if order["filled"]:
            assert order["average_price"] <= order["limit_price"]
    assert (buys["status"] == "expired").sum() > 10


def test_mean_reversion_exits_at_the_mean_or_by_stop(
    mr_result: BacktestResult, panel: BarPanel, closes: pd.DataFrame
) -> None:
    orders = mr_result.orders
    sells = orders[orders["quantity"] < 0]
    limits = sells[sells["type"] == "limit"]
    stops = sells[sells["type"] == "market"]
    assert set(sells["type"]) == {"limit", "market"}
    assert set(limits["time_in_force"]) == {"gtc"}
    mean = closes.rolling(20).mean().to_numpy()
    for _, order in limits.iterrows():
        bar = int(panel.index.searchsorted(order["created"]))
        expected = mean[bar, panel.column(order["symbol"])]
        assert float(order["limit_price"]) == pytest.approx(expected, abs=0.005 + 1e-9)
        if order["filled"]:
            assert order["average_price"] >= order["limit_price"]
    # Stale exits are cancelled after 5 bars and re-placed at the new mean.
    cancelled = limits[limits["status"] == "cancelled"]
    assert len(cancelled) > 50
    age = bar_of(panel, cancelled["closed"]) - bar_of(panel, cancelled["created"])
    repriced = age == 5
    assert repriced.sum() > 0
    # The rest were cancelled early by a stop, which sells at market the same bar.
    stop_keys = set(zip(stops["symbol"], stops["created"], strict=True))
    for (_, order), fresh in zip(cancelled.iterrows(), repriced, strict=True):
        if not fresh:
            assert (order["symbol"], order["closed"]) in stop_keys
    # Each stop fired with the close at least 8% under the position's average cost.
    for _, stop in stops.iterrows():
        bar = int(panel.index.searchsorted(stop["created"]))
        held = mr_result.positions[
            (mr_result.positions["session"] == stop["created"])
            & (mr_result.positions["symbol"] == stop["symbol"])
        ]
        assert len(held) == 1
        assert panel.close[bar, panel.column(stop["symbol"])] <= held["cost_basis"].iloc[0] * 0.92
        assert stop["quantity"] == -Decimal(str(int(held["quantity"].iloc[0])))


def test_mean_reversion_never_shorts_nor_exceeds_ten_positions(mr_result: BacktestResult) -> None:
    positions = mr_result.positions
    assert (positions["quantity"] > 0).all()
    assert positions.groupby("session")["symbol"].nunique().max() <= 10
    assert_ledger_identity(mr_result)


# -- missing data ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gappy_panel(panel: BarPanel) -> BarPanel:
    """The demo data with SYN000 listed only from bar 300 and SYN001 halted for bars 500-504."""
    arrays = {}
    for name in ("open", "high", "low", "close", "volume"):
        array = panel.field(name).copy()
        array[:300, 0] = np.nan
        array[500:505, 1] = np.nan
        arrays[name] = array
    return BarPanel(index=panel.index, assets=panel.assets, frequency=panel.frequency, **arrays)


@pytest.mark.parametrize(("path", "warmup"), [(DMA, 50), (MOMENTUM, 253), (MEAN_REVERSION, 20)])
def test_examples_wait_for_a_full_window_after_a_listing(
    path: Path, warmup: int, gappy_panel: BarPanel
) -> None:
    result = run_backtest(load_strategy_file(path), gappy_panel)
    orders = result.orders
    listed = orders[orders["symbol"] == "SYN000"]
    assert (bar_of(gappy_panel, listed["created"]) >= 300 + warmup - 1).all()
    halted = orders[orders["symbol"] == "SYN001"]
    halted_bars = bar_of(gappy_panel, halted["created"])
    assert not ((halted_bars >= 500) & (halted_bars < 505)).any()
    assert not (result.orders["status"] == "rejected").any()
    assert_ledger_identity(result)
