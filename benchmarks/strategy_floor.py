"""What the engine costs: each case split into interpreter, strategy and engine.

For each case of `engine_speed.py` this runs, each in a fresh process:

* the whole backtest as a user runs it (`engine_speed.measure`: wall, CPU, and
  the run phase timed inside the process);
* ``python -c "import numpy, pandas"``: the interpreter and the two libraries
  any pandas backtest loads, the floor no engine can go below;
* the case's strategy code (``initialize`` and ``handle_data`` of `crossover.py`,
  unchanged) against a minimal stand-in of ``context`` and ``data``
  (`StandInContext`, `StandInData`): the same bars, the same panel `Asset`
  objects, ``data.history`` a slice of the same close array, orders appended to
  a list and "filled" at the next bar (positions held / dropped) as the
  next-open fills of the real run do. No sizing, no ledger, no result. Its loop
  time is the strategy's own cost: numpy means, the held-positions lookups,
  the Python of ``handle_data``.

The engine's own overhead is then ``run - strategy``: clock, history windows,
orders, fills, Decimal ledger, valuation and the result tables. The stand-in
places the orders the real run places (the count is checked against the real
run's ``orders`` table, within 1%: the stand-in does not size orders, so where
the engine's 1/N target rounds to 0 shares and places nothing, the stand-in
counts an order; 2000x2520d: 107,745 against 107,651).

Usage: ``python benchmarks/strategy_floor.py [--case NAME ...] [--repeat N]``
(defaults: 500x2520d, 1x250000m and 2000x2520d; medians of 5).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from engine_speed import CASES, CHILD_ENV, TARGETS, measure  # noqa: E402

FLOOR_CASES = [name for name in CASES if not name.startswith("zipline-")]
DEFAULT_CASES = ["500x2520d", "1x250000m", "2000x2520d"]


class StandInHistory:
    """What ``data.history(list, field, n)`` gives: here only ``.to_numpy()``."""

    __slots__ = ("_window",)

    def __init__(self, window: np.ndarray) -> None:
        self._window = window

    def to_numpy(self) -> np.ndarray:
        return self._window


class StandInData:
    """``data.history`` over the close array: the last ``n`` rows up to the bar,
    NaN before the first one (as the engine gives), read-only views."""

    def __init__(self, close: np.ndarray, columns: dict[Any, int], lookback: int) -> None:
        # Any: the panel's Asset objects, whatever class the engine gives them.
        padded = np.vstack([np.full((lookback - 1, close.shape[1]), np.nan), close])
        padded.flags.writeable = False
        self._padded = padded
        self._columns = columns
        self._lookback = lookback
        self.bar = 0

    def history(self, assets: Any, field: str, bar_count: int) -> Any:
        # Any: an asset or a list of them, as the strategy passes.
        if field != "close" or bar_count != self._lookback:
            raise ValueError(
                f"the stand-in serves close x {self._lookback}, not {field} x {bar_count}"
            )
        rows = self._padded[self.bar : self.bar + bar_count]
        if isinstance(assets, list):
            return StandInHistory(rows)  # the whole universe, in panel order
        return rows[:, self._columns[assets]]


class StandInPortfolio:
    def __init__(self) -> None:
        self.positions: dict[Any, bool] = {}  # Any: the panel's Asset objects


class StandInContext:
    """Attributes the strategy sets, the panel's assets, and two order calls that
    record (asset, target) and change the held set at the next bar."""

    def __init__(self, assets: list[Any]) -> None:
        self.assets = assets
        self.portfolio = StandInPortfolio()
        self.orders: list[tuple[int, Any, float]] = []
        self._pending: list[tuple[Any, bool]] = []
        self.bar = 0

    def order_target_percent(self, asset: Any, target: float) -> None:
        self.orders.append((self.bar, asset, target))
        self._pending.append((asset, target != 0))

    def order_target(self, asset: Any, target: float) -> None:
        self.order_target_percent(asset, target)

    def fill_pending(self) -> None:
        positions = self.portfolio.positions
        for asset, hold in self._pending:
            if hold:
                positions[asset] = True
            else:
                positions.pop(asset, None)
        self._pending.clear()


def run_stand_in(name: str) -> dict[str, float | int]:
    """The case's strategy over its bars, no engine; loop timed (wall and CPU)."""
    from crossover import PortfolioCrossover, SingleAssetCrossover

    from rustybt.data.synthetic import benchmark_panel

    n_assets, n_bars, frequency = CASES[name]
    asset_class = "crypto" if frequency == "minute" else "equity"
    panel = benchmark_panel(n_assets, n_bars, frequency, asset_class=asset_class)
    strategy = SingleAssetCrossover() if n_assets == 1 else PortfolioCrossover()
    context, wall, cpu = stand_in_run(strategy, list(panel.assets), panel.close)
    return {"strategy_s": wall, "strategy_cpu_s": cpu, "orders": len(context.orders)}


