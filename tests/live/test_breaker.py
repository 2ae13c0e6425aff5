"""Live risk: a breach trips the circuit breaker (audited), the halted runner refuses new
orders but accepts cancels, and stays halted across restarts until reset."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from rustybt.engine.algorithm import TradingContext
from rustybt.engine.controls import RiskLimits
from rustybt.engine.orders import Order
from rustybt.live.breaker import reset_breaker
from rustybt.live.feeds import ReplayFeed
from rustybt.live.paper import PaperBroker
from rustybt.live.runner import LiveRunner, LiveStatus
from rustybt.live.state import StateStore
from tests.engine.helpers import Scripted, flat_panel, order_at


def _run(
    tmp_path: Path,
    script: Scripted,
    limits: RiskLimits | None = None,
    *,
    stop_at: int | None = None,
    on_status: Callable[[LiveStatus], None] | None = None,
) -> LiveRunner:
    broker = PaperBroker(capital=10_000, path=tmp_path / "paper.db")
    index = flat_panel([10.0] * 12).index

    def status(item: LiveStatus) -> None:
        if on_status is not None:
            on_status(item)
        if stop_at is not None and item.bar_time == index[stop_at]:
            runner.stop("test stop")

    runner = LiveRunner(
        script.strategy,
        broker=broker,
        feed=ReplayFeed(flat_panel([10.0] * 12), speed="max"),
        state=tmp_path,
        capital=10_000,
        limits=limits,
        audit_log=tmp_path / "audit.jsonl",
        on_status=status,
    )
    runner.run()
    broker.close()
    return runner


def _events(tmp_path: Path) -> list[dict[str, object]]:
    lines = (tmp_path / "audit.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_breach_halts_new_orders_but_cancels_still_work(tmp_path: Path) -> None:
    resting: list[Order] = []

    def cancel_resting(context: TradingContext, data: object) -> None:
        if context._data.bar == 7:
            context.cancel_order(resting[0])

    script = Scripted(
        [
            (2, "order", ("A", 5), {"limit_price": 9.9}),  # rests (price stays at 10)
            order_at(4, "A", 50),  # breaches max_order_size: trips the breaker
            order_at(6, "A", 1),  # refused: halted
        ],
        initialize=lambda c: c.set_max_order_size(max_shares=20),
        each_bar=cancel_resting,
    )
    original = script._handle_data

    def keep(context: TradingContext, data: object) -> None:
        original(context, data)  # type: ignore[arg-type]
        if context._data.bar == 2:
            resting.append(context.get_open_orders()[0])

    script.strategy = type(script.strategy)(
        initialize=script._initialize, handle_data=keep, name="scripted"
    )
    runner = _run(tmp_path, script)
    placed = [o for o in script.placed if o is not None]
    limit, big, small = placed
    assert big.status == "rejected"
    assert big.reason is not None
    assert big.reason.startswith("risk control: order of 50 A exceeds the 20 unit limit")
    assert small.status == "rejected"
    assert small.reason is not None
    assert small.reason.startswith("trading halted: circuit breaker")
    assert limit.status == "cancelled"  # the cancel went through while halted
    assert runner.metrics.breaker == "halted"
    events = _events(tmp_path)
    tripped = [e for e in events if e["event"] == "circuit_breaker.tripped"]
    assert len(tripped) == 1
    assert tripped[0]["breaker"] == "max_order_size"
    assert tripped[0]["limit"] == 20
    assert [e["event"] for e in events].count("order.cancelled") == 1


def test_breaker_survives_restart_until_an_operator_resets_it(tmp_path: Path) -> None:
    limits = RiskLimits(max_order_quantity=20)
    first = Scripted([order_at(2, "A", 50)])
    _run(tmp_path, first, limits, stop_at=4)  # tripped at bar 2, stopped after bar 4

    def reset_at_8(status: LiveStatus) -> None:
        if status.bar_time == flat_panel([10.0] * 12).index[8]:
            store = StateStore(tmp_path)
            reset_breaker(store, operator="ops", note="fat finger checked", audit_log=audit)
            store.close()

    audit = tmp_path / "audit.jsonl"
    second = Scripted([order_at(6, "A", 1), order_at(9, "A", 2)])
    _run(tmp_path, second, limits, on_status=reset_at_8)  # restart: resumes at bar 5
    refused, accepted = (o for o in second.placed if o is not None)
    assert refused.status == "rejected"
    assert refused.reason is not None
    assert "circuit breaker" in refused.reason
    assert accepted.status == "filled"
    names = [e["event"] for e in _events(tmp_path)]
    assert names.count("circuit_breaker.tripped") == 1
    assert names.count("circuit_breaker.reset") == 1
    reset = next(e for e in _events(tmp_path) if e["event"] == "circuit_breaker.reset")
    assert reset["breaker"] == "max_order_size"
    assert reset["user"] == "ops"


def test_graceful_stop_cancels_open_orders_and_audits_the_session(tmp_path: Path) -> None:
    script = Scripted([order_at(1, "A", 3), (2, "order", ("A", 5), {"limit_price": 9.0})])
    broker = PaperBroker(capital=10_000, path=tmp_path / "paper.db")
    index = flat_panel([10.0] * 12).index

    def stop_at_5(item: LiveStatus) -> None:
        if item.bar_time == index[5]:
            runner.stop("operator stop")

    runner = LiveRunner(
        script.strategy,
        broker=broker,
        feed=ReplayFeed(flat_panel([10.0] * 12), speed="max"),
        state=tmp_path,
        capital=10_000,
        audit_log=tmp_path / "audit.jsonl",
        cancel_on_stop=True,
        on_status=stop_at_5,
    )
    result = runner.run()
    broker.close()
    assert list(result.orders["status"]) == ["filled", "cancelled"]
    assert list(result.orders["reason"])[1] == "cancelled on stop"
    assert len(result.perf) == 6  # sessions up to the stop
    events = _events(tmp_path)
    names = [e["event"] for e in events]
    for name in (
        "run.started",
        "live.started",
        "reconciliation.finished",
        "order.submitted",
        "order.accepted",
        "order.filled",
        "order.cancelled",
        "live.stopped",
        "run.finished",
    ):
        assert name in names, name
    stopped = next(e for e in events if e["event"] == "live.stopped")
    assert stopped["reason"] == "operator stop"
    assert stopped["cancelled_orders"] == 1


def test_a_restarted_session_keeps_the_whole_perf_history(tmp_path: Path) -> None:
    """Stop after bar 4, restart: perf and record() columns cover every session."""
    index = flat_panel([10.0] * 12).index

    def recording() -> Scripted:
        return Scripted(
            [order_at(1, "A", 3), order_at(7, "A", -3)],
            each_bar=lambda c, d: c.record(bar=float(d.bar)),
        )

    _run(tmp_path, recording(), stop_at=4)
    runner = LiveRunner(
        recording().strategy,
        broker=(broker := PaperBroker(capital=10_000, path=tmp_path / "paper.db")),
        feed=ReplayFeed(flat_panel([10.0] * 12), speed="max"),
        state=tmp_path,
        capital=10_000,
    )
    result = runner.run()
    broker.close()
    assert list(result.perf.index) == list(index)
    assert list(result.perf["bar"]) == [float(b) for b in range(12)]
    assert list(result.perf["fills"]) == [0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0]
    assert result.final_equity == Decimal(10_000)
