"""What a new user trips over on the command line (issue 14): layout options for
ingest, hints worded for the CLI, the user's line in errors, checked parameters,
costs and windows, result folders that are never silently replaced, benchmarks
from another dataset, the cost model in every summary, a quiet broken pipe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from rustybt import BacktestResult
from rustybt.cli import app
from rustybt.cli.columns import parse_columns
from rustybt.cli.errors import BROKEN_PIPE_EXIT
from rustybt.data.catalog import Catalog
from rustybt.errors import ConfigError

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MOMENTUM = str(EXAMPLES / "momentum_rotation.py")
CROSSOVER = str(EXAMPLES / "dual_moving_average.py")


def _invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _one_instrument_csv(path: Path, *, sep: str = ",", us_dates: bool = False) -> Path:
    days = pd.bdate_range("2020-01-01", periods=60)
    rows = []
    for i, day in enumerate(days):
        date = day.strftime("%m/%d/%Y") if us_dates else day.date().isoformat()
        price = 100 + i * 0.5
        rows.append(
            sep.join([date, f"{price}", f"{price + 1}", f"{price - 1}", f"{price}", "1000"])
        )
    path.write_text(sep.join(["Day", "O", "H", "L", "C", "V"]) + "\n" + "\n".join(rows) + "\n")
    return path


COLUMNS = "date=Day,open=O,high=H,low=L,close=C,volume=V"


def test_ingest_takes_columns_sep_date_format_and_symbol(tmp_path: Path) -> None:
    path = _one_instrument_csv(tmp_path / "spy.csv", sep=";", us_dates=True)
    catalog = str(tmp_path / "catalog")
    base = ["ingest", str(path), "--name", "spy", "--catalog", catalog, "--sep", ";"]
    # Days run to 27 in this file, so the order is detected; the symbol is given.
    code, _out, err = _invoke(*base, "--columns", COLUMNS, "--symbol", "SPY")
    assert code == 0, err
    info = Catalog(tmp_path / "catalog").info("spy")
    assert [a.symbol for a in info.assets] == ["SPY"]
    assert str(info.start)[:10] == "2020-01-01"
    # A file without a symbol column and no --symbol: the hint names the CLI flags.
    code, _, err = _invoke(*base, "--columns", COLUMNS, "--overwrite")
    assert code == 3
    assert "--symbol" in err
    assert "ColumnMap" not in err
    code, _, err = _invoke(*base, "--symbol", "SPY", "--overwrite")
    assert "--columns date=Date" in err
    code, _, err = _invoke(*base, "--columns", COLUMNS, "--symbol", "SPY")
    assert code == 3
    assert "--overwrite" in err
    assert "overwrite=True" not in err


def test_ingest_refuses_ambiguous_us_dates_and_asks_for_date_format(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("Day,O,H,L,C,V\n02/08/2013,1,2,0.5,1.5,10\n02/11/2013,1,2,0.5,1.5,10\n")
    catalog = str(tmp_path / "catalog")
    args = ["ingest", str(path), "--name", "x", "--catalog", catalog, "--columns", COLUMNS]
    code, _, err = _invoke(*args, "--symbol", "X")
    assert code == 3
    assert "refusing to guess" in err
    assert "--date-format '%m/%d/%Y'" in err
    code, _, err = _invoke(*args, "--symbol", "X", "--date-format", "%m/%d/%Y")
    assert code == 0, err
    assert str(Catalog(tmp_path / "catalog").info("x").start)[:10] == "2013-02-08"


def test_symbol_works_for_presets_and_bad_layout_options_are_refused() -> None:
    assert parse_columns("date=Date, Close=Adj") == {"timestamp": "Date", "close": "Adj"}
    for bad in ("date", "when=Date", "close=A,close=B"):
        with pytest.raises(ConfigError):
            parse_columns(bad)
    code, _, err = _invoke("ingest", "x.csv", "--name", "x", "--sep", ";;")
    assert code == 2
    assert "--sep must be one character" in err


def test_strategy_error_shows_file_line_and_source_without_debug(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "def handle_data(context, data):\n    ratio = 1 / (data.current_dt.year - 2015)\n"
    )
    code, _, err = _invoke("run", str(bad), "--output", str(tmp_path))
    assert code == 5
    first = err.splitlines()[0]
    assert f"{bad}:2 in handle_data: ratio = 1 / (data.current_dt.year - 2015)" in first
    broken = tmp_path / "broken.py"
    broken.write_text("def handle_data(context, data):\n    return (\n")
    _, _, err = _invoke("run", str(broken), "--output", str(tmp_path))
    assert f"{broken}:2" in err.splitlines()[0]


def test_param_names_are_checked_for_zipline_style_files(tmp_path: Path) -> None:
    code, _, err = _invoke("run", MOMENTUM, "--param", "lookbak=100", "--output", str(tmp_path))
    assert code == 2
    assert "has no parameter 'lookbak'; did you mean 'lookback'?" in err
    code, _, err = _invoke("run", MOMENTUM, "--param", "top_k=2.5", "--output", str(tmp_path))
    assert code == 2
    assert "parameter 'top_k' takes a whole number, not 2.5" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--commission-bps", "-3"], "--commission-bps must be a number >= 0, not -3.0"),
        (["--slippage-bps", "nan"], "--slippage-bps must be a number >= 0"),
        (["--start", "2017-01-01", "--end", "2016-01-01"], "--start 2017-01-01 is after --end"),
    ],
)
def test_bad_costs_and_windows_fail_before_the_run(
    tmp_path: Path, args: list[str], message: str
) -> None:
    code, _out, err = _invoke("run", CROSSOVER, *args, "--output", str(tmp_path))
    assert code == 2
    assert message in err.splitlines()[0]
    assert not (tmp_path / "dual_moving_average").exists()


def test_results_are_numbered_not_overwritten_and_costs_are_printed(tmp_path: Path) -> None:
    args = ["run", CROSSOVER, "--symbols", "SYN000,SYN001", "--output", str(tmp_path)]
    code, out, err = _invoke(*args, "--end", "2015-12-31")
    assert code == 0, err
    assert (
        "cost model      commission PerDollar(rate=0.0005), slippage FixedBasisPoints(bps=2.0)"
        in out
    )
    first = BacktestResult.load(tmp_path / "dual_moving_average")
    code, out, _ = _invoke(*args, "--end", "2016-12-31", "--commission-bps", "0")
    assert code == 0
    assert "commission PerDollar(rate=0.0)" in out or "NoCommission" in out
    assert str(tmp_path / "dual_moving_average-2") in out
    # The first result is untouched.
    again = BacktestResult.load(tmp_path / "dual_moving_average")
    assert again.final_equity == first.final_equity
    code, out, _ = _invoke(*args, "--end", "2016-12-31", "--overwrite")
    assert code == 0
    replaced = BacktestResult.load(tmp_path / "dual_moving_average")
    assert str(replaced.perf.index[-1].date()) == "2016-12-30"
    assert not (tmp_path / "dual_moving_average-3").exists()


def test_benchmark_from_another_dataset_or_a_returns_file(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    index_file = _one_instrument_csv(tmp_path / "idx.csv")
    code, _, err = _invoke(
        "ingest",
        str(index_file),
        "--name",
        "idx",
        "--catalog",
        str(catalog),
        "--columns",
        COLUMNS,
        "--symbol",
        "IDX",
        "--asset-class",
        "index",
    )
    assert code == 0, err
    stocks = tmp_path / "stocks.csv"
    days = pd.bdate_range("2020-01-01", periods=60)
    frame = pd.DataFrame(
        [
            (d.date().isoformat(), s, 10.0 + i, 11.0 + i, 9.0 + i, 10.5 + i, 1e5)
            for i, d in enumerate(days)
            for s in ("AAA", "BBB")
        ],
        columns=["timestamp", "symbol", "open", "high", "low", "close", "volume"],
    )
    frame.to_csv(stocks, index=False)
    assert _invoke("ingest", str(stocks), "--name", "stocks", "--catalog", str(catalog))[0] == 0
    run = [
        "run",
        CROSSOVER,
        "--data",
        "stocks",
        "--catalog",
        str(catalog),
        "--param",
        "fast=3",
        "--param",
        "slow=5",
    ]
    code, _out, err = _invoke(*run, "--benchmark", "idx:IDX", "--output", str(tmp_path / "a"))
    assert code == 0, err
    result = BacktestResult.load(tmp_path / "a" / "dual_moving_average")
    closes = 100 + np.arange(60) * 0.5
    expected = closes[1:] / closes[:-1] - 1
    np.testing.assert_allclose(result.benchmark_returns.to_numpy()[1:], expected, rtol=1e-12)
    returns = tmp_path / "bench.csv"
    pd.DataFrame({"date": [d.date().isoformat() for d in days], "ret": 0.001}).to_csv(
        returns, index=False
    )
    code, _, err = _invoke(*run, "--benchmark", str(returns), "--output", str(tmp_path / "b"))
    assert code == 0, err
    saved = BacktestResult.load(tmp_path / "b" / "dual_moving_average")
    assert (saved.benchmark_returns.dropna() == 0.001).all()
    code, _, err = _invoke(*run, "--benchmark", "nope:IDX", "--output", str(tmp_path / "c"))
    assert code == 3
    assert "nope" in err


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    log.write_text("".join(f'{{"event": "order.filled", "n": {i}}}\n' for i in range(20000)))
    script = (
        "from rustybt.cli import main; import sys; "
        f"sys.argv = ['rustybt', 'logs', {str(log)!r}]; main()"
    )
    reader = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "0"},
    )
    assert reader.stdout is not None
    reader.stdout.readline()
    reader.stdout.close()  # what `| head -1` does
    _, err = reader.communicate(timeout=60)
    assert reader.returncode == BROKEN_PIPE_EXIT
    assert b"BrokenPipe" not in err
    assert err == b""


def test_an_index_file_ingested_as_equity_gets_a_hint(tmp_path: Path) -> None:
    days = pd.bdate_range("1962-01-02", periods=40)
    lines = ["Date,Open,High,Low,Close,Adj Close,Volume"] + [
        f"{d.date()},{0.0 if i < 30 else 70.0},71,69,70,70,1000" for i, d in enumerate(days)
    ]
    path = tmp_path / "index.csv"
    path.write_text("\n".join(lines) + "\n")
    catalog = str(tmp_path / "catalog")
    base = ["ingest", str(path), "--format", "yahoo", "--symbol", "IDX", "--catalog", catalog]
    code, out, err = _invoke(*base, "--name", "eq")
    assert code == 0, err
    assert "30 quarantined rows have a close but no open" in out
    assert "--asset-class index" in out
    code, out, _ = _invoke(*base, "--name", "ix", "--asset-class", "index")
    assert code == 0
    assert "hint:" not in out
    assert Catalog(tmp_path / "catalog").info("ix").rows.get("rejected", 0) == 0


def test_a_benchmark_from_elsewhere_named_bare_gets_the_dataset_syntax(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    for name, symbol in (("stocks", "AAA"), ("idx", "IDX")):
        path = _one_instrument_csv(tmp_path / f"{name}.csv")
        code, _, err = _invoke(
            "ingest",
            str(path),
            "--name",
            name,
            "--catalog",
            str(catalog),
            "--columns",
            COLUMNS,
            "--symbol",
            symbol,
        )
        assert code == 0, err
    code, _, err = _invoke(
        "run",
        CROSSOVER,
        "--data",
        "stocks",
        "--catalog",
        str(catalog),
        "--benchmark",
        "IDX",
        "--output",
        str(tmp_path / "out"),
    )
    assert code == 3
    assert "--benchmark 'IDX' is not a symbol of dataset 'stocks'" in err
    assert "--benchmark idx:IDX" in err


def test_parameter_values_are_converted_to_the_declared_type() -> None:
    from decimal import Decimal

    from rustybt.engine.params import coerce_param

    assert coerce_param("n", "12", 5) == 12
    assert coerce_param("n", 12.0, 5) == 12
    assert coerce_param("x", 2, 0.5) == 2.0
    assert coerce_param("x", "0.25", Decimal("1")) == Decimal("0.25")
    assert coerce_param("flag", "yes", False) is True
    assert coerce_param("name", 7, "abc") == "7"
    for name, value, default in (
        ("n", "ten", 5),
        ("n", True, 5),
        ("x", "nan", 0.5),
        ("x", "abc", 0.5),
        ("flag", "maybe", False),
        ("items", 3, [1]),
    ):
        with pytest.raises(ConfigError, match=f"parameter '{name}' takes"):
            coerce_param(name, value, default)


def test_cost_models_refuse_negative_costs_in_python_too() -> None:
    from rustybt.engine.execution import PerDollar, PerShare, PerTrade

    for build in (
        lambda: PerDollar(rate=-0.0003),
        lambda: PerShare(cost=-0.01),
        lambda: PerShare(min_trade_cost=float("nan")),
        lambda: PerTrade(cost=-1.0),
    ):
        with pytest.raises(ConfigError, match="must be a finite number >= 0"):
            build()
    assert PerDollar(rate=0.0).rate == 0.0


def test_start_after_end_is_refused_in_python_too() -> None:
    from rustybt import FunctionStrategy, run_backtest
    from rustybt.data.synthetic import demo_panel

    strategy = FunctionStrategy(handle_data=lambda context, data: None)
    with pytest.raises(ConfigError, match="start 2017-01-01 is after end 2016-01-01"):
        run_backtest(strategy, demo_panel(), start="2017-01-01", end="2016-01-01")
