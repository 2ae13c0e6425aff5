"""The opaque fill cursor of `CCXTBroker.fills_since`: where each symbol's fills were read up to.

Binance numbers each symbol's trades, so a symbol's mark is the next trade id
to ask for (``fromId``). Other venues are read by time: the mark is the last
trade time seen, and the ids of the trades at exactly that millisecond are kept
so that asking again from that time does not report them twice.

The cursor is a JSON string, so the runner can persist it as it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from rustybt.errors import BrokerError
from rustybt.live.broker import VenueFill

__all__ = ["FillCursor", "read_symbol_fills"]


@dataclass
class FillCursor:
    marks: dict[str, str] = field(default_factory=dict)
    edge: dict[str, list[str]] = field(default_factory=dict)

    @property
    def symbols(self) -> list[str]:
        return list(self.marks)

    @classmethod
    def decode(cls, cursor: str | None) -> FillCursor:
        if cursor is None:
            return cls()
        try:
            data = json.loads(cursor)
            marks = {str(k): str(v) for k, v in data["marks"].items()}
            edge = {str(k): [str(i) for i in v] for k, v in data.get("edge", {}).items()}
        except (ValueError, KeyError, TypeError, AttributeError) as bad:
            raise BrokerError(
                "the fill cursor is not one this broker wrote",
                context={"cursor": cursor[:200]},
                hint="pass None to read fills from the start",
            ) from bad
        return cls(marks=marks, edge=edge)

    def encode(self) -> str:
        return json.dumps({"marks": self.marks, "edge": self.edge}, sort_keys=True)

    def seen(self, symbol: str, fill: VenueFill) -> bool:
        """True when ``fill`` is at or before this symbol's mark (already reported)."""
        mark = self.marks.get(symbol)
        if mark is None:
            return False
        if fill.trade_id.isdigit() and mark.isdigit() and symbol not in self.edge:
            return int(fill.trade_id) < int(mark)
        millis = int(fill.timestamp.timestamp() * 1000)
        return millis < int(mark) or (
            millis == int(mark) and fill.trade_id in self.edge.get(symbol, [])
        )

    def advance(self, symbol: str, page: list[VenueFill], *, by_id: bool) -> None:
        """Move the mark past every fill of ``page`` (in any order, duplicates included)."""
        if not page:
            return
        if by_id:
            highest = max(int(fill.trade_id) for fill in page)
            current = int(self.marks.get(symbol, "0"))
            self.marks[symbol] = str(max(current, highest + 1))
            return
        latest = max(int(fill.timestamp.timestamp() * 1000) for fill in page)
        current = int(self.marks[symbol]) if symbol in self.marks else -1
        if latest > current:
            self.edge[symbol] = []
            self.marks[symbol] = str(latest)
        at_edge = {
            fill.trade_id
            for fill in page
            if int(fill.timestamp.timestamp() * 1000) == int(self.marks[symbol])
        }
        self.edge[symbol] = sorted(set(self.edge.get(symbol, [])) | at_edge)


def read_symbol_fills(
    fetch_page: Callable[[int | None, dict[str, object]], list[VenueFill]],
    symbol: str,
    state: FillCursor,
    *,
    by_id: bool,
    page_size: int,
    max_pages: int = 50,
) -> list[VenueFill]:
    """Every fill of ``symbol`` past its mark, each trade id once; moves the mark.

    ``fetch_page(since_ms, params)`` reads one page: from the mark's trade id
    (``params["fromId"]``) when ``by_id``, else from the mark's time. Bounded by
    ``max_pages`` pages per call; the next call continues from the mark.
    """
    new: dict[str, VenueFill] = {}
    for _page in range(max_pages):
        mark = state.marks.get(symbol)
        params: dict[str, object] = {}
        since: int | None = None
        if by_id and mark is not None:
            params["fromId"] = mark
        elif mark is not None:
            since = int(mark)
        page = fetch_page(since, params)
        fresh = [f for f in page if f.trade_id not in new and not state.seen(symbol, f)]
        for fill in fresh:
            new[fill.trade_id] = fill
        state.advance(symbol, page, by_id=by_id)
        if len(page) < page_size or not fresh:
            break
    return list(new.values())
