"""Walk-forward: window arithmetic, no look-ahead, a stitched result that chains equity."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from rustybt.analytics.metrics import performance_metrics
from rustybt.engine.result import BacktestResult
from rustybt.errors import ConfigError
from rustybt.optimize import Integer, walk_forward, walk_forward_windows
from tests.optimize.known import HoldWindow, peak_panel


def test_rolling_and_anchored_windows() -> None:
    panel = peak_panel(bars=50)
    days = panel.index
    rolling = walk_forward_windows(panel, train=20, test=10)
    assert [(w.train_start, w.train_end, w.test_start, w.test_end) for w in rolling] == [
        (days[0], days[19], days[20], days[29]),
        (days[10], days[29], days[30], days[39]),
        (days[20], days[39], days[40], days[49]),
    ]
    anchored = walk_forward_windows(panel, train=20, test=10, step=15, anchored=True)
    assert [(w.train_start, w.train_end, w.test_start, w.test_end) for w in anchored] == [
        (days[0], days[19], days[20], days[29]),
        (days[0], days[34], days[35], days[44]),
    ]  # a third test window would start after the last session
    with pytest.raises(ConfigError, match="more than train=60"):
        walk_forward_windows(panel, train=60, test=10)
    with pytest.raises(ConfigError, match="train >= 2"):
        walk_forward_windows(panel, train=20, test=0)


def test_training_never_sees_test_data() -> None:
    seen: list[tuple[pd.Timestamp, pd.Timestamp]] = []

    def last_bar_seen(result: BacktestResult) -> float:
        # Every training trial's run covers only its train window's bars.
        seen.append((result.perf.index[0], result.perf.index[-1]))
        return float(result.final_equity)

    panel = peak_panel(bars=60)
    found = walk_forward(
        HoldWindow,
        panel,
        {"exit": Integer(2, 12, 2)},
        train=20,
        test=10,
        objective=last_bar_seen,
    )
    windows = walk_forward_windows(panel, train=20, test=10)
    trials_per_window = 6
    # Per window: its 6 training trials, then the chosen parameters' test run.
    block = trials_per_window + 1
    assert len(seen) == len(windows) * block
    for number, window in enumerate(windows):
        runs = seen[number * block : (number + 1) * block]
        for first, last in runs[:trials_per_window]:
            assert first == window.train_start
            assert last == window.train_end
            assert last < window.test_start  # the look-ahead check
        assert runs[-1] == (window.test_start, window.test_end)
    assert list(found.windows["test_start"]) == [w.test_start for w in windows]


def test_stitched_out_of_sample_result_chains_equity() -> None:
    panel = peak_panel(bars=60)
    found = walk_forward(
        HoldWindow, panel, {"exit": Integer(2, 8, 2)}, train=20, test=10, objective="total_return"
    )
    oos = found.oos_result
    assert oos.perf.index[0] == panel.index[20]
    assert oos.perf.index[-1] == panel.index[-1]
    assert oos.perf.index.is_unique
    # Rising prices until bar 36: the longest hold (exit=8) wins in the first windows.
    assert found.windows.loc[0, "exit"] == 8
    # Each window starts with the previous one's final equity, so the stitched
    # return series compounds to the final equity exactly as one run would.
    compounded = float(np.prod(1.0 + oos.returns.to_numpy()))
    assert compounded * 1_000_000 == pytest.approx(float(oos.final_equity), rel=1e-12)
    assert oos.final_equity == Decimal(oos.metadata["ledger"]["equity"])  # type: ignore[index]
    assert performance_metrics(oos).observations == len(oos.perf)
    assert set(oos.transactions["window"]) <= set(found.windows["window"])
    report = found.degradation()
    assert set(report) == {"is_mean", "oos_mean", "ratio", "slope", "oos_loss_share"}
    assert len(found.trials) == 4 * len(found.windows)


def test_a_misspelled_direction_is_an_error_not_a_silent_minimize() -> None:
    with pytest.raises(ConfigError, match="direction must be 'maximize' or 'minimize'"):
        walk_forward(
            HoldWindow,
            peak_panel(bars=60),
            {"exit": Integer(2, 8, 2)},
            train=20,
            test=10,
            direction="max",  # type: ignore[arg-type]  # the mistake under test
        )
