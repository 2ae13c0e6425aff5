"""What `rustybt optimize` does, free of option parsing (so tests can call it)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from rustybt.cli.report import write_reports_beside
from rustybt.cli.summary import summary_lines
from rustybt.data.bars import BarPanel
from rustybt.engine.execution import FixedBasisPoints, PerDollar
from rustybt.engine.runner import BacktestConfig
from rustybt.errors import ConfigError
from rustybt.optimize.executors import Executor, SerialExecutor
from rustybt.optimize.space import Categorical, Dimension, Float, Integer, Space

__all__ = ["OptimizeRequest", "parse_param_range", "parse_walk_forward", "run_optimize"]

DEMO_DATASETS = {
    "demo": ("daily", "equity"),
    "demo-minute": ("minute", "equity"),
    "demo-crypto": ("daily", "crypto"),
}


@dataclass(frozen=True)
class OptimizeRequest:
    strategy_file: Path
    data: str
    start: str | None
    end: str | None
    symbols: str | None
    capital: float
    params: list[str]
    constraints: list[str]
    objective: str
    direction: str
    search: str
    n_trials: int | None
    workers: int
    scheduler: str | None
    walk_forward: str | None
    seed: int
    commission_bps: float
    slippage_bps: float
    catalog: Path
    output: Path
    progress: bool | None
    worker_catalog: Path | None = None
    storage: str | None = None
    study_name: str | None = None


def _literal(text: str) -> object:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_param_range(text: str) -> tuple[str, Dimension]:
    """``NAME=LOW:HIGH[:STEP]`` (inclusive; floats give ``(HIGH-LOW)/STEP + 1`` points),
    ``NAME=LOW:HIGH:logN`` (N log-spaced floats), or ``NAME=A,B,C`` (choices)."""
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier() or not raw:
        raise ConfigError(
            f"bad --param {text!r}",
            hint="write --param NAME=LOW:HIGH:STEP (inclusive), e.g. --param fast=5:50:5, "
            "or NAME=A,B,C",
        )
    if ":" not in raw:
        return name, Categorical(tuple(_literal(v.strip()) for v in raw.split(",")))
    parts = raw.split(":")
    if len(parts) not in (2, 3):
        raise ConfigError(f"bad range in --param {text!r}", hint="use LOW:HIGH or LOW:HIGH:STEP")
    low, high = _literal(parts[0]), _literal(parts[1])
    step = parts[2] if len(parts) == 3 else "1"
    if step.startswith("log"):
        points = _literal(step[3:] or "5")
        if not isinstance(points, int) or not isinstance(low, int | float):
            raise ConfigError(f"bad log range in --param {text!r}", hint="e.g. lr=0.001:1:log4")
        assert isinstance(high, int | float)
        return name, Float(float(low), float(high), log=True, grid_points=points)
    step_value = _literal(step)
    if all(isinstance(v, int) for v in (low, high, step_value)):
        assert isinstance(low, int)
        assert isinstance(high, int)
        assert isinstance(step_value, int)
        return name, Integer(low, high, step_value)
    if not all(isinstance(v, int | float) for v in (low, high, step_value)):
        raise ConfigError(f"--param {text!r} needs numbers", hint="e.g. --param fast=5:50:5")
    lo, hi, st = float(str(low)), float(str(high)), float(str(step_value))
    if st <= 0:
        raise ConfigError(f"--param {text!r} needs a positive step")
    return name, Float(lo, hi, grid_points=round((hi - lo) / st) + 1)


def parse_walk_forward(text: str) -> dict[str, int | bool]:
    """``train=504,test=126[,step=63][,anchored=1]`` as keyword arguments."""
    options: dict[str, int | bool] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in ("train", "test", "step", "anchored") or not value.isdigit():
            raise ConfigError(
                f"bad --walk-forward {text!r}",
                hint="write --walk-forward train=504,test=126 (sessions; optional step=, anchored=1)",
            )
        options[key] = bool(int(value)) if key == "anchored" else int(value)
    if "train" not in options or "test" not in options:
        raise ConfigError(f"--walk-forward {text!r} needs train= and test=")
    return options


def _load_panel(request: OptimizeRequest) -> BarPanel:
    symbols = [s.strip() for s in request.symbols.split(",")] if request.symbols else None
    if request.data in DEMO_DATASETS:
        from rustybt.data.synthetic import demo_panel

        panel = demo_panel(*DEMO_DATASETS[request.data])
    else:
        from rustybt.data.catalog import Catalog

        panel = Catalog(request.catalog.expanduser()).load(request.data, symbols=symbols)
    if symbols and request.data in DEMO_DATASETS:
        panel = panel.select(assets=symbols)
    if request.start or request.end:
        panel = panel.select(start=request.start, end=request.end)
    return panel


def _executor(request: OptimizeRequest) -> Executor:
    if request.worker_catalog is not None and (
        not request.scheduler or request.data in DEMO_DATASETS
    ):
        raise ConfigError(
            "--worker-catalog needs --scheduler and a catalog dataset as --data",
            hint="e.g. --scheduler tcp://host:8786 --data sp500 --worker-catalog /shared/catalog",
        )
    if request.scheduler:
        from rustybt.optimize.dask_executor import DaskExecutor

        if request.worker_catalog is None:
            return DaskExecutor(request.scheduler)
        return DaskExecutor(
            request.scheduler, data_path=request.worker_catalog, dataset=request.data
        )
    if request.workers > 1:
        from rustybt.optimize.processes import ProcessExecutor

        return ProcessExecutor(workers=request.workers)
    if request.workers < 1:
        raise ConfigError("--workers must be at least 1")
    return SerialExecutor()


def run_optimize(request: OptimizeRequest) -> Path:
    """Run the search (or walk-forward) and write its files under ``request.output``."""
    if not request.params:
        raise ConfigError("give at least one --param range", hint="e.g. --param fast=5:50:5")
    dimensions = dict(parse_param_range(p) for p in request.params)
    space = Space(dimensions, constraints=request.constraints)
    if request.direction not in ("maximize", "minimize"):
        raise ConfigError("--direction must be maximize or minimize")
    direction = "maximize" if request.direction == "maximize" else "minimize"
    if not request.strategy_file.is_file():
        raise ConfigError(f"strategy file not found: {request.strategy_file}")
    panel = _load_panel(request)
    common = {
        "objective": request.objective,
        "direction": direction,
        "search": request.search,
        "n_trials": request.n_trials,
        "executor": _executor(request),
        "config": BacktestConfig(capital=request.capital, data_source=request.data),
        "commission": PerDollar(rate=request.commission_bps / 10_000)
        if request.commission_bps
        else None,
        "slippage": FixedBasisPoints(request.slippage_bps) if request.slippage_bps else None,
        "seed": request.seed,
        "progress": request.progress,
    }
    output = request.output
    output.mkdir(parents=True, exist_ok=True)
    if request.walk_forward and (request.storage or request.study_name):
        raise ConfigError(
            "--storage/--study-name resume a bayes search, not a walk-forward",
            hint="leave them out with --walk-forward",
        )
    if request.walk_forward:
        from rustybt.optimize.walk_forward import walk_forward

        found_wf = walk_forward(
            request.strategy_file,
            panel,
            space,
            **parse_walk_forward(request.walk_forward),  # type: ignore[arg-type]
            **common,  # type: ignore[arg-type]
        )
        found_wf.trials.to_csv(output / "trials.csv", index=False)
        found_wf.windows.to_csv(output / "windows.csv", index=False)
        found_wf.oos_result.save(output / "oos")
        print(f"walk-forward    {len(found_wf.windows)} windows, {len(found_wf.trials)} trials")
        print(found_wf.windows.to_string(index=False, max_cols=12))
        for line in summary_lines(found_wf.oos_result):
            print(line)
        print(f"saved           {output.resolve()} (trials.csv, windows.csv, oos/)")
        # The out-of-sample result is the one to judge: its report sits beside it.
        write_reports_beside(found_wf.oos_result, output / "oos")
        return output
    from rustybt.optimize.study import optimize

    found = optimize(
        request.strategy_file,
        panel,
        space,
        storage=request.storage,
        study_name=request.study_name,
        **common,  # type: ignore[arg-type]
    )
    found.save(output)
    best = ", ".join(f"{k}={v}" for k, v in found.best_params.items())
    print(f"trials          {len(found.trials)}{' (interrupted)' if found.interrupted else ''}")
    print(f"best            {best}  {found.objective}={found.best_value:.6g}")
    for line in summary_lines(found.best_result):
        print(line)
    print(f"saved           {output.resolve()} (trials.csv, best/)")
    write_reports_beside(found.best_result, output / "best")
    return output
