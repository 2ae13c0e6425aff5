"""Live-trading speed: decision latency on the paper broker, and restart-to-trading
after kill -9.

1. Decision latency (bar arrival → the strategy's orders persisted and sent) of the
   demo strategy (dual moving average, 20 assets, 1,007 daily bars) paper trading
   the demo data at ``--speed max`` through the live code path: p50 / p99 / max.
   Every bar pays the state store's fsync (WAL, synchronous=FULL) for its
   "bar begun" mark, and every order pays one for its intent: on a loaded disk
   those dominate.
2. Restart-to-trading: a paper session is SIGKILLed mid-run (at a random bar),
   then started again; the time from the new process's spawn to its first
   decided bar covers interpreter start, imports, state restore (orders, fills →
   ledger), reconciliation with the broker and history rebuild. Target: p99 ≤ 2 s.

    .venv/bin/python benchmarks/live_latency.py [--restarts 7]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

WORKER = r"""
import sys, time
began = time.perf_counter()
from pathlib import Path
from rustybt.data.synthetic import demo_panel
from rustybt.engine.strategy import load_strategy_file
from rustybt.live.feeds import ReplayFeed
from rustybt.live.paper import PaperBroker
from rustybt.live.runner import LiveRunner

state = Path(sys.argv[1])
imported = time.perf_counter()
announced = []
def status(item):
    if not announced:
        announced.append(1)
        now = time.perf_counter()
        print(f"first_decision {imported - began:.3f} {now - imported:.3f}", flush=True)
broker = PaperBroker(capital=1_000_000, path=state / "paper.db")
runner = LiveRunner(
    load_strategy_file(Path(sys.argv[2])),
    broker=broker,
    feed=ReplayFeed(demo_panel(), speed=sys.argv[3]),
    state=state,
    capital=1_000_000,
    on_status=status,
)
runner.run()
"""


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def decision_latency(strategy: Path) -> dict[str, float]:
    sys.path.insert(0, str(ROOT / "src"))
    from rustybt.data.synthetic import demo_panel
    from rustybt.engine.strategy import load_strategy_file
    from rustybt.live.feeds import ReplayFeed
    from rustybt.live.paper import PaperBroker
    from rustybt.live.runner import LiveRunner

    with tempfile.TemporaryDirectory() as tmp:
        broker = PaperBroker(capital=1_000_000, path=Path(tmp) / "paper.db")
        runner = LiveRunner(
            load_strategy_file(strategy),
            broker=broker,
            feed=ReplayFeed(demo_panel(), speed="max"),
            state=tmp,
            capital=1_000_000,
        )
        began = time.perf_counter()
        runner.run()
        elapsed = time.perf_counter() - began
        broker.close()
    latencies = runner.metrics.latencies
    return {
        "bars": len(latencies),
        "p50_ms": 1000 * _percentile(latencies, 0.5),
        "p99_ms": 1000 * _percentile(latencies, 0.99),
        "max_ms": 1000 * max(latencies),
        "session_s": elapsed,
    }


def restart_to_trading(
    strategy: Path, restarts: int, seed: int
) -> tuple[list[float], list[float], list[float]]:
    """Per restart: spawn → first decision, imports, and restore+reconcile+first bar."""
    rng = random.Random(seed)
    times: list[float] = []
    imports: list[float] = []
    recover: list[float] = []
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for _ in range(restarts):
        with tempfile.TemporaryDirectory() as tmp:
            # 1,007 bars at 400,000x is ~0.2 s per bar: kill somewhere in the first 60.
            command = [sys.executable, "-c", WORKER, tmp, str(strategy), "400000x"]
            first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
            assert first.stdout is not None
            first.stdout.readline()  # trading
            time.sleep(rng.uniform(0.5, 3.0))
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
            began = time.perf_counter()
            second = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
            assert second.stdout is not None
            line = second.stdout.readline()
            took = time.perf_counter() - began
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=60)
            word, *parts = line.split()
            if word != "first_decision":
                raise SystemExit(f"restart did not trade: {line!r}")
            times.append(took)
            imports.append(float(parts[0]))
            recover.append(float(parts[1]))
    return times, imports, recover


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--restarts", type=int, default=7)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    strategy = ROOT / "examples" / "dual_moving_average.py"
    print(f"cores: {os.cpu_count()} (shared machine: numbers are noisy)")
    latency = decision_latency(strategy)
    print(
        f"decision latency  {latency['bars']:.0f} bars  p50 {latency['p50_ms']:.2f} ms  "
        f"p99 {latency['p99_ms']:.2f} ms  max {latency['max_ms']:.2f} ms  "
        f"(session {latency['session_s']:.1f} s)"
    )
    times, imports, recover = restart_to_trading(strategy, args.restarts, args.seed)
    print(
        f"restart-to-trading after kill -9  n={len(times)}  "
        f"p50 {statistics.median(times):.2f} s  p99 {_percentile(times, 0.99):.2f} s  "
        f"max {max(times):.2f} s  (target p99 <= 2 s)"
    )
    print(
        f"  of which imports p50 {statistics.median(imports):.2f} s; restore + reconcile + "
        f"first bar p50 {statistics.median(recover):.2f} s  p99 {_percentile(recover, 0.99):.2f} s"
    )


if __name__ == "__main__":
    main()
