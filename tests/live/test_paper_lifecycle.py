"""The shared order-lifecycle suite, run against the paper broker."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import numpy as np
import pytest

from rustybt.data.bars import BarPanel
from rustybt.live.paper import PaperBroker
from tests.engine.helpers import make_panel
from tests.live.lifecycle import Harness, LifecycleSuite


def _panel() -> BarPanel:
    n = 40
    prices = np.linspace(100.0, 110.0, n)
    return make_panel(
        open=prices, high=prices + 1, low=prices - 1, close=prices, volume=np.full(n, 1e6)
    )


class TestPaperBrokerLifecycle(LifecycleSuite):
    @pytest.fixture
    def harness(self) -> Iterator[Harness]:
        panel = _panel()
        broker = PaperBroker(capital=10_000, check_cash=True)
        broker.attach(panel, lambda bar: bar + 1)
        state = {"bar": 0}
        broker.on_bar(0)

        def advance() -> None:
            state["bar"] += 1
            broker.on_bar(state["bar"])

        yield Harness(
            broker,
            symbol=panel.assets[0].symbol,
            quantity=Decimal(5),
            far_limit=Decimal(50),
            advance=advance,
            too_large=Decimal(1_000),
        )
        broker.close()
