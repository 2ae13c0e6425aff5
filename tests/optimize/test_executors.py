"""Serial, process and dask executors give the same trials, to the cent."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rustybt.data.bars import BarPanel
from rustybt.data.synthetic import demo_panel
from rustybt.optimize import Integer, ProcessExecutor, SerialExecutor, Space, optimize
from rustybt.optimize.executors import Task
from rustybt.optimize.processes import MappedPanel

STRATEGY = Path(__file__).parents[2] / "examples" / "dual_moving_average.py"
SPACE = Space({"fast": Integer(5, 10, 5), "slow": Integer(20, 30, 10)})


def small_panel() -> BarPanel:
    panel = demo_panel().select(end="2016-03-31")
    return panel.select(assets=panel.symbols[:6])


def comparable(trials: pd.DataFrame) -> pd.DataFrame:
    return trials.drop(columns="seconds").sort_values("trial").reset_index(drop=True)


@pytest.fixture(scope="module")
def serial_trials() -> pd.DataFrame:
    found = optimize(STRATEGY, small_panel(), SPACE, executor=SerialExecutor())
    assert found.trials["error"].isna().all()
    return comparable(found.trials)


def test_processes_match_serial_exactly(serial_trials: pd.DataFrame) -> None:
    found = optimize(STRATEGY, small_panel(), SPACE, executor=ProcessExecutor(workers=2))
    pd.testing.assert_frame_equal(comparable(found.trials), serial_trials)
    # final_equity is the ledger's exact Decimal string: equal to the cent and beyond.
    assert list(found.trials.sort_values("trial")["final_equity"]) == list(
        serial_trials["final_equity"]
    )


def test_dask_local_cluster_matches_serial_exactly(serial_trials: pd.DataFrame) -> None:
    pytest.importorskip("distributed", reason="dask.distributed is the [distributed] extra")
    from rustybt.optimize import DaskExecutor

    executor = DaskExecutor(n_workers=2, processes=True)
    found = optimize(STRATEGY, small_panel(), SPACE, executor=executor)
    pd.testing.assert_frame_equal(comparable(found.trials), serial_trials)


def test_workers_map_one_shared_file(tmp_path: Path) -> None:
    panel = small_panel()
    mapped = MappedPanel.write(panel, tmp_path)
    attached = mapped.attach()
    for name in ("open", "high", "low", "close", "volume"):
        array = attached.field(name)
        np.testing.assert_array_equal(array, panel.field(name))
        assert not array.flags.writeable  # a read-only view of the mapped file
        assert isinstance(array.base, np.memmap)
    assert attached.index.equals(panel.index)
    assert attached.symbols == panel.symbols
    # What travels per trial is the task: parameters and a window, not the bars.
    task = Task(3, {"fast": 5, "slow": 20}, (panel.index[0], panel.index[-1]))
    assert len(pickle.dumps(task)) < 1_000 < panel.close.nbytes


def test_walk_forward_on_processes_matches_serial() -> None:
    from rustybt.optimize import walk_forward
    from tests.optimize.known import HoldWindow, peak_panel

    def run(executor: SerialExecutor | ProcessExecutor) -> pd.DataFrame:
        found = walk_forward(
            HoldWindow,
            peak_panel(bars=60),
            {"exit": Integer(2, 8, 2)},
            train=20,
            test=10,
            objective="total_return",
            executor=executor,
        )
        return found.windows.assign(final_equity=str(found.oos_result.final_equity))

    pd.testing.assert_frame_equal(run(SerialExecutor()), run(ProcessExecutor(workers=2)))
