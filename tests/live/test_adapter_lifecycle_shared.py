"""c1's shared lifecycle suite (tests/live/lifecycle.py), run against the real adapters.

The same `LifecycleSuite` runs against the paper broker (test_paper_lifecycle.py),
so paper, ccxt and alpaca answer one set of known answers. The fake venues
fill market orders at once, so ``advance`` has nothing to do.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from tests.live.harness import alpaca_harness, binance_harness, running
from tests.live.lifecycle import Harness, LifecycleSuite


def _nothing() -> None:
    return None


class TestCCXTBinanceLifecycle(LifecycleSuite):
    @pytest.fixture
    def harness(self) -> Iterator[Harness]:
        for venue in running(binance_harness):
            yield Harness(
                venue.broker,
                symbol=venue.symbol,
                quantity=Decimal("0.01"),
                far_limit=Decimal("1000"),
                advance=_nothing,
                too_large=Decimal("1000"),
            )


class TestAlpacaLifecycle(LifecycleSuite):
    @pytest.fixture
    def harness(self) -> Iterator[Harness]:
        for venue in running(alpaca_harness):
            yield Harness(
                venue.broker,
                symbol=venue.symbol,
                quantity=Decimal("2"),
                far_limit=Decimal("50"),
                advance=_nothing,
                too_large=Decimal("100000"),
            )
