"""Hypothesis drives the live order path as a state machine: orders of every type,
cancels, bars, unknown outcomes (applied or not), duplicated fill streams and
crash-restarts in any order. After every step: no order is duplicated at the venue,
every order the state says was sent is there, and (once synced) the ledger equals
the venue's books to the cent."""

from __future__ import annotations

import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from rustybt.assets import Asset
from rustybt.data.bars import FloatArray
from rustybt.engine.runner import BacktestConfig, _Run
from rustybt.engine.strategy import FunctionStrategy
from rustybt.live.bar_writer import write_bar, write_history
from rustybt.live.broker_blotter import BrokerBlotter
from rustybt.live.checker import check_paper_books
from rustybt.live.events import LiveEvents, LiveMetrics
from rustybt.live.feeds import ReplayFeed, empty_like
from rustybt.live.paper import PaperBroker
from rustybt.live.reconcile import baseline, reconcile
from rustybt.live.restore import BoolArray, restore_state
from rustybt.live.state import StateStore
from tests.engine.helpers import make_panel
from tests.live.faulty import FaultyBroker

CAPITAL = Decimal(100_000)
N_BARS = 40
_rng = np.random.default_rng(3)
_PRICES = 100 + np.cumsum(_rng.normal(0, 1.5, (N_BARS, 2)), axis=0)
PANEL = make_panel(
    open=_PRICES,
    high=_PRICES + 2,
    low=_PRICES - 2,
    close=_PRICES + 0.5,
    volume=1e6,
    assets=(Asset("A"), Asset("B")),
)


class OrderMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="rbsm"))
        self.bar = -1
        self.synced = True
        self._open_session(restart=False)

    def _open_session(self, *, restart: bool) -> None:
        self.store = StateStore(self.dir)
        self.broker = FaultyBroker(PaperBroker(capital=CAPITAL, path=self.dir / "paper.db"))
        feed = ReplayFeed(PANEL)
        run = _Run(
            FunctionStrategy(name="sm"),
            empty_like(feed),
            BacktestConfig(capital=float(CAPITAL)),
            None,
            None,
            None,
            blotter_factory=BrokerBlotter,
        )
        blotter = run.blotter
        assert isinstance(blotter, BrokerBlotter)
        blotter.attach(self.broker, self.store, "sm", LiveEvents(None, LiveMetrics()))
        self.broker.attach(run.panel, run._day_order_expiry)
        run.begin()
        self.run, self.blotter = run, blotter

        def write(start: int, rows: dict[str, FloatArray], present: BoolArray) -> None:
            write_history(run, start, rows, present, blotter.events, validate=False)

        if restart:
            self.store.set("last_bar", str(self.bar))
        resume = restore_state(run, blotter, self.store, feed, 0, write)
        assert resume == self.bar + 1
        if self.store.get_json("baseline") is None:
            self.store.set_json("baseline", baseline(blotter))
        start = self.store.get_json("baseline")
        assert isinstance(start, dict)
        reconcile(blotter, self.bar, cash_currency="USD", start=start)

    def teardown(self) -> None:
        self.broker.close()
        self.store.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    @precondition(lambda self: self.bar < N_BARS - 1)
    @rule()
    def next_bar(self) -> None:
        self.bar += 1
        item = ReplayFeed(PANEL).history(self.bar)
        assert item is not None
        write_bar(self.run, item, self.blotter.events, validate=False)
        self.store.set("last_bar", str(self.bar))
        self.broker.on_bar(self.bar)
        self.blotter.sync(self.bar)
        self.run.data.bar = self.bar
        self.synced = True

    @precondition(lambda self: self.bar >= 0)
    @rule(
        symbol=st.sampled_from(["A", "B"]),
        quantity=st.integers(-30, 30).filter(bool),
        kind=st.sampled_from(["market", "limit", "stop", "day"]),
        fault=st.sampled_from([None, None, "after", "before"]),
    )
    def place(self, symbol: str, quantity: int, kind: str, fault: str | None) -> None:
        price = float(self.run.data._prices[self.bar, 0 if symbol == "A" else 1])
        self.broker.timeout_after_apply = 1 if fault == "after" else 0
        self.broker.timeout_before_apply = 1 if fault == "before" else 0
        context = self.run.context
        if kind == "limit":
            context.order(symbol, quantity, limit_price=price * (0.99 if quantity > 0 else 1.01))
        elif kind == "stop":
            context.order(symbol, quantity, stop_price=price * (1.01 if quantity > 0 else 0.99))
        elif kind == "day":
            context.order(symbol, quantity, limit_price=price, time_in_force="day")
        else:
            context.order(symbol, quantity)
        self.broker.timeout_after_apply = self.broker.timeout_before_apply = 0
        self.synced = False

    @precondition(lambda self: self.bar >= 0)
    @rule(index=st.integers(0, 10))
    def cancel(self, index: int) -> None:
        open_orders = self.run.context.get_open_orders()
        if open_orders:
            self.run.context.cancel_order(open_orders[index % len(open_orders)])

    @rule(on=st.booleans())
    def duplicate_fills(self, on: bool) -> None:
        self.broker.duplicate_fills = on

    @rule()
    def crash_and_restart(self) -> None:
        self.broker.close()
        self.store.close()
        self._open_session(restart=True)
        self.synced = True

    @invariant()
    def no_order_lost_or_duplicated(self) -> None:
        check = check_paper_books(self.dir, capital=CAPITAL)
        assert not check.duplicates, check
        assert not check.lost, check

    @invariant()
    def synced_ledger_equals_the_venue_books(self) -> None:
        if not self.synced:
            return
        ledger = self.blotter.ledger
        venue = self.broker.paper
        ours = {a.symbol: p.quantity for a, p in ledger.positions.items()}
        assert ours == venue.positions()
        change = venue.balances()["USD"] - CAPITAL
        assert abs((ledger.cash - ledger.starting_cash) - change) < Decimal("0.01")


OrderMachine.TestCase.settings = settings(
    max_examples=20,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestOrderMachine = OrderMachine.TestCase
