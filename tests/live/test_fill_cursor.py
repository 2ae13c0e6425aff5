"""The ccxt fill cursor: by trade id (Binance) and by time (other venues), each fill once."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rustybt.errors import BrokerError
from rustybt.live.adapters.fill_cursor import FillCursor, read_symbol_fills
from rustybt.live.broker import VenueFill


def fill(trade_id: int, millis: int) -> VenueFill:
    return VenueFill(
        trade_id=str(trade_id),
        client_order_id="c",
        venue_order_id="o",
        symbol="BTC/USD",
        side="buy",
        quantity=Decimal(1),
        price=Decimal(100),
        commission=Decimal(0),
        commission_asset=None,
        timestamp=pd.Timestamp(millis, unit="ms", tz="UTC"),
    )


class TimeVenue:
    """A venue read by time: ``since`` is inclusive, pages of ``size``."""

    def __init__(self, fills: list[VenueFill], size: int) -> None:
        self.fills = sorted(fills, key=lambda f: (f.timestamp, int(f.trade_id)))
        self.size = size

    def page(self, since: int | None, params: dict[str, object]) -> list[VenueFill]:
        start = since or 0
        chosen = [f for f in self.fills if f.timestamp.value // 1_000_000 >= start]
        return chosen[: self.size]


def test_time_cursor_skips_the_fills_at_the_edge_millisecond() -> None:
    venue = TimeVenue([fill(1, 1000), fill(2, 2000), fill(3, 2000)], size=10)
    state = FillCursor()
    first = read_symbol_fills(venue.page, "BTC/USD", state, by_id=False, page_size=10)
    assert [f.trade_id for f in first] == ["1", "2", "3"]
    venue.fills.append(fill(4, 2000))  # a late fill in the same millisecond
    venue.fills.append(fill(5, 3000))
    state = FillCursor.decode(state.encode())  # survives persistence
    second = read_symbol_fills(venue.page, "BTC/USD", state, by_id=False, page_size=10)
    assert [f.trade_id for f in second] == ["4", "5"]
    assert read_symbol_fills(venue.page, "BTC/USD", state, by_id=False, page_size=10) == []


@given(
    times=st.lists(st.integers(0, 5), min_size=0, max_size=30),
    size=st.integers(2, 6),
    split=st.integers(0, 30),
)
def test_every_fill_is_reported_exactly_once_across_polls(
    times: list[int], size: int, split: int
) -> None:
    fills = [fill(i + 1, 1000 * t) for i, t in enumerate(sorted(times))]
    venue = TimeVenue(fills[:split], size=size)
    state = FillCursor()
    seen: list[str] = []
    for _ in range(40):
        seen += [
            f.trade_id
            for f in read_symbol_fills(venue.page, "X", state, by_id=False, page_size=size)
        ]
    venue.fills = fills
    for _ in range(40):
        seen += [
            f.trade_id
            for f in read_symbol_fills(venue.page, "X", state, by_id=False, page_size=size)
        ]
    # a page full of one millisecond cannot move past it; more per ms than a page is a venue limit
    crowded = max((times.count(t) for t in set(times)), default=0) >= size
    if not crowded:
        assert sorted(seen, key=int) == [f.trade_id for f in fills]
    assert len(seen) == len(set(seen))


def test_id_cursor_moves_past_the_highest_id_in_any_order() -> None:
    state = FillCursor()
    state.advance("BTC/USDT", [fill(7, 1), fill(5, 1), fill(6, 1)], by_id=True)
    assert state.marks == {"BTC/USDT": "8"}
    assert state.seen("BTC/USDT", fill(7, 1))
    assert not state.seen("BTC/USDT", fill(8, 1))


@pytest.mark.parametrize("bad", ["not json", "{}", '{"marks": 3}', "[]"])
def test_a_foreign_cursor_is_a_clear_error(bad: str) -> None:
    with pytest.raises(BrokerError, match="cursor"):
        FillCursor.decode(bad)
