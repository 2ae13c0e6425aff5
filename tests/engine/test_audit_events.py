"""The audit trail of a scripted backtest: exactly the expected events, in order,
with the fields the catalogue promises and values that match the result."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rustybt import run_backtest
from rustybt.assets import Asset
from rustybt.audit.catalogue import CONTEXT_FIELDS, EVENTS
from rustybt.audit.trail import AuditTrail, current_user
from rustybt.errors import StrategyError
from rustybt.log import AuditLog, configure_logging, reset_logging, use_audit_log
from tests.engine.helpers import Scripted, make_panel, order_at

A, B, C = Asset("A"), Asset("B"), Asset("C")
SECRET = "sk-live_4eC39HqLyjWDarjtT1zdp7dc"


def _panel() -> Any:  # Any: BarPanel, kept loose for the helper's signature
    nan = np.nan
    # A at 10 with 4,000 shares a bar: the 2.5% volume cap lets 100 trade per bar.
    # B at 100 with deep volume; C has no price on bar 0.
    opens = [[10.0, 100.0, nan]] + [[10.0, 100.0, 50.0]] * 5
    volume = [[4_000.0, 1e9, 1e9]] * 6
    return make_panel(open=opens, volume=volume, assets=(A, B, C))


def _script() -> Scripted:
    return Scripted(
        [
            order_at(0, "A", 250),  # 1: fills 100, 100, 50 over bars 1-3
            order_at(0, "B", 5, limit_price=50.0),  # 2: never reaches its limit, cancelled
            order_at(0, "C", 3),  # 3: no price yet: rejected at once
            (0, "log_decision", ("buy",), {"reason": "fast>slow", "fast": 1.5, "api_key": SECRET}),
            order_at(1, "B", 1, limit_price=50.0, time_in_force="day"),  # 4: expires
            (2, "cancel_order", ("2",), {}),
            order_at(3, "B", 1_000),  # 5: 100,000 > cash: rejected at the fill
            order_at(4, "B", 10),  # 6: fills on bar 5
        ]
    )


def _run(path: Path, **kwargs: Any) -> tuple[Any, list[dict[str, Any]]]:  # Any: JSON records
    script = _script()
    result = run_backtest(
        script.strategy,
        _panel(),
        capital=10_000,
        check_cash=True,
        audit_log=path,
        **kwargs,
    )
    records = [json.loads(line) for line in path.read_text().splitlines()]
    return result, records


EXPECTED = [
    ("run.started", None),
    ("order.submitted", "1"),
    ("order.submitted", "2"),
    ("order.rejected", "3"),
    ("strategy.decision", None),
    ("order.partially_filled", "1"),
    ("order.submitted", "4"),
    ("order.partially_filled", "1"),
    ("order.expired", "4"),
    ("order.cancelled", "2"),
    ("order.filled", "1"),
    ("order.submitted", "5"),
    ("order.rejected", "5"),
    ("order.submitted", "6"),
    ("order.filled", "6"),
    ("run.finished", None),
]


def test_scripted_run_logs_exactly_the_expected_events_in_order(tmp_path: Path) -> None:
    result, records = _run(tmp_path / "audit.jsonl")
    assert [(r["event"], r.get("order_id")) for r in records] == EXPECTED
    run_id = result.metadata["run_id"]
    for record in records:
        assert set(CONTEXT_FIELDS) <= set(record)
        assert set(EVENTS[record["event"]].fields) <= set(record), record["event"]
        assert record["run_id"] == run_id
        assert record["strategy_id"] == "scripted"
        assert record["user"] == current_user()
        assert record["level"] == EVENTS[record["event"]].level
        assert record["timestamp"].endswith("Z")


def test_fill_events_carry_the_fills_of_the_result(tmp_path: Path) -> None:
    result, records = _run(tmp_path / "audit.jsonl")
    fills = [r for r in records if r["event"] in ("order.filled", "order.partially_filled")]
    # Hand-computed: 250 A in steps of 100, 100, 50 at 10; then 10 B at 100.
    assert [(f["order_id"], f["fill_quantity"], f["remaining"]) for f in fills] == [
        ("1", "100", "150"),
        ("1", "100", "50"),
        ("1", "50", "0"),
        ("6", "10", "0"),
    ]
    assert [Decimal(f["fill_price"]) for f in fills] == [10, 10, 10, 100]
    assert [f["bar_time"][:10] for f in fills] == [
        "2024-01-03",
        "2024-01-04",
        "2024-01-05",
        "2024-01-09",
    ]
    tx = result.transactions
    assert [str(q) for q in tx["quantity"]] == [f["fill_quantity"] for f in fills]
    assert [str(p) for p in tx["price"]] == [f["fill_price"] for f in fills]
    assert [str(c) for c in tx["commission"]] == [f["commission"] for f in fills]
    assert Decimal(fills[2]["average_price"]) == 10
    assert {f["side"] for f in fills} == {"buy"}


def test_closing_events_say_why(tmp_path: Path) -> None:
    _, records = _run(tmp_path / "audit.jsonl")
    reasons = {
        (r["event"], r["order_id"]): r["reason"]
        for r in records
        if r["event"] in ("order.cancelled", "order.expired", "order.rejected")
    }
    assert reasons[("order.rejected", "3")] == "no price yet for this asset"
    assert reasons[("order.expired", "4")] == "day order not filled in its session"
    assert reasons[("order.cancelled", "2")] == "cancelled by strategy"
    assert reasons[("order.rejected", "5")].startswith("insufficient cash: fill needs 100000.00")
    submitted = next(r for r in records if r["event"] == "order.submitted" and r["order_id"] == "4")
    assert submitted["order_type"] == "limit"
    assert submitted["time_in_force"] == "day"
    assert Decimal(submitted["limit_price"]) == 50
    assert submitted["stop_price"] is None


def test_decision_and_run_summary(tmp_path: Path) -> None:
    result, records = _run(tmp_path / "audit.jsonl")
    decision = next(r for r in records if r["event"] == "strategy.decision")
    assert decision["signal"] == "buy"
    assert decision["reason"] == "fast>slow"
    assert decision["params"] == {"fast": 1.5, "api_key": "***"}
    assert decision["bar_time"].startswith("2024-01-02")
    finished = records[-1]
    assert finished["final_equity"] == str(result.final_equity)
    assert finished["orders"] == len(result.orders) == 6
    assert finished["fills"] == len(result.transactions) == 4
    assert finished["order_statuses"] == {
        "filled": 2,
        "rejected": 2,
        "cancelled": 1,
        "expired": 1,
    }
    assert finished["decisions"] == 1
    started = records[0]
    assert started["config"]["capital"] == 10_000
    assert started["config"]["check_cash"] is True
    assert started["assets"] == 3
    assert SECRET not in (tmp_path / "audit.jsonl").read_text()


def test_generic_path_writes_the_same_records_as_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, fast = _run(tmp_path / "fast.jsonl")
    monkeypatch.setattr(AuditTrail, "FAST_PATH", False)
    _, generic = _run(tmp_path / "generic.jsonl")
    volatile = {"timestamp", "run_id", "duration_s"}
    assert [{k: v for k, v in r.items() if k not in volatile} for r in fast] == [
        {k: v for k, v in r.items() if k not in volatile} for r in generic
    ]
    assert [list(r) for r in fast] == [list(r) for r in generic]  # same key order


def test_a_failing_strategy_logs_run_failed_with_the_error(tmp_path: Path) -> None:
    def boom(context: Any, data: Any) -> None:  # Any: context and data
        raise ValueError("bad signal")

    path = tmp_path / "audit.jsonl"
    script = Scripted([], each_bar=boom)
    with pytest.raises(StrategyError):
        run_backtest(script.strategy, _panel(), audit_log=path)
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["event"] for r in records] == ["run.started", "run.failed"]
    error = records[1]["error"]
    assert error["error"] == "StrategyError"
    assert "bad signal" in error["message"]
    assert error["context"]["hook"] == "handle_data"
    assert records[1]["level"] == "error"


def test_no_audit_log_means_no_trail(tmp_path: Path) -> None:
    script = _script()
    run_backtest(script.strategy, _panel(), capital=10_000, check_cash=True)
    assert script.context is not None
    assert script.context._blotter.audit is None
    assert list(tmp_path.iterdir()) == []


def test_configured_and_scoped_logs_receive_runs(tmp_path: Path) -> None:
    configured = tmp_path / "configured.jsonl"
    configure_logging(configured, flush_interval=0)
    try:
        run_backtest(_script().strategy, _panel(), capital=10_000, check_cash=True)
        scoped = tmp_path / "scoped.jsonl"
        with use_audit_log(scoped):
            run_backtest(_script().strategy, _panel(), capital=10_000, check_cash=True)
    finally:
        reset_logging()
    assert len(configured.read_text().splitlines()) == len(EXPECTED)
    assert len(scoped.read_text().splitlines()) == len(EXPECTED)


def test_an_open_audit_log_is_shared_by_runs_and_left_open(tmp_path: Path) -> None:
    path = tmp_path / "shared.jsonl"
    with AuditLog.open(path) as log:
        first = run_backtest(_script().strategy, _panel(), capital=10_000, audit_log=log)
        second = run_backtest(_script().strategy, _panel(), capital=10_000, audit_log=log)
        assert not log.closed
    run_ids = [json.loads(line)["run_id"] for line in path.read_text().splitlines()]
    assert set(run_ids) == {first.metadata["run_id"], second.metadata["run_id"]}


def test_captured_order_events_are_written_before_a_failure_and_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Order events are rendered in batches; a failure mid-run must still write every
    # event captured so far, ahead of run.failed, in the order they happened.
    from rustybt.audit import trail as trail_module

    monkeypatch.setattr(trail_module, "RENDER_BATCH", 3)

    def orders_then_boom(context: Any, data: Any) -> None:  # Any: context and data
        if data.bar < 4:
            context.order("B", 1)
        else:
            raise ValueError("late failure")

    path = tmp_path / "audit.jsonl"
    script = Scripted([], each_bar=orders_then_boom)
    with pytest.raises(StrategyError):
        run_backtest(script.strategy, _panel(), audit_log=path)
    events = [json.loads(line)["event"] for line in path.read_text().splitlines()]
    # Bars 0-3 each submit one order; bars 1-4 fill the previous bar's order.
    assert events == [
        "run.started",
        "order.submitted",
        "order.filled",
        "order.submitted",
        "order.filled",
        "order.submitted",
        "order.filled",
        "order.submitted",
        "order.filled",
        "run.failed",
    ]
    submitted = [json.loads(line) for line in path.read_text().splitlines()][1]
    assert submitted["timestamp"] <= json.loads(path.read_text().splitlines()[-1])["timestamp"]
