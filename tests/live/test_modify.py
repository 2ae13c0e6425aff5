"""``context.modify_order``: a backtest replaces the resting order's fields; live sends
a replacement through `Broker.modify` under the three-outcome rule; both agree."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from rustybt import api, run_backtest
from rustybt.data.bars import BarPanel
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.data_portal import BarData
from rustybt.engine.strategy import Strategy
from rustybt.errors import OrderError, StrategyError
from rustybt.live.feeds import ReplayFeed
from rustybt.live.paper import PaperBroker
from rustybt.live.runner import LiveRunner
from tests.engine.helpers import flat_panel
from tests.live.faulty import FaultyBroker
from tests.live.test_parity import assert_same_result

CAPITAL = 100_000
# Bars (open == close): a limit buy at 8 would wait until bar 6; repriced to 9.5 it
# fills at bar 3.
PRICES = [10.0, 10.0, 10.0, 9.5, 9.0, 8.5, 8.0, 8.0]


class Repricer(Strategy):
    """Bar 1: limit buy 10 at 8. Bar 2: modify it to 6 at 9.5 (by id, through rustybt.api)."""

    def __init__(self) -> None:
        super().__init__()
        self.bars = 0
        self.applied: list[bool] = []

    def handle_data(self, context: TradingContext, data: BarData) -> None:
        self.bars += 1
        if self.bars == 2:
            context.order(context.assets[0], 10, limit_price=8)
        elif self.bars == 3:
            (order,) = context.get_open_orders()
            self.applied.append(api.modify_order(order.id, quantity=6, limit_price=9.5))


def _panel() -> BarPanel:
    return flat_panel(PRICES)


def _live(state: Path, strategy: Strategy, broker: FaultyBroker | None = None) -> LiveRunner:
    broker = broker or FaultyBroker(PaperBroker(capital=CAPITAL, path=state / "paper.db"))
    return LiveRunner(
        strategy,
        broker=broker,
        feed=ReplayFeed(_panel(), speed="max"),
        state=state,
        capital=CAPITAL,
        audit_log=state / "audit.jsonl",
    )


def _events(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_backtest_modification_replaces_the_resting_order(tmp_path: Path) -> None:
    strategy = Repricer()
    result = run_backtest(strategy, _panel(), capital=CAPITAL, audit_log=tmp_path / "a.jsonl")
    assert strategy.applied == [True]
    (fill,) = result.transactions.itertuples()
    assert (fill.quantity, fill.price) == (Decimal(6), Decimal("9.5"))
    assert fill.timestamp == _panel().index[3]
    order = result.orders.iloc[0]
    assert (order["quantity"], order["limit_price"], order["status"]) == (
        Decimal(6),
        Decimal("9.5"),
        "filled",
    )
    assert Decimal(result.metadata["ledger"]["cash"]) == CAPITAL - 57  # type: ignore[index]
    (modified,) = [e for e in _events(tmp_path / "a.jsonl") if e["event"] == "order.modified"]
    assert modified["changes"] == {"quantity": "6", "limit_price": "9.5"}


def test_paper_replay_of_a_modification_equals_the_backtest(tmp_path: Path) -> None:
    backtest = run_backtest(Repricer(), _panel(), capital=CAPITAL)
    strategy = Repricer()
    runner = _live(tmp_path, strategy)
    live = runner.run()
    runner.broker.close()
    assert strategy.applied == [True]
    assert_same_result(live, backtest)
    events = _events(tmp_path / "audit.jsonl")
    assert [e["changes"] for e in events if e["event"] == "order.modified"] == [
        {"quantity": "6", "limit_price": "9.5"}
    ]
    orders = {o.client_order_id: o for o in runner.store.orders()}
    session = runner.store.get("session_id")
    assert orders[f"rb-{session}-1"].state == "replaced"
    replacement = orders[f"rb-{session}-1.m1"]
    assert (replacement.replaces, replacement.state, replacement.status) == (
        f"rb-{session}-1",
        "closed",
        "filled",
    )
    runner.store.close()


@pytest.mark.parametrize("fault", ["after_apply", "before_apply"])
def test_an_unknown_modification_is_resolved_by_query_never_resent(
    tmp_path: Path, fault: str
) -> None:
    broker = FaultyBroker(PaperBroker(capital=CAPITAL, path=tmp_path / "paper.db"))
    broker.modify_fault = fault
    strategy = Repricer()
    runner = _live(tmp_path, strategy, broker)
    result = runner.run()
    broker.close()
    assert strategy.applied == [False]  # not confirmed when the strategy asked
    assert broker.modifies == 1  # never sent again
    fills = [(t.quantity, t.price, t.timestamp) for t in result.transactions.itertuples()]
    index = _panel().index
    if fault == "after_apply":
        # the venue has the replacement: found by query, then it fills at bar 3
        assert fills == [(Decimal(6), Decimal("9.5"), index[3])]
    else:
        # the venue never got it: the original order (10 at 8) stands and fills at bar 6
        assert fills == [(Decimal(10), Decimal(8), index[6])]
    session = runner.store.get("session_id")
    replacement = {o.client_order_id: o for o in runner.store.orders()}[f"rb-{session}-1.m1"]
    assert replacement.state == ("closed" if fault == "after_apply" else "not_sent")
    runner.store.close()


@pytest.mark.parametrize("fault", [None, "after_apply"])
def test_a_restart_keeps_the_modified_order(tmp_path: Path, fault: str | None) -> None:
    """Stopped right after the modification (confirmed, or its outcome unknown): the
    restart rebuilds the order with its new fields, or resolves the modification by
    reconciliation, and the session ends as the backtest does."""
    backtest = run_backtest(Repricer(), _panel(), capital=CAPITAL)
    strategy = Repricer()
    broker = FaultyBroker(PaperBroker(capital=CAPITAL, path=tmp_path / "paper.db"))
    broker.modify_fault = fault
    runner = _live(tmp_path, strategy, broker)
    runner.on_status = lambda s: runner.stop("test") if s.bar_time == _panel().index[2] else None
    runner.run()
    runner.broker.close()
    coid = f"rb-{runner.store.get('session_id')}-1"
    runner.store.close()
    resumed = Repricer()
    resumed.bars = 3  # the strategy's own counter is not persisted (documented)
    again = _live(tmp_path, resumed)
    live = again.run()
    again.broker.close()
    assert again.last_reconciliation is not None
    assert again.last_reconciliation.complete
    assert again.last_reconciliation.resolved == ([] if fault is None else [coid + ".m1"])
    again.store.close()
    assert live.orders.iloc[0]["limit_price"] == Decimal("9.5")
    pd.testing.assert_frame_equal(live.transactions, backtest.transactions)
    assert live.final_equity == backtest.final_equity


def test_bad_modifications_are_clear_errors() -> None:
    seen: list[str] = []

    class Bad(Strategy):
        def handle_data(self, context: TradingContext, data: BarData) -> None:
            asset = context.assets[0]
            if not context.get_open_orders() and not seen:
                market = context.order(asset, 5)
                limit = context.order(asset, 5, limit_price=1)
                assert market is not None
                assert limit is not None
                for kwargs, order in (
                    ({"limit_price": 9}, market),
                    ({"stop_price": 9}, limit),
                    ({"quantity": -5}, limit),
                    ({"limit_price": -1}, limit),
                ):
                    with pytest.raises(OrderError) as error:
                        context.modify_order(order, **kwargs)
                    seen.append(error.value.message)

    run_backtest(Bad(), _panel(), capital=CAPITAL)
    assert seen == [
        "order 1 is a market order: it has no limit price",
        "order 2 is a limit order: it has no stop price",
        "modify_order cannot turn order 2 into -5: keep its side",
        "limit_price must be positive, not -1",
    ]


class GuardedRepricer(Repricer):
    """Repricer with a max order size of 8 shares: growing the bid to 12 breaks it."""

    def initialize(self, context: TradingContext) -> None:
        context.set_max_order_size(max_shares=8)

    def handle_data(self, context: TradingContext, data: BarData) -> None:
        self.bars += 1
        if self.bars == 2:
            context.order(context.assets[0], 6, limit_price=8)
        elif self.bars == 3:
            (order,) = context.get_open_orders()
            self.applied.append(context.modify_order(order, quantity=12, limit_price=9.5))
            self.applied.append(context.modify_order(order, limit_price=9.5))


def test_risk_controls_check_the_modified_order(tmp_path: Path) -> None:
    """As for new orders: the backtest stops (zipline's on_error="fail"); live, the
    breaker refuses the modification and halts, so the next one is refused too."""
    with pytest.raises(StrategyError, match="order of 12 A exceeds the 8 unit limit"):
        run_backtest(GuardedRepricer(), _panel(), capital=CAPITAL)
    broker = FaultyBroker(PaperBroker(capital=CAPITAL, path=tmp_path / "paper.db"))
    strategy = GuardedRepricer()
    runner = _live(tmp_path, strategy, broker)
    result = runner.run()
    broker.close()
    runner.store.close()
    assert strategy.applied == [False, False]
    assert broker.modifies == 0
    events = _events(tmp_path / "audit.jsonl")
    assert [e["breaker"] for e in events if e["event"] == "circuit_breaker.tripped"] == [
        "max_order_size"
    ]
    reasons = [str(e["reason"]) for e in events if e["event"] == "order.modify_refused"]
    assert len(reasons) == 2
    assert reasons[0].startswith("risk control")
    assert reasons[1].startswith("trading halted")
    # the original bid (6 at 8) still rests while halted, and fills when the price gets there
    fills = [(t.quantity, t.price) for t in result.transactions.itertuples()]
    assert fills == [(Decimal(6), Decimal(8))]


def test_a_halted_runner_refuses_modifications(tmp_path: Path) -> None:
    class HaltedRepricer(Repricer):
        def handle_data(self, context: TradingContext, data: BarData) -> None:
            if self.bars == 2:  # the operator's breaker trips just before the modification
                context._blotter.halt_reasons["breaker"] = "halted by test"  # type: ignore[attr-defined]
            super().handle_data(context, data)

    broker = FaultyBroker(PaperBroker(capital=CAPITAL, path=tmp_path / "paper.db"))
    strategy = HaltedRepricer()
    runner = _live(tmp_path, strategy, broker)
    result = runner.run()
    broker.close()
    runner.store.close()
    assert strategy.applied == [False]
    assert broker.modifies == 0  # nothing was sent
    fills = [(t.quantity, t.price) for t in result.transactions.itertuples()]
    assert fills == [(Decimal(10), Decimal(8))]  # the original bid stands
    refused = [e for e in _events(tmp_path / "audit.jsonl") if e["event"] == "order.modify_refused"]
    assert [e["reason"] for e in refused] == ["trading halted: halted by test"]
