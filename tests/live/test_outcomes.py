"""The three-outcome rule and recovery, with injected faults: unknown submits are
resolved by query (never resent), duplicated fills change nothing, an outage halts
new orders until the broker is back and reconciled, an unexplained difference
fails closed (new orders refused, cancels allowed), external orders are adopted."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from rustybt import run_backtest
from rustybt.data.bars import BarPanel
from rustybt.engine.strategy import Strategy
from rustybt.live.broker import OrderRequest
from rustybt.live.checker import check_paper_books
from rustybt.live.feeds import ReplayFeed
from rustybt.live.paper import PaperBroker
from rustybt.live.runner import LiveRunner, LiveStatus
from rustybt.live.state import StateStore
from tests.engine.helpers import Scripted, flat_panel, order_at
from tests.live.faulty import FaultyBroker
from tests.live.strategies import Rebalancer
from tests.live.test_parity import assert_same_result

CAPITAL = 100_000


def _live(
    strategy: Strategy,
    panel: BarPanel,
    state: Path,
    configure: object = None,
    **kwargs: object,
) -> tuple[LiveRunner, FaultyBroker]:
    broker = FaultyBroker(PaperBroker(capital=CAPITAL, path=state / "paper.db"))
    if callable(configure):
        configure(broker)
    runner = LiveRunner(
        strategy,
        broker=broker,
        feed=ReplayFeed(panel, speed="max"),
        state=state,
        capital=CAPITAL,
        audit_log=state / "audit.jsonl",
        **kwargs,  # type: ignore[arg-type]
    )
    return runner, broker


def _events(state: Path) -> list[str]:
    return [json.loads(x)["event"] for x in (state / "audit.jsonl").read_text().splitlines()]


def test_timeout_after_apply_is_resolved_by_query_and_never_resent(
    demo_window: BarPanel, tmp_path: Path
) -> None:
    def faults(broker: FaultyBroker) -> None:
        broker.timeout_after_apply = 3

    runner, broker = _live(Rebalancer(), demo_window, tmp_path, faults)
    live = runner.run()
    broker.close()
    # Every unknown submit had in fact reached the venue: querying finds it, so the
    # session is exactly the backtest, with one venue order per intent.
    assert_same_result(live, run_backtest(Rebalancer(), demo_window, capital=CAPITAL))
    check = check_paper_books(tmp_path, capital=Decimal(CAPITAL))
    assert check.ok, check
    assert _events(tmp_path).count("order.unknown") == broker.submits // 3
    assert check.venue_orders == broker.submits  # nothing was sent twice


def test_timeout_before_apply_closes_the_order_as_not_at_the_venue(
    demo_window: BarPanel, tmp_path: Path
) -> None:
    def faults(broker: FaultyBroker) -> None:
        broker.timeout_before_apply = 4

    runner, broker = _live(Rebalancer(), demo_window, tmp_path, faults)
    live = runner.run()
    broker.close()
    lost = live.orders[live.orders["reason"] == "never reached the venue (outcome was unknown)"]
    assert len(lost) == broker.submits // 4
    assert set(lost["status"]) == {"rejected"}
    check = check_paper_books(tmp_path, capital=Decimal(CAPITAL))
    assert check.ok, check


def test_duplicated_and_replayed_fills_change_nothing(
    demo_window: BarPanel, tmp_path: Path
) -> None:
    def faults(broker: FaultyBroker) -> None:
        broker.duplicate_fills = True

    runner, broker = _live(Rebalancer(), demo_window, tmp_path, faults)
    live = runner.run()
    broker.close()
    assert broker.replays > 10
    assert_same_result(live, run_backtest(Rebalancer(), demo_window, capital=CAPITAL))


def test_outage_halts_new_orders_then_reconnect_reconciles(
    demo_window: BarPanel, tmp_path: Path
) -> None:
    def faults(broker: FaultyBroker) -> None:
        broker.down_bars = {20, 21, 22}

    runner, broker = _live(Rebalancer(every=1), demo_window, tmp_path, faults)
    live = runner.run()
    broker.close()
    refused = live.orders[live.orders["reason"].fillna("").str.contains("broker unreachable")]
    assert len(refused) > 0
    names = _events(tmp_path)
    assert names.count("broker.reconnected") == 1
    assert names.count("reconciliation.finished") == 2  # start + after the reconnect
    check = check_paper_books(tmp_path, capital=Decimal(CAPITAL))
    assert check.ok, check


def test_unexplained_difference_fails_closed_but_cancels_work(tmp_path: Path) -> None:
    panel = flat_panel([10.0] * 12)
    index = panel.index

    def stop_at(runner: LiveRunner, bar: int) -> object:
        def status(item: LiveStatus) -> None:
            if item.bar_time == index[bar]:
                runner.stop("test")

        return status

    first = Scripted([order_at(1, "A", 10), (2, "order", ("A", 5), {"limit_price": 9.0})])
    runner, broker = _live(first.strategy, panel, tmp_path)
    runner.on_status = stop_at(runner, 4)  # type: ignore[assignment]
    runner.run()
    broker.close()
    runner.store.close()
    # Lose the stored fill (as a corrupted state would): the venue holds 10 A, we hold 0.
    with sqlite3.connect(tmp_path / "state.db") as db:
        db.execute("DELETE FROM fills")
    resting = next(r for r in StateStore(tmp_path).orders() if r.order_type == "limit")

    def cancel_resting(context: object, data: object) -> None:
        if data.bar == 6:  # type: ignore[attr-defined]
            order = context.get_order(resting.engine_id)  # type: ignore[attr-defined]
            context.cancel_order(order)  # type: ignore[attr-defined]

    second = Scripted([order_at(7, "A", 1)], each_bar=cancel_resting)
    runner, broker = _live(second.strategy, panel, tmp_path)
    runner.run()
    broker.close()
    report = runner.last_reconciliation
    assert report is not None
    assert not report.complete
    assert report.mismatches == [
        "position A: venue change 10, ledger 0",
        "cash USD: venue change -100.00, ledger 0.00",
    ]
    (refused,) = [o for o in second.placed if o is not None]
    assert refused.status == "rejected"
    assert refused.reason is not None
    assert "reconciliation incomplete" in refused.reason
    assert broker.paper.order_status(f"rb-{runner.store.get('session_id')}-2") is not None
    venue = broker.paper.order_status(f"rb-{runner.store.get('session_id')}-2")
    assert venue is not None
    assert venue.status.value == "cancelled"


def test_external_orders_are_adopted_and_reported(tmp_path: Path) -> None:
    panel = flat_panel([10.0] * 12)
    index = panel.index
    runner, broker = _live(Scripted([order_at(1, "A", 3)]).strategy, panel, tmp_path)

    def status(item: LiveStatus) -> None:
        if item.bar_time == index[3]:
            runner.stop("test")

    runner.on_status = status  # type: ignore[assignment]
    runner.run()
    # Someone trades on the account by hand while the session is down.
    broker.paper.submit(OrderRequest("manual-1", "A", "buy", Decimal(7), "market"))
    broker.paper.submit(
        OrderRequest("manual-2", "A", "buy", Decimal(1), "limit", limit_price=Decimal(5))
    )
    broker.close()
    runner.store.close()
    runner, broker = _live(Scripted([]).strategy, panel, tmp_path)
    result = runner.run()
    broker.close()
    report = runner.last_reconciliation
    assert report is not None
    assert report.complete, report
    assert report.adopted == ["manual-1", "manual-2"]
    assert Decimal(result.metadata["ledger"]["cash"]) == CAPITAL - 10 * 10  # type: ignore[index]
    check = check_paper_books(tmp_path, capital=Decimal(CAPITAL))
    assert check.books == []


@pytest.mark.parametrize("validate", [True])
def test_bad_bars_are_rejected_before_the_strategy_sees_them(
    tmp_path: Path, validate: bool
) -> None:
    seen: list[float] = []
    panel = flat_panel([10.0, 10.0, 10.0, 10.0, 10.0, 10.0])
    panel.high[3, 0] = 5.0  # high < low: an ERROR rule
    strategy = Scripted([], each_bar=lambda c, d: seen.append(float(d.current("A", "high"))))
    runner, broker = _live(strategy.strategy, panel, tmp_path, validate=validate)
    runner.run()
    broker.close()
    assert 5.0 not in seen
    assert runner.metrics.bars_rejected == 1
    assert "bar.rejected" in _events(tmp_path)


def test_stale_bars_are_shown_but_not_traded_on(tmp_path: Path) -> None:
    panel = flat_panel([10.0] * 6)
    strategy = Scripted([order_at(2, "A", 1)])
    # 10^9 x: every bar is due at once; any processing delay makes it late by > 0 s.
    broker = FaultyBroker(PaperBroker(capital=CAPITAL, path=tmp_path / "paper.db"))
    runner = LiveRunner(
        strategy.strategy,
        broker=broker,
        feed=ReplayFeed(panel, speed="1000000000x"),
        state=tmp_path,
        capital=CAPITAL,
        stale_after=0.0,
    )
    runner.run()
    broker.close()
    (order,) = [o for o in strategy.placed if o is not None]
    assert order.status == "rejected"
    assert order.reason is not None
    assert order.reason.startswith("trading halted: stale bar")
    assert runner.metrics.bars_stale == 6


def test_asyncio_form_gives_the_same_result(demo_window: BarPanel, tmp_path: Path) -> None:
    import asyncio

    runner, broker = _live(Rebalancer(), demo_window, tmp_path)
    live = asyncio.run(runner.run_async())
    broker.close()
    assert_same_result(live, run_backtest(Rebalancer(), demo_window, capital=CAPITAL))


def test_replay_from_a_date_sees_earlier_history(tmp_path: Path) -> None:
    panel = flat_panel([float(x) for x in range(10, 20)])
    lengths: list[int] = []
    strategy = Scripted(
        [], each_bar=lambda c, d: lengths.append(len(d.history("A", "close", 5, "1d")))
    )
    broker = PaperBroker(capital=CAPITAL, path=tmp_path / "paper.db")
    LiveRunner(
        strategy.strategy,
        broker=broker,
        feed=ReplayFeed(panel, speed="max", start=str(panel.index[6].date())),
        state=tmp_path,
        capital=CAPITAL,
    ).run()
    broker.close()
    assert lengths == [5, 5, 5, 5]  # bars 6..9 traded, bars 0..5 visible as history
