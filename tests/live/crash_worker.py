"""A paper session in its own process, for the kill -9 tests.

    python -m tests.live.crash_worker STATE_DIR [--naive] [--modify]

``RUSTYBT_CRASH_AT`` (see `rustybt.live.crashpoints`) makes it SIGKILL itself at an
exact point; the parent may also kill it at a random moment. ``--naive`` uses a
router that resends unresolved orders under a NEW client order id after a
restart: the negative control the checker must catch. ``--modify`` trades a
strategy that modifies its limit orders (`Repricing`).
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

from rustybt.data.synthetic import demo_panel
from rustybt.engine.orders import Order
from rustybt.live.broker_blotter import BrokerBlotter, _request
from rustybt.live.feeds import ReplayFeed
from rustybt.live.paper import PaperBroker
from rustybt.live.runner import LiveRunner
from rustybt.live.state import INTENT, NOT_SENT, UNKNOWN
from tests.live.strategies import Rebalancer, Repricing

CAPITAL = 100_000


class NaiveBlotter(BrokerBlotter):
    """What the three-outcome rule forbids: on restart, resend what is unresolved
    with a fresh id instead of asking the venue about the old one."""

    def unresolved(self) -> list[tuple[str, Order]]:
        keep = []
        for coid, order in super().unresolved():
            if self.states.get(coid) in (INTENT, UNKNOWN):
                fresh = f"{coid}-retry{uuid.uuid4().hex[:6]}"
                self.broker.submit(_request(order, fresh))
                self.coids[fresh] = order
                self._set_state(coid, NOT_SENT)
            else:
                keep.append((coid, order))
        return keep


def main(argv: list[str]) -> int:
    state = Path(argv[0])
    naive = "--naive" in argv
    panel = demo_panel()
    window = panel.select(start="2016-01-01", end="2016-04-30", assets=panel.assets[:5])
    broker = PaperBroker(capital=CAPITAL, path=state / "paper.db")
    runner = LiveRunner(
        Repricing(n=5) if "--modify" in argv else Rebalancer(n=5, every=2),
        broker=broker,
        feed=ReplayFeed(window, speed="max"),
        state=state,
        capital=CAPITAL,
        blotter_factory=NaiveBlotter if naive else BrokerBlotter,
    )
    result = runner.run()
    broker.close()
    print(f"final_equity={result.final_equity}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
