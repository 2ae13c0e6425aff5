"""Runs the benchmark crossover in vectorbt (inside its own venv; no rustybt here).

Reads the panel exported by compare_vectorbt.py and prints one JSON line. The
fill convention is rustybt's (and backtrader's), written as a vectorbt order
function (``Portfolio.from_order_func``; ``from_signals`` cannot size an entry
as a share of the whole portfolio):

* the signal is decided on bar t's close (fast 20 / slow 50 mean of the close,
  ``rolling`` over the closes up to and including t) and the order fills at bar
  t+1's open: signals shifted one bar, the order priced at the open;
* an entry, when flat, buys 1/N of the portfolio valued at bar t's closes
  (vectorbt values a bar's orders at the previous close), in whole shares
  rounded down, computed in the order function; ``update_value=False`` so every
  order of a bar is sized on the same value, as rustybt's ``portfolio_value`` is;
* a buy that cash cannot pay for is rejected whole (``allow_partial=False``, as
  rustybt's ``check_cash=True`` and backtrader's broker) and tried again on the
  next bar while the signal holds; an exit, when long, sells the whole position;
* one cash pool, assets processed in column order within a bar (the order
  rustybt's strategy submits in); no costs.

Timings: ``import_s`` (vectorbt), ``load_s`` (Parquet to wide arrays),
``signals_s`` (moving averages and crossover masks), ``run_s`` (the first
``from_order_func`` call: vectorbt's simulation, the counterpart of rustybt's
engine loop, including numba's compile or cache load of the order function),
``rerun_s`` (the same call again, everything compiled and warm).
"""

from __future__ import annotations

import json
import sys
import time

started = time.perf_counter()
import numpy as np  # noqa: E402  # timed: imports are part of what a user waits for
import pandas as pd  # noqa: E402
import vectorbt as vbt  # noqa: E402
from numba import njit  # noqa: E402
from vectorbt.portfolio.enums import Direction, NoOrder, SizeType  # noqa: E402
from vectorbt.portfolio.nb import close_position_nb, order_nb  # noqa: E402

FAST, SLOW = 20, 50


@njit(cache=True)
def crossover_order_nb(c, entries, exits, open_, weight):  # type: ignore[no-untyped-def]
    if entries[c.i, c.col] and c.position_now == 0:
        # Whole shares rounded down from the value at the previous close, computed
        # here: vectorbt's size_granularity would count the rounding as a partial
        # fill, which allow_partial=False rejects.
        shares = np.floor(weight * c.value_now / c.val_price_now)
        if not shares > 0:
            return NoOrder
        return order_nb(
            size=shares,
            price=open_[c.i, c.col],
            size_type=SizeType.Amount,
            direction=Direction.LongOnly,
            allow_partial=False,
        )
    if exits[c.i, c.col] and c.position_now > 0:
        return close_position_nb(price=open_[c.i, c.col])
    return NoOrder


def main(path: str) -> None:
    imported = time.perf_counter()
    frame = pd.read_parquet(path)
    wide = frame.pivot(index="timestamp", columns="symbol")
    close = wide["close"]
    open_ = wide["open"].to_numpy()
    loaded = time.perf_counter()
    fast = close.rolling(FAST).mean()
    slow = close.rolling(SLOW).mean()
    entries = (fast > slow).shift(1, fill_value=False).to_numpy()
    exits = (fast <= slow).shift(1, fill_value=False).to_numpy()
    weight = 1.0 / close.shape[1]
    signalled = time.perf_counter()

    def simulate() -> vbt.Portfolio:
        return vbt.Portfolio.from_order_func(
            close,
            crossover_order_nb,
            entries,
            exits,
            open_,
            weight,
            init_cash=1_000_000.0,
            cash_sharing=True,
            group_by=True,
            update_value=False,
            freq="1D",
        )

    portfolio = simulate()
    final_equity = float(portfolio.final_value())
    ran = time.perf_counter()
    simulate()
    rerun = time.perf_counter() - ran
    trades = portfolio.trades
    print(
        json.dumps(
            {
                "final_equity": final_equity,
                "closed_trades": int(trades.closed.count()),
                "open_trades": int(trades.open.count()),
                "orders": int(portfolio.orders.count()),
                "import_s": imported - started,
                "load_s": loaded - imported,
                "signals_s": signalled - loaded,
                "run_s": ran - signalled,
                "rerun_s": rerun,
                "seconds": time.perf_counter() - started,
                "vectorbt": vbt.__version__,
                "numpy": np.__version__,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
