"""`start_optimize`: the backtest handle for a parameter search, and its trial bar."""

from __future__ import annotations

import threading

import pytest

from rustybt.analytics.metrics import performance_metrics
from rustybt.data.synthetic import demo_panel
from rustybt.engine.result import BacktestResult
from rustybt.errors import ConfigError
from rustybt.notebook import BacktestHandle, start_optimize
from rustybt.optimize import Integer, Space, optimize

STRATEGY = "examples/dual_moving_average.py"


@pytest.fixture(scope="module")
def panel():  # type: ignore[no-untyped-def]
    small = demo_panel().select(end="2015-09-30")
    return small.select(assets=small.symbols[:3])


SPACE = Space({"fast": Integer(5, 10, 5), "slow": Integer(20, 40, 20)})  # 4 points


class Gate:
    """An objective that holds trial number ``hold`` (0-based) until released."""

    def __init__(self, hold: int) -> None:
        self.hold = hold
        self.calls = 0
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, result: BacktestResult) -> float:
        if self.calls == self.hold:
            self.entered.set()
            assert self.release.wait(30)
        self.calls += 1
        return float(performance_metrics(result).sharpe_ratio)


def test_a_background_search_returns_what_optimize_returns(panel) -> None:  # type: ignore[no-untyped-def]
    handle = start_optimize(STRATEGY, panel, SPACE, objective="sharpe_ratio")
    found = handle.result(timeout=120)
    direct = optimize(STRATEGY, panel, SPACE, objective="sharpe_ratio", progress=False)
    assert isinstance(handle, BacktestHandle)
    assert handle.done()
    assert not handle.cancelled
    assert not found.interrupted
    assert (handle.progress, handle.bars_done, handle.total_bars) == (1.0, 4, 4)
    assert list(found.trials["final_equity"]) == list(direct.trials["final_equity"])
    assert found.best_params == direct.best_params
    assert "4 of 4 trials" in repr(handle)
    assert "finished" in repr(handle)
    assert "Background optimisation" in handle._repr_html_()


def test_progress_counts_trials_and_cancel_keeps_the_finished_ones(panel) -> None:  # type: ignore[no-untyped-def]
    gate = Gate(hold=2)
    handle = start_optimize(STRATEGY, panel, SPACE, objective=gate)
    assert gate.entered.wait(60)  # trials 0 and 1 are done, trial 2 is running
    assert (handle.bars_done, handle.total_bars, handle.progress) == (2, 4, 0.5)
    assert not handle.done()
    assert "running" in repr(handle)
    assert handle.cancel()
    assert "cancelling" in repr(handle)
    gate.release.set()
    found = handle.result(timeout=60)
    # The running trial finishes; the fourth never starts.
    assert found.interrupted
    assert len(found.trials) == 3
    assert list(found.trials["trial"]) == [0, 1, 2]
    assert handle.cancelled
    assert "cancelled" in repr(handle)
    assert not handle.cancel()  # already ended


def test_a_bad_search_raises_its_error_from_result(panel) -> None:  # type: ignore[no-untyped-def]
    handle = start_optimize(STRATEGY, panel, {"nope": Integer(1, 2)})
    with pytest.raises(ConfigError):
        handle.result(timeout=60)
    assert handle.done()
    assert not handle.cancelled
    with pytest.raises(ConfigError, match="on_trial"):
        start_optimize(STRATEGY, panel, SPACE, on_trial=print)


def test_the_trial_bar_follows_the_backtest_rule(panel, capsys) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("tqdm")
    optimize(STRATEGY, panel, SPACE)  # progress=None, stderr is not a terminal: no bar
    assert capsys.readouterr().err == ""
    optimize(STRATEGY, panel, SPACE, progress=False)
    assert capsys.readouterr().err == ""
    optimize(STRATEGY, panel, SPACE, progress=True)
    err = capsys.readouterr().err
    assert "4/4" in err
    assert "trial" in err
