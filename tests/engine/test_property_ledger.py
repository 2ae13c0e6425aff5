"""Property tests: any stream of fills keeps the books exact.

For random fills (sizes, sides, reversals, fractional quantities, costs) the ledger
identity gap is exactly zero and cash equals starting cash minus the traded notional
minus commissions, exactly, both on the bare ledger and through `run_backtest`.
"""

from __future__ import annotations

from decimal import Decimal as D

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt import run_backtest
from rustybt.api import (
    FixedBasisPoints,
    NoCommission,
    NoSlippage,
    PerDollar,
    PerShare,
    PerTrade,
    VolumeShareSlippage,
)
from rustybt.assets import Asset
from rustybt.engine.execution import CommissionModel, SlippageModel
from rustybt.engine.ledger import Ledger
from tests.engine.helpers import Call, Scripted, assert_books_balance, make_panel, order_at

EQUITY = Asset("EQ")
CRYPTO = Asset.crypto("CC")

prices = st.integers(min_value=1, max_value=10**9).map(lambda n: D(n).scaleb(-4))
whole = st.integers(min_value=-5000, max_value=5000).filter(bool).map(D)
fractional = (
    st.integers(min_value=-(10**10), max_value=10**10).filter(bool).map(lambda n: D(n).scaleb(-8))
)
commissions = st.integers(min_value=0, max_value=10**6).map(lambda n: D(n).scaleb(-4))
fills = st.lists(
    st.one_of(
        st.tuples(st.just(EQUITY), whole, prices, commissions),
        st.tuples(st.just(CRYPTO), fractional, prices, commissions),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(fills=fills, marks=st.tuples(prices, prices))
def test_ledger_identity_and_cash_are_exact(
    fills: list[tuple[Asset, D, D, D]], marks: tuple[D, D]
) -> None:
    ledger = Ledger(D("1000000"))
    notional = D(0)
    paid = D(0)
    quantities = {EQUITY: D(0), CRYPTO: D(0)}
    for asset, quantity, price, commission in fills:
        ledger.apply_fill(asset, quantity, price, commission)
        notional += quantity * price
        paid += commission
        quantities[asset] += quantity
        mark = {EQUITY: marks[0], CRYPTO: marks[1]}
        assert ledger.identity_gap({a: mark[a] for a in ledger.positions}) == 0
    assert ledger.cash == D("1000000") - notional - paid
    assert ledger.commissions == paid
    assert {a: p.quantity for a, p in ledger.positions.items()} == {
        a: q for a, q in quantities.items() if q
    }


commission_models: st.SearchStrategy[CommissionModel] = st.one_of(
    st.just(NoCommission()),
    st.builds(
        PerShare,
        cost=st.sampled_from([0.0, 0.001, 0.005, 0.01]),
        min_trade_cost=st.sampled_from([0.0, 1.0]),
    ),
    st.builds(PerTrade, cost=st.sampled_from([0.0, 1.0, 9.99])),
    st.builds(PerDollar, rate=st.sampled_from([0.0, 0.00075, 0.001, 0.0025])),
)
slippage_models: st.SearchStrategy[SlippageModel] = st.one_of(
    st.just(NoSlippage()),
    st.builds(FixedBasisPoints, bps=st.sampled_from([0.5, 2.5, 10.0])),
    st.builds(VolumeShareSlippage, price_impact=st.sampled_from([0.05, 0.1])),
)


@st.composite
def backtests(draw: st.DrawFn) -> tuple[object, list[Call]]:
    n = draw(st.integers(min_value=2, max_value=8))
    # Prices with at most 4 decimals, as a venue quotes them.
    closes = (
        np.array(
            draw(st.lists(st.integers(1, 10**8), min_size=2 * n, max_size=2 * n)), dtype=float
        ).reshape(n, 2)
        / 1e4
    )
    spread = np.array(draw(st.lists(st.integers(0, 500), min_size=n, max_size=n)), dtype=float)
    opens = np.round(closes * (1 + spread[:, None] / 1e4), 4)
    panel = make_panel(
        open=opens,
        high=np.maximum(opens, closes),
        low=np.minimum(opens, closes),
        close=closes,
        volume=draw(st.sampled_from([1e3, 1e5, 1e9])),
        assets=(EQUITY, CRYPTO),
    )
    calls: list[Call] = []
    for _ in range(draw(st.integers(min_value=1, max_value=12))):
        bar = draw(st.integers(min_value=0, max_value=n - 1))
        if draw(st.booleans()):
            calls.append(order_at(bar, "EQ", draw(st.integers(-300, 300))))
        else:
            calls.append(order_at(bar, "CC", float(draw(fractional))))
    return panel, calls


@settings(max_examples=40, deadline=None)
@given(
    case=backtests(),
    commission=commission_models,
    slippage=slippage_models,
    fill_at=st.sampled_from(["next_open", "close"]),
    volume_limit=st.sampled_from([None, 0.025, 0.5]),
    check_cash=st.booleans(),
)
def test_backtest_books_are_exact_for_any_order_stream(
    case: tuple[object, list[Call]],
    commission: CommissionModel,
    slippage: SlippageModel,
    fill_at: str,
    volume_limit: float | None,
    check_cash: bool,
) -> None:
    panel, calls = case
    script = Scripted(calls)
    result = run_backtest(
        script.strategy,
        panel,  # type: ignore[arg-type]
        capital=100_000,
        commission=commission,
        slippage=slippage,
        fill_at=fill_at,  # type: ignore[arg-type]
        volume_limit=volume_limit,
        check_cash=check_cash,
    )
    tx = result.transactions
    notional = sum((q * p for q, p in zip(tx["quantity"], tx["price"], strict=True)), D(0))
    paid = sum(tx["commission"], D(0))
    assert result.ledger["cash"] == D(100_000) - notional - paid
    assert result.ledger["commissions"] == paid
    assert_books_balance(result, script.ledger)
    # Fills never exceed what was ordered, and each order's fills add up to it.
    for _, order in result.orders.iterrows():
        mine = tx[tx["order_id"] == order["order_id"]]
        assert sum(mine["quantity"], D(0)) == order["filled"]
        assert abs(order["filled"]) <= abs(order["quantity"])
    if check_cash:
        # A cash account: no fill ever took cash below zero.
        flows = [
            q * p + c for q, p, c in zip(tx["quantity"], tx["price"], tx["commission"], strict=True)
        ]
        running = D(100_000)
        for flow in flows:
            running -= flow
            assert running >= 0
