"""The trading process: ``python -m rustybt.soak.trader CONFIG.json``.

The real `LiveRunner` (state store, `BrokerBlotter`, reconciliation, validation)
trades `SoakStrategy` over `SoakFeed` through `SoakBroker`. After every decided bar
it appends one line to ``decisions.log`` (one ``write`` per line, so a SIGKILL
loses nothing already written): pid, bar, wall time, bad bars the strategy saw,
bars the runner rejected. SIGTERM stops gracefully after the current bar; the
``done`` file marks a session that decided its last bar.

Every trader takes the state directory's `LeaderLock` before it restores and trades:
started beside a leader (``rustybt soak --standby``), it is a warm standby that has
imported everything and built the engine, and takes over the moment the leader dies.
The leader's pid is in ``state/leader.lock`` (the supervisor's fault target).
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import time
from pathlib import Path

from rustybt import Strategy
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.data_portal import BarData
from rustybt.live.leader import LeaderLock, StoodBy
from rustybt.live.runner import LiveRunner, LiveStatus
from rustybt.soak.client import SoakBroker
from rustybt.soak.feed import SoakFeed
from rustybt.soak.market import Market

__all__ = ["SoakStrategy", "main"]


class SoakStrategy(Strategy):
    """Every ``every`` bars: rotate equal weights over the assets (buys, sells, reductions),
    and count any invalid bar it is shown (it must never see one)."""

    def __init__(self, *, every: int = 10) -> None:
        super().__init__(every=every)
        self.every = every
        self.bars = 0
        self.bad_seen = 0

    def handle_data(self, context: TradingContext, data: BarData) -> None:
        self.bars += 1
        for asset in context.assets:
            o, h, low, c = (data.current(asset, f) for f in ("open", "high", "low", "close"))
            if math.isfinite(c) and (h < low or min(o, h, low, c) <= 0):
                self.bad_seen += 1
        if self.bars % self.every:
            return
        skip = (self.bars // self.every) % len(context.assets)
        for i, asset in enumerate(context.assets):
            weight = 0.0 if i == skip else 0.9 / (len(context.assets) - 1)
            if math.isfinite(data.current(asset, "price")):
                context.order_target_percent(asset, weight)


def _lead_priority(nice: object) -> None:
    """A standby started nicer than its supervisor (`SoakPlan.standby_nice`) takes the
    supervisor's priority back when it leads. Lowering the nice value needs privilege
    (CAP_SYS_NICE, or systemd's ``LimitNICE=``): without it the leader stays nicer."""
    if isinstance(nice, int) and os.getpriority(os.PRIO_PROCESS, 0) > nice:
        try:
            os.setpriority(os.PRIO_PROCESS, 0, nice)
        except PermissionError:
            print("soak trader: no privilege to take the leader's priority back", file=sys.stderr)


def main(argv: list[str]) -> int:
    config = json.loads(Path(argv[0]).read_text())
    directory = Path(config["dir"])
    market = Market(int(config["seed"]), int(config["bars"]))
    feed = SoakFeed(market, epoch=float(config["epoch"]), interval=float(config["interval"]))
    clock = (float(config["epoch"]), float(config["interval"]))
    broker = SoakBroker(int(config["port"]), market.index, naive=bool(config["naive"]), clock=clock)
    strategy = SoakStrategy(every=int(config["every"]))
    log = (directory / "decisions.log").open("a", buffering=1)
    pid = os.getpid()
    start = market.index[0]

    def decided(status: LiveStatus) -> None:
        bar = int((status.bar_time - start).total_seconds() // 60)
        rejected = runner.metrics.bars_rejected
        halted = ",".join(status.halt_reasons) or "-"  # why new orders were refused
        log.write(
            f"{pid} {bar} {time.time():.6f} {strategy.bad_seen} {rejected} "
            f"{status.latency_s:.6f} {halted}\n"
        )

    runner = LiveRunner(
        strategy,
        broker=broker,
        feed=feed,
        state=directory / "state",
        capital=float(config["capital"]),
        commission=None,
        volume_limit=None,
        stale_after=float(config["stale_after"]),
        on_status=decided,
        leader=LeaderLock(directory / "state"),
        async_broker=not bool(config.get("inline_broker", False)),
        on_lead=lambda: _lead_priority(config.get("leader_nice")),
        reconcile_wait=float(config.get("reconcile_wait", 5.0)),
    )
    signal.signal(signal.SIGTERM, lambda _s, _f: runner.stop("SIGTERM"))
    try:
        runner.run()  # beside a leader: a warm standby until the lock is free
    except StoodBy:
        return 0  # a standby told to stop: it never traded
    log.close()
    if feed.finished and not runner._stop.is_set():
        (directory / "done").write_text(str(pid))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