def stand_in_run(
    strategy: Any, assets: list[Any], close: np.ndarray
) -> tuple[StandInContext, float, float]:
    """``strategy`` (Any: a crossover.py strategy) over ``close``, one bar at a time:
    the context with the orders it placed, and the loop's wall and CPU seconds."""
    from crossover import SLOW

    data = StandInData(close, {a: i for i, a in enumerate(assets)}, SLOW)
    context = StandInContext(assets)
    handle: Callable[[Any, Any], None] = strategy.handle_data
    strategy.initialize(context)
    started, started_cpu = time.perf_counter(), time.process_time()
    for bar in range(len(close)):
        context.fill_pending()
        data.bar = context.bar = bar
        handle(context, data)
    return context, time.perf_counter() - started, time.process_time() - started_cpu


def _fresh(arguments: list[str]) -> tuple[float, float, str]:
    """Wall and CPU seconds of a fresh process, and its output."""
    started = time.perf_counter()
    process = subprocess.Popen(arguments, stdout=subprocess.PIPE, text=True, env=CHILD_ENV)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{arguments} failed")
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime, output


def _median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", choices=FLOOR_CASES, action="append")
    parser.add_argument("--repeat", type=int, default=5, help="runs per case; medians shown")
    parser.add_argument("--json", type=Path, help="write every run's numbers here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_stand_in(args.child)))
        return
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores; load average before: {load}")
    print(f"medians of {args.repeat} fresh processes; seconds, wall / CPU")
    floor = [_fresh([sys.executable, "-c", "import numpy, pandas"]) for _ in range(args.repeat)]
    floor_wall, floor_cpu = _median([f[0] for f in floor]), _median([f[1] for f in floor])
    print(f"interpreter + numpy + pandas: {floor_wall:.2f} / {floor_cpu:.2f}")
    header = (
        f"{'case':<11} {'whole':>11} {'target':>6} {'imports':>7} {'data':>5} {'run':>11} "
        f"{'strategy':>11} {'engine':>11} {'orders':>7} {'stand-in':>8}"
    )
    print(header)
    results: dict[str, Any] = {"floor": {"wall_s": floor_wall, "cpu_s": floor_cpu}}
    for name in args.case or DEFAULT_CASES:
        runs, stand_ins = [], []
        for _ in range(args.repeat):  # interleaved: load changes hit both alike
            runs.append(measure(name))
            output = _fresh([sys.executable, __file__, "--child", name])[2]
            stand_ins.append(json.loads(output.strip().splitlines()[-1]))
        stand_in_orders = int(stand_ins[-1]["orders"])
        engine_orders = int(runs[-1]["orders"])
        # The stand-in does not size orders: where the engine's target rounds to 0
        # shares (1/2,000 of equity in a dear stock) it places no order and the
        # strategy asks again next bar; the stand-in counts each ask. Off by more
        # than 1% would mean the floor runs other branches than the real run.
        if abs(stand_in_orders - engine_orders) > 0.01 * engine_orders:
            raise SystemExit(
                f"{name}: stand-in placed {stand_in_orders} orders, the engine {engine_orders}"
            )
        row = {
            key: _median([float(r[key]) for r in runs])
            for key in ("wall_s", "cpu_s", "imports_s", "data_s", "run_s", "run_cpu_s")
        }
        row["strategy_s"] = _median([float(s["strategy_s"]) for s in stand_ins])
        row["strategy_cpu_s"] = _median([float(s["strategy_cpu_s"]) for s in stand_ins])
        row["engine_s"] = row["run_s"] - row["strategy_s"]
        row["engine_cpu_s"] = row["run_cpu_s"] - row["strategy_cpu_s"]
        results[name] = row | {"orders": engine_orders, "stand_in_orders": stand_in_orders}
        target = TARGETS.get(name)
        print(
            f"{name:<11} {row['wall_s']:5.2f}/{row['cpu_s']:5.2f} "
            f"{(f'<{target:g}' if target else '-'):>6} {row['imports_s']:7.2f} "
            f"{row['data_s']:5.2f} {row['run_s']:5.2f}/{row['run_cpu_s']:5.2f} "
            f"{row['strategy_s']:5.2f}/{row['strategy_cpu_s']:5.2f} "
            f"{row['engine_s']:5.2f}/{row['engine_cpu_s']:5.2f} {engine_orders:>7} "
            f"{stand_in_orders:>8}"
        )
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average after: {load}")
    print("whole: the backtest process; run: run_backtest inside it; strategy: the same")
    print("handle_data with no engine; engine = run - strategy (what the engine costs)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
