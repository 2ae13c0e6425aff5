"""A bayes search resumes from an optuna storage: no trial twice, the same proposals."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from rustybt.engine.result import BacktestResult
from rustybt.errors import ConfigError
from rustybt.optimize import Integer, Space, optimize
from tests.optimize.known import HoldWindow, peak_panel

optuna = pytest.importorskip("optuna", reason="optuna is the [optimize] extra")

SPACE = Space({"entry": Integer(0, 20, 1), "exit": Integer(5, 60, 1)}, constraints=["entry < exit"])
SEED = 3
# optuna's TPE draws its first 10 points at random, then models the results:
# 12 trials cover both, so a resume must feed the stored trials to the model.
TRIALS = 12


def total_return(result: BacktestResult) -> float:
    return float(result.final_equity) / 1_000_000 - 1.0


def search(n_trials: int, storage: str | None = None, objective: object = total_return) -> object:
    return optimize(
        HoldWindow,
        peak_panel(),
        SPACE,
        objective=objective,  # type: ignore[arg-type]  # a function of the result
        search="bayes",
        n_trials=n_trials,
        seed=SEED,
        storage=storage,
        study_name="hold" if storage else None,
        progress=False,
    )


def comparable(trials: pd.DataFrame) -> pd.DataFrame:
    return trials.drop(columns="seconds").reset_index(drop=True)


@pytest.fixture(scope="module")
def uninterrupted() -> pd.DataFrame:
    found = search(TRIALS)
    trials: pd.DataFrame = found.trials  # type: ignore[attr-defined]
    return trials


def stored_states(url: str) -> list[str]:
    study = optuna.load_study(study_name="hold", storage=url)
    return [trial.state.name for trial in study.get_trials(deepcopy=False)]


def test_seven_then_five_more_equals_twelve_in_one_go(
    tmp_path: Path, uninterrupted: pd.DataFrame
) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    first = search(7, url).trials  # type: ignore[attr-defined]
    resumed = search(TRIALS, url)
    trials = resumed.trials  # type: ignore[attr-defined]
    assert len(trials) == TRIALS
    points = set(zip(trials["entry"], trials["exit"], strict=True))
    assert len(points) == TRIALS
    # The storage holds twelve trials: the first seven were not run again.
    assert stored_states(url).count("COMPLETE") == TRIALS
    # Resumed trials come back whole (metrics, exact equity, seconds) ...
    pd.testing.assert_frame_equal(trials.iloc[:7].reset_index(drop=True), first)
    # ... and the sampler proposes what the uninterrupted search proposed.
    pd.testing.assert_frame_equal(comparable(trials), comparable(uninterrupted))
    assert resumed.best_value == trials["value"].max()  # type: ignore[attr-defined]
    # Asking again for as many trials runs nothing.
    again = search(TRIALS, url).trials  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(again, trials)
    assert stored_states(url).count("COMPLETE") == TRIALS


def test_a_search_stopped_mid_trial_resumes_with_that_trial(
    tmp_path: Path, uninterrupted: pd.DataFrame
) -> None:
    calls = 0

    def stops_at_the_fourth(result: BacktestResult) -> float:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise KeyboardInterrupt  # Ctrl-C while the fourth trial is scored
        return total_return(result)

    url = f"sqlite:///{tmp_path / 'study.db'}"
    stopped = search(TRIALS, url, objective=stops_at_the_fourth)
    assert stopped.interrupted  # type: ignore[attr-defined]
    assert len(stopped.trials) == 3  # type: ignore[attr-defined]
    assert stored_states(url) == ["COMPLETE"] * 3 + ["RUNNING"]
    resumed = search(TRIALS, url).trials  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(comparable(resumed), comparable(uninterrupted))
    # The abandoned trial is failed in the storage and its point proposed again.
    assert stored_states(url) == ["COMPLETE"] * 3 + ["FAIL"] + ["COMPLETE"] * (TRIALS - 3)


def test_storage_misuse_is_a_clear_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    with pytest.raises(ConfigError, match="needs a study_name"):
        optimize(HoldWindow, peak_panel(), SPACE, search="bayes", n_trials=2, storage=url)
    with pytest.raises(ConfigError, match="resume a bayes search"):
        optimize(HoldWindow, peak_panel(), SPACE, storage=url, study_name="hold")
    search(2, url)
    with pytest.raises(ConfigError, match="was made to maximize, not minimize"):
        optimize(
            HoldWindow,
            peak_panel(),
            SPACE,
            search="bayes",
            n_trials=3,
            direction="minimize",
            storage=url,
            study_name="hold",
        )
    other = Space({"entry": Integer(0, 10, 1), "exit": Integer(5, 60, 1)})
    with pytest.raises(ConfigError, match="searched other parameters or ranges"):
        optimize(
            HoldWindow,
            peak_panel(),
            other,
            search="bayes",
            n_trials=3,
            storage=url,
            study_name="hold",
        )
