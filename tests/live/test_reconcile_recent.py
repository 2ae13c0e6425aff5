"""Reconciliation after a restart asks the venue for recently closed orders
(`Broker.recent_orders`): an external order that was placed and fully filled, or
placed and cancelled, while the session was down is adopted and reported."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from rustybt.assets import Asset
from rustybt.live.feeds import ReplayFeed
from rustybt.live.runner import LiveRunner, LiveStatus
from tests.engine.helpers import Scripted, flat_panel
from tests.live.harness import alpaca_harness
from tests.live.venues.alpaca import AlpacaVenue

CAPITAL = 100_000


def test_external_orders_closed_while_down_are_adopted_and_reported(tmp_path: Path) -> None:
    harness = alpaca_harness()
    venue = harness.knobs
    assert isinstance(venue, AlpacaVenue)
    panel = flat_panel([150.0] * 10, asset=Asset("AAPL"))
    try:

        def runner() -> LiveRunner:
            return LiveRunner(
                Scripted([]).strategy,
                broker=harness.broker,
                feed=ReplayFeed(panel, speed="max"),
                state=tmp_path,
                capital=CAPITAL,
                audit_log=tmp_path / "audit.jsonl",
            )

        first = runner()
        first.on_status = lambda s: first.stop("test") if s.bar_time == panel.index[3] else None
        first.run()
        first.store.close()
        # While the session is down: one order placed by hand and filled, one placed and
        # cancelled. Neither is open when the session comes back.
        venue.place_external("manual-1", "AAPL", "buy", "3", "150")
        venue.book.fill_client("manual-1", Decimal(3), Decimal(150))
        cancelled = venue.place_external("manual-2", "AAPL", "buy", "2", "140")
        venue.book.cancel(cancelled)
        assert harness.broker.open_orders() == []

        second = runner()
        statuses: list[LiveStatus] = []
        second.on_status = statuses.append
        result = second.run()
        report = second.last_reconciliation
        assert report is not None
        assert report.complete, report
        assert report.adopted == ["manual-1", "manual-2"]
        assert Decimal(result.metadata["ledger"]["cash"]) == CAPITAL - 3 * 150  # type: ignore[index]
        orders = {o.client_order_id: o for o in second.store.orders()}
        assert (orders["manual-1"].state, orders["manual-1"].status) == ("closed", "filled")
        assert (orders["manual-2"].state, orders["manual-2"].status) == ("closed", "cancelled")
        assert statuses[-1].open_orders == 0
        second.store.close()
    finally:
        harness.broker.close()
        venue.server.stop()
    records = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text().splitlines()]
    reconciliations = [r for r in records if r["event"] == "reconciliation.finished"]
    assert [r["adopted"] for r in reconciliations] == [[], ["manual-1", "manual-2"]]
    adopted = [
        r["client_order_id"] for r in records if r.get("finding") == "external order adopted"
    ]
    assert adopted == ["manual-1", "manual-2"]
