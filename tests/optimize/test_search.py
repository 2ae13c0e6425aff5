"""Every search finds the best point known by construction; typos, Ctrl-C, resume."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from rustybt.engine.result import BacktestResult
from rustybt.engine.strategy import FunctionStrategy
from rustybt.errors import ConfigError
from rustybt.optimize import Integer, Space, optimize
from tests.optimize.known import PEAK, HoldWindow, peak_panel

SPACE = Space({"entry": Integer(0, 20, 5), "exit": Integer(5, 60, 5)}, constraints=["entry < exit"])
BEST = {"entry": 0, "exit": PEAK - 1}


@pytest.mark.parametrize(("search", "n_trials"), [("grid", None), ("random", 30), ("bayes", 30)])
def test_every_search_finds_the_known_best(search: str, n_trials: int | None) -> None:
    found = optimize(
        HoldWindow, peak_panel(), SPACE, objective="total_return", search=search, n_trials=n_trials
    )
    assert found.best_params == BEST
    # 5,000 shares (half of 1,000,000 at bar 0's close of 100) bought at bar 1's
    # open (101), sold at the peak's open (100 + PEAK): a gain of 5,000 * (PEAK - 1).
    assert found.best_value == pytest.approx(0.5 * (PEAK - 1) / 100.0, abs=1e-12)
    assert found.best_result.final_equity == Decimal(1_000_000 + 5_000 * (PEAK - 1))
    assert len(found.trials) == (n_trials or SPACE.grid_size())
    assert {"entry", "exit", "value", "seconds", "sharpe_ratio", "max_drawdown"} <= set(
        found.trials.columns
    )


def test_minimize_finds_the_worst_exit() -> None:
    found = optimize(
        HoldWindow, peak_panel(), SPACE, objective="total_return", direction="minimize"
    )
    assert found.best_value < 0


def test_callable_objective() -> None:
    def final_equity(result: BacktestResult) -> float:
        return float(result.final_equity)

    found = optimize(HoldWindow, peak_panel(), SPACE, objective=final_equity)
    assert found.best_params == BEST
    assert found.objective == "final_equity"


def test_misspelled_parameter_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"no parameter 'exitt' \(did you mean 'exit'\?\)"):
        optimize(HoldWindow, peak_panel(), {"exitt": Integer(1, 3)})


def test_zipline_style_parameters_are_checked_against_params() -> None:
    def handle_data(context: object, data: object) -> None:
        """Trades nothing."""

    strategy = FunctionStrategy(handle_data=handle_data, window=10)
    with pytest.raises(ConfigError, match="no parameter 'windw'"):
        optimize(strategy, peak_panel(), {"windw": Integer(1, 3)})
    found = optimize(strategy, peak_panel(), {"window": Integer(1, 3)}, objective="total_return")
    assert list(found.trials["window"]) == [1, 2, 3]


def test_unknown_objective_and_search() -> None:
    with pytest.raises(ConfigError, match="unknown search"):
        optimize(HoldWindow, peak_panel(), SPACE, search="anneal")
    with pytest.raises(ConfigError, match="unknown objective 'sharpe'") as caught:
        optimize(HoldWindow, peak_panel(), SPACE, objective="sharpe")
    assert "sharpe_ratio" in str(caught.value.hint)


def test_rejected_parameters_are_failed_trials() -> None:
    found = optimize(HoldWindow, peak_panel(), {"exit": Integer(-2, -1)}, objective="cagr")
    assert list(found.trials["error"].str.startswith("ConfigError")) == [True, True]
    with pytest.raises(ConfigError, match="no trial finished"):
        found.best_trial  # noqa: B018


def test_ctrl_c_keeps_finished_trials_and_resume_skips_them(tmp_path: Path) -> None:
    calls: list[int] = []

    def interrupt_after_five(result: BacktestResult) -> float:
        calls.append(1)
        if len(calls) == 6:
            raise KeyboardInterrupt
        return float(result.final_equity)

    partial = optimize(HoldWindow, peak_panel(), SPACE, objective=interrupt_after_five)
    assert partial.interrupted
    assert len(partial.trials) == 5
    partial.trials.to_csv(tmp_path / "trials.csv", index=False)

    calls.clear()

    def count(result: BacktestResult) -> float:
        calls.append(1)
        return float(result.final_equity)

    resumed = optimize(
        HoldWindow, peak_panel(), SPACE, objective=count, resume=tmp_path / "trials.csv"
    )
    assert not resumed.interrupted
    assert len(resumed.trials) == SPACE.grid_size()
    assert len(calls) == SPACE.grid_size() - 5  # the five finished trials are not run again
    assert resumed.best_params == BEST


def test_save_writes_trials_and_best_result(tmp_path: Path) -> None:
    found = optimize(HoldWindow, peak_panel(), {"exit": Integer(30, 40, 5)}, objective="cagr")
    found.save(tmp_path / "out")
    assert (tmp_path / "out" / "trials.csv").is_file()
    loaded = BacktestResult.load(tmp_path / "out" / "best")
    assert loaded.final_equity == found.best_result.final_equity


def test_progress_bar_shows_best_so_far_only_when_asked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("tqdm", reason="tqdm is part of the [optimize] extra")
    optimize(
        HoldWindow, peak_panel(), {"exit": Integer(30, 40, 5)}, objective="cagr", progress=True
    )
    shown = capsys.readouterr().err
    assert "3/3" in shown
    assert "best=" in shown
    # None: only on a terminal, and pytest's stderr is not one.
    optimize(HoldWindow, peak_panel(), {"exit": Integer(30, 40, 5)}, objective="cagr")
    assert capsys.readouterr().err == ""


def test_figures_of_a_search() -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    found = optimize(HoldWindow, peak_panel(), SPACE, objective="total_return")
    heat = found.plot_heatmap("entry", "exit")
    assert isinstance(heat, Figure)
    image = heat.axes[0].images[0].get_array()
    # The brightest cell is the known best (entry 0 is the first column, exit 35 the 7th row).
    assert np.unravel_index(np.nanargmax(image), image.shape) == (6, 0)
    assert isinstance(found.plot_parallel(), Figure)
    assert isinstance(found.plot_history(), Figure)
    with pytest.raises(ConfigError, match="no column 'speed'"):
        found.plot_heatmap("entry", "speed")
