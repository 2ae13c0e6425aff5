"""Walk-forward analysis: optimise on each train window, trade the winner on the next test window.

The out-of-sample (OOS) runs are chained: each test window starts with the
equity the previous one ended with (positions still open at a window's end are
valued at its last close and the next window starts in cash, at no cost). The
stitched `BacktestResult` (``oos_result``) holds every OOS session, fill, order
and position, with a ``window`` column, so every analytic and report works on
it; round trips are built per window. Each test run starts without history
before its first bar (indicators warm up inside the window), exactly as a
strategy started live on that day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

import pandas as pd

from rustybt.data.bars import BarPanel
from rustybt.engine.execution import CommissionModel, SlippageModel
from rustybt.engine.result import BacktestResult
from rustybt.engine.runner import BacktestConfig
from rustybt.errors import ConfigError
from rustybt.optimize.diagnostics import degradation
from rustybt.optimize.executors import Executor
from rustybt.optimize.loop import run_loop
from rustybt.optimize.result import trials_frame
from rustybt.optimize.searches import Direction, Search, make_search
from rustybt.optimize.setup import StrategyInput, opened, set_up
from rustybt.optimize.space import Dimension, Params, Space
from rustybt.optimize.trial import Objective, TrialRecord, scalar_metrics, score
from rustybt.optimize.windows import WalkForwardWindow, walk_forward_windows

__all__ = ["WalkForwardResult", "walk_forward"]


@dataclass
class WalkForwardResult:
    """Attributes:
    oos_result: the stitched out-of-sample `BacktestResult`.
    windows: one row per window: dates, chosen parameters, ``is_value`` (best
        train objective), ``oos_value`` (the same objective on the test window),
        and IS/OOS Sharpe ratios and total returns.
    trials: every trial of every train window (``window`` column).
    interrupted: True when Ctrl-C stopped it (finished windows kept).
    """

    oos_result: BacktestResult
    windows: pd.DataFrame
    trials: pd.DataFrame
    interrupted: bool = False

    def degradation(self) -> dict[str, float]:
        """IS vs OOS objective across windows (see `diagnostics.degradation`)."""
        return degradation(self.windows["is_value"], self.windows["oos_value"])


def _best(records: list[TrialRecord], direction: Direction) -> TrialRecord:
    finished = [r for r in records if r.error is None and r.value == r.value]
    if not finished:
        raise ConfigError("no trial of a train window finished with a finite objective")
    pick = max if direction == "maximize" else min
    return pick(finished, key=lambda r: r.value)


def _stitch(runs: list[BacktestResult], panel: BarPanel, first: BacktestResult) -> BacktestResult:
    def tables(name: str) -> pd.DataFrame:
        frames: list[pd.DataFrame] = [
            getattr(run, name).assign(window=k) for k, run in enumerate(runs)
        ]
        return pd.concat(frames, ignore_index=name != "perf")

    last = runs[-1]
    ledger = dict(last.ledger)
    for total in ("realized_pnl", "commissions", "slippage"):
        ledger[total] = sum((run.ledger[total] for run in runs), Decimal(0))
    ledger["starting_cash"] = first.ledger["starting_cash"]
    raw_last = last.metadata.get("ledger", {})
    marks = raw_last.get("marks", {}) if isinstance(raw_last, dict) else {}
    metadata = {
        **first.metadata,
        "end": last.metadata.get("end"),
        "walk_forward": True,
        "ledger": {**{k: str(v) for k, v in ledger.items()}, "marks": marks},
    }
    stitched = BacktestResult(
        perf=tables("perf"),
        transactions=tables("transactions"),
        orders=tables("orders"),
        positions=tables("positions"),
        metadata=metadata,
        decisions=tables("decisions"),
        bars=panel.select(start=runs[0].perf.index[0], end=runs[-1].perf.index[-1]),
    )
    stitched._trades = pd.concat(
        [run.trades.assign(window=k) for k, run in enumerate(runs)], ignore_index=True
    )
    return stitched


def walk_forward(
    strategy: StrategyInput,
    data: BarPanel,
    space: Space | Mapping[str, Dimension],
    *,
    train: int,
    test: int,
    step: int | None = None,
    anchored: bool = False,
    objective: Objective = "sharpe_ratio",
    direction: Direction = "maximize",
    search: str | Search = "grid",
    n_trials: int | None = None,
    executor: Executor | None = None,
    config: BacktestConfig | None = None,
    commission: CommissionModel | None = None,
    slippage: SlippageModel | None = None,
    seed: int = 0,
    progress: bool | None = None,
    validate: bool = True,
) -> WalkForwardResult:
    """Walk-forward optimisation (rolling, or ``anchored`` train windows).

    ``train``, ``test`` and ``step`` (default ``test``) are in sessions; the other
    arguments are those of `rustybt.optimize.optimize`. Window ``k``'s search is
    seeded with ``seed + k``. The executor is opened once for all windows.
    """
    setup = set_up(
        strategy,
        data,
        space,
        objective=objective,
        direction=direction,
        config=config,
        commission=commission,
        slippage=slippage,
        validate=validate,
    )
    job, panel = setup.job, setup.panel
    windows = walk_forward_windows(panel, train=train, test=test, step=step, anchored=anchored)
    records: list[TrialRecord] = []
    rows: list[dict[str, object]] = []
    runs: list[BacktestResult] = []
    interrupted = False
    equity = job.config.capital
    try:
        with opened(executor, setup) as runner:
            for window in windows:
                outcome = run_loop(
                    runner,
                    make_search(search, seed + window.number),
                    setup.space,
                    n_trials,
                    direction,
                    window=(window.train_start, window.train_end),
                    window_id=window.number,
                    progress=progress,
                    label=f"window {window.number + 1}/{len(windows)}",
                )
                records.extend(outcome.records)
                if outcome.interrupted:
                    interrupted = True
                    break
                best = _best(outcome.records, direction)
                test_job = replace(job, config=replace(job.config, capital=equity))
                run = test_job.backtest(panel, best.params, (window.test_start, window.test_end))
                runs.append(run)
                rows.append(_row(window, best, run, job.objective))
                equity = float(run.final_equity)
    except KeyboardInterrupt:
        interrupted = True
    if not runs:
        raise ConfigError("walk-forward was stopped before its first test window finished")
    return WalkForwardResult(
        oos_result=_stitch(runs, panel, runs[0]),
        windows=pd.DataFrame(rows),
        trials=trials_frame(records, setup.space.names),
        interrupted=interrupted,
    )


def _row(
    window: WalkForwardWindow, best: TrialRecord, run: BacktestResult, objective: Objective
) -> dict[str, object]:
    metrics = scalar_metrics(run)
    row: dict[str, object] = {
        "window": window.number,
        "train_start": window.train_start,
        "train_end": window.train_end,
        "test_start": window.test_start,
        "test_end": window.test_end,
    }
    params: Params = best.params
    row.update(params)
    row.update(
        is_value=best.value,
        oos_value=score(objective, run, metrics),
        is_sharpe_ratio=best.metrics.get("sharpe_ratio"),
        oos_sharpe_ratio=metrics.get("sharpe_ratio"),
        is_total_return=best.metrics.get("total_return"),
        oos_total_return=metrics.get("total_return"),
    )
    return row
