"""`rustybt optimize`: ranges, files written, walk-forward, errors with exit codes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from rustybt import BacktestResult
from rustybt.cli import app
from rustybt.cli.optimize_run import parse_param_range, parse_walk_forward
from rustybt.errors import ConfigError
from rustybt.optimize import Categorical, Float, Integer

runner = CliRunner()
STRATEGY = str(Path(__file__).resolve().parents[2] / "examples" / "dual_moving_average.py")
SMALL = ["--symbols", "SYN000,SYN001,SYN002", "--end", "2016-12-30", "--no-progress"]


def test_param_ranges_are_inclusive() -> None:
    name, dimension = parse_param_range("fast=5:20:5")
    assert name == "fast"
    assert dimension == Integer(5, 20, 5)
    assert dimension.grid() == [5, 10, 15, 20]
    assert parse_param_range("x=0.1:0.3:0.1")[1] == Float(0.1, 0.3, grid_points=3)
    assert parse_param_range("lr=0.001:1:log4")[1] == Float(0.001, 1.0, log=True, grid_points=4)
    assert parse_param_range("kind=a,b")[1] == Categorical(("a", "b"))
    assert parse_param_range("slow=30")[1] == Categorical((30,))
    for bad in ("fast", "fast=", "fast=1:2:3:4", "fast=a:b:c", "9x=1:2"):
        with pytest.raises(ConfigError, match="--param"):
            parse_param_range(bad)


def test_walk_forward_option() -> None:
    assert parse_walk_forward("train=504,test=126") == {"train": 504, "test": 126}
    assert parse_walk_forward("train=5,test=2,step=1,anchored=1")["anchored"] is True
    for bad in ("train=5", "train=5,tset=2", "train=x,test=2"):
        with pytest.raises(ConfigError, match="--walk-forward"):
            parse_walk_forward(bad)


def test_optimize_writes_trials_and_best_result(tmp_path: Path) -> None:
    args = ["optimize", STRATEGY, "--param", "fast=5:10:5", "--param", "slow=20:30:10"]
    result = runner.invoke(app, [*args, *SMALL, "--output", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    trials = pd.read_csv(tmp_path / "trials.csv", dtype={"final_equity": str})
    assert sorted(zip(trials["fast"], trials["slow"], strict=True)) == [
        (5, 20),
        (5, 30),
        (10, 20),
        (10, 30),
    ]
    best = trials.loc[trials["value"].idxmax()]
    saved = BacktestResult.load(tmp_path / "best")
    assert saved.metadata["params"] == {"fast": int(best["fast"]), "slow": int(best["slow"])}
    assert str(saved.final_equity) == best["final_equity"]
    assert f"best            fast={best['fast']}, slow={best['slow']}" in result.stdout
    assert (tmp_path / "best" / "report.html").is_file()  # the best run's report beside it


def test_optimize_walk_forward(tmp_path: Path) -> None:
    args = ["optimize", STRATEGY, "--param", "fast=5:10:5", "--param", "slow=20"]
    wf = ["--walk-forward", "train=126,test=63", "--output", str(tmp_path)]
    result = runner.invoke(app, [*args, *SMALL, *wf])
    assert result.exit_code == 0, result.stderr
    windows = pd.read_csv(tmp_path / "windows.csv")
    assert len(windows) == 6  # 504 sessions (2015-2016): tests start at 126, 189, ... 441
    oos = BacktestResult.load(tmp_path / "oos")
    assert (tmp_path / "oos" / "report.html").is_file()  # the out-of-sample report
    assert str(oos.perf.index[0].date()) == windows["test_start"].iloc[0][:10]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--param", "fsat=5:10:5"], "no parameter 'fsat'"),
        (["--param", "fast=5:10:5", "--objective", "sharp"], "unknown objective"),
        (["--param", "fast=5:10:5", "--search", "annealing"], "unknown search"),
    ],
)
def test_optimize_errors_are_one_line(tmp_path: Path, extra: list[str], message: str) -> None:
    result = runner.invoke(app, ["optimize", STRATEGY, *extra, *SMALL, "--output", str(tmp_path)])
    assert result.exit_code != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_bayes_search_resumes_from_an_optuna_storage(tmp_path: Path) -> None:
    pytest.importorskip("optuna", reason="optuna is the [optimize] extra")
    args = ["optimize", STRATEGY, "--param", "fast=5:20:1", "--param", "slow=30:90:1", *SMALL]
    study = ["--search", "bayes", "--storage", f"sqlite:///{tmp_path / 's.db'}"]
    study += ["--study-name", "dma", "--seed", "7"]
    for n_trials in (2, 4):
        out = tmp_path / f"run{n_trials}"
        result = runner.invoke(
            app, [*args, *study, "--n-trials", str(n_trials), "--output", str(out)]
        )
        assert result.exit_code == 0, result.stderr
    first = pd.read_csv(tmp_path / "run2" / "trials.csv", dtype={"final_equity": str})
    both = pd.read_csv(tmp_path / "run4" / "trials.csv", dtype={"final_equity": str})
    assert list(both["trial"]) == [0, 1, 2, 3]
    assert len(set(zip(both["fast"], both["slow"], strict=True))) == 4
    pd.testing.assert_frame_equal(both.iloc[:2], first)  # the first two were not rerun


def test_study_and_worker_catalog_options_need_their_partners(tmp_path: Path) -> None:
    args = ["optimize", STRATEGY, "--param", "fast=5:10:5", *SMALL, "--output", str(tmp_path)]
    result = runner.invoke(app, [*args, "--worker-catalog", str(tmp_path)])
    assert result.exit_code != 0
    assert "--worker-catalog needs --scheduler" in result.stderr
    wf = ["--walk-forward", "train=100,test=50", "--storage", "sqlite:///x.db"]
    result = runner.invoke(app, [*args, *wf, "--study-name", "x"])
    assert result.exit_code != 0
    assert "resume a bayes search, not a walk-forward" in result.stderr
