"""Figures: each one rendered (PNG / HTML) and its drawn numbers checked by hand.

A hand-built returns series and hand-built fills give exact answers (cumulative
path, drawdown, months, trade counts per cell); a real engine run on the demo
data checks the figures against the metrics and trades they claim to show.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle
from matplotlib.ticker import PercentFormatter

from rustybt import BacktestResult, load_strategy_file, run_backtest
from rustybt.analytics import plots
from rustybt.analytics.metrics import (
    conditional_value_at_risk,
    cumulative_returns,
    max_drawdown,
    rolling_sharpe,
    rolling_volatility,
    value_at_risk,
)
from rustybt.analytics.plots import interactive
from rustybt.analytics.plots.interactive import PlotlyFigure
from rustybt.analytics.trades import round_trips
from rustybt.data.synthetic import demo_benchmark, demo_panel
from rustybt.errors import ConfigError, SchemaError
from tests.test_docs_examples import python_blocks

ROOT = Path(__file__).resolve().parents[2]
DMA = ROOT / "examples" / "dual_moving_average.py"


# -- fixtures ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def result() -> BacktestResult:
    """The dual moving average example on the demo data, with the demo benchmark."""
    return run_backtest(load_strategy_file(DMA), demo_panel(), benchmark=demo_benchmark())


@pytest.fixture(scope="module")
def closed_count(result: BacktestResult) -> int:
    return int((~result.trades["is_open"]).sum())


@pytest.fixture
def hand_returns() -> pd.Series:
    """Three months of 2024 touched: 30-31 Jan, 1 Feb, 1 Mar."""
    index = pd.DatetimeIndex(["2024-01-30", "2024-01-31", "2024-02-01", "2024-03-01"])
    return pd.Series([0.10, -0.20, 0.05, 0.02], index=index)


@pytest.fixture
def hand_trades() -> pd.DataFrame:
    """Four closed trades (AAA +100, BBB 0, BBB short +20, AAA -50) and one open (CCC)."""
    stamps = [
        "2024-01-05 14:30",  # Fri: AAA buy
        "2024-01-08 14:30",
        "2024-01-09 14:30",  # Tue: BBB buy (flat trade)
        "2024-01-10 14:30",
        "2024-01-16 16:00",  # Tue: BBB short
        "2024-01-18 16:00",
        "2024-01-19 15:00",  # Fri: CCC buy, still open
        "2024-03-04 15:00",  # Mon: AAA buy
        "2024-03-06 15:00",
    ]
    fills = pd.DataFrame(
        {
            "timestamp": pd.to_datetime(stamps, utc=True),
            "symbol": ["AAA", "AAA", "BBB", "BBB", "BBB", "BBB", "CCC", "AAA", "AAA"],
            "quantity": [10, -10, 5, -5, -4, 4, 1, 10, -10],
            "price": [100, 110, 20, 20, 50, 45, 10, 100, 95],
        }
    )
    trades = round_trips(fills)
    # No bars here, so excursions are set by hand (trade ids follow opening order).
    trades["mae_pct"] = [0.02, 0.01, 0.03, 0.05, 0.08]
    trades["mfe_pct"] = [0.12, 0.02, 0.11, 0.04, 0.01]
    return trades


def _points(figure: Figure) -> list[np.ndarray]:
    """Offsets of each scatter collection on the figure's first axes."""
    axes = figure.axes[0]
    return [c.get_offsets() for c in axes.collections if isinstance(c, PathCollection)]


def _bars(axes: Axes) -> list[Rectangle]:
    return [p for p in axes.patches if isinstance(p, Rectangle)]


def _image(figure: Figure) -> AxesImage:
    images = figure.axes[0].get_images()
    assert len(images) == 1
    image = images[0]
    assert isinstance(image, AxesImage)
    return image


def _texts(axes: Axes) -> list[str]:
    return [t.get_text() for t in axes.texts]


def _png(figure: Figure, path: Path) -> int:
    figure.savefig(path, dpi=50)
    return path.stat().st_size


# -- packaging ---------------------------------------------------------------------------
def test_importing_plots_loads_neither_matplotlib_nor_plotly() -> None:
    code = (
        "import sys, rustybt.analytics.plots, rustybt.analytics.plots.interactive;"
        "print('matplotlib' in sys.modules, 'plotly' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_missing_plotly_raises_config_error_with_install_hint(
    monkeypatch: pytest.MonkeyPatch, hand_returns: pd.Series
) -> None:
    monkeypatch.setitem(sys.modules, "plotly", None)
    monkeypatch.setitem(sys.modules, "plotly.graph_objects", None)
    with pytest.raises(ConfigError, match=r"pip install -e '\.\[interactive\]'") as info:
        interactive.plot_equity_curve(hand_returns)
    # This project's extra, never the unrelated PyPI package named rustybt.
    assert info.value.hint is not None
    assert "pip install -e '.[interactive]'" in info.value.hint
    assert "not 'pip install rustybt'" in info.value.hint


def test_missing_matplotlib_raises_config_error_with_install_hint(
    monkeypatch: pytest.MonkeyPatch, hand_returns: pd.Series
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ConfigError, match="matplotlib") as info:
        plots.plot_drawdown(hand_returns)
    assert info.value.hint is not None
    assert "pip install -e '.[plot]'" in info.value.hint
    assert "not 'pip install rustybt'" in info.value.hint


def test_bad_inputs_raise_actionable_errors(
    hand_returns: pd.Series, hand_trades: pd.DataFrame
) -> None:
    with pytest.raises(ConfigError, match="BacktestResult or a returns Series"):
        plots.plot_equity_curve([0.01, 0.02])  # type: ignore[arg-type]  # wrong type on purpose
    with pytest.raises(SchemaError, match="mae_pct"):
        plots.plot_mae_scatter(hand_trades.drop(columns=["mae_pct"]))
    with pytest.raises(ConfigError, match="needs a benchmark"):
        plots.plot_rolling_beta(hand_returns, window=2)
    with pytest.raises(ConfigError, match="window"):
        plots.plot_rolling_sharpe(hand_returns, window=1)
    with pytest.raises(ConfigError, match="time zone"):
        plots.trade_heatmap_table(hand_trades, by="weekday_hour", tz="Mars/Olympus")
    with pytest.raises(ConfigError, match="by must be"):
        plots.trade_heatmap_table(hand_trades, by="symbol")  # type: ignore[arg-type]  # on purpose


# -- returns figures: hand-computed answers -------------------------------------------------
def test_equity_curve_draws_the_compounded_path(hand_returns: pd.Series, tmp_path: Path) -> None:
    figure = plots.plot_equity_curve(hand_returns, title="Mine")
    line = figure.axes[0].lines[0]
    # 1.1 - 1, 1.1 * 0.8 - 1, 0.88 * 1.05 - 1, 0.924 * 1.02 - 1
    np.testing.assert_allclose(line.get_ydata(), [0.10, -0.12, -0.076, -0.05752], atol=1e-12)
    assert figure.axes[0].get_title(loc="left") == "Mine"
    formatter = figure.axes[0].yaxis.get_major_formatter()
    assert isinstance(formatter, PercentFormatter)
    assert formatter.xmax == 1.0
    assert _png(figure, tmp_path / "equity.png") > 1000


def test_equity_curve_benchmark_is_cut_to_the_strategy_window(hand_returns: pd.Series) -> None:
    index = pd.DatetimeIndex(["2024-01-29", "2024-01-30", "2024-01-31", "2024-02-01", "2024-03-01"])
    benchmark = pd.Series([0.5, 0.01, 0.01, 0.01, 0.01], index=index)
    figure = plots.plot_equity_curve(hand_returns, benchmark)
    strategy, bench = figure.axes[0].lines[:2]
    assert bench.get_label() == "Benchmark"
    # The 29 Jan +50% lies before the strategy starts: it must not lift the benchmark.
    np.testing.assert_allclose(bench.get_ydata()[-1], 1.01**4 - 1.0, atol=1e-12)
    assert len(strategy.get_xdata()) == len(bench.get_xdata()) == 4


def test_drawdown_line_minimum_is_the_max_drawdown(hand_returns: pd.Series) -> None:
    figure = plots.plot_drawdown(hand_returns)
    values = figure.axes[0].lines[0].get_ydata()
    # equity 1.1, 0.88, 0.924, 0.94248 under a peak of 1.1
    np.testing.assert_allclose(values, [0.0, -0.2, 0.924 / 1.1 - 1.0, 0.94248 / 1.1 - 1.0])
    assert min(values) == pytest.approx(-0.2)
    assert _texts(figure.axes[0]) == ["max -20.0%"]


def test_returns_distribution_marks_var_and_cvar(tmp_path: Path) -> None:
    returns = pd.Series(np.linspace(-0.05, 0.05, 101))
    figure = plots.plot_returns_distribution(returns, bins=10, cutoff=0.05)
    axes = figure.axes[0]
    bars = _bars(axes)
    assert len(bars) == 10
    # A density histogram has unit area.
    assert sum(b.get_height() * b.get_width() for b in bars) == pytest.approx(1.0)
    var_line, cvar_line = axes.lines[1], axes.lines[2]
    # 5th percentile of -0.05..0.05 in steps of 0.001 is -0.045; CVaR = mean of the 6 lowest.
    assert var_line.get_xdata()[0] == pytest.approx(-0.045)
    assert cvar_line.get_xdata()[0] == pytest.approx(-0.0475)
    assert var_line.get_label() == "VaR 95%: -4.50%"
    assert _png(figure, tmp_path / "dist.png") > 1000


def test_monthly_heatmap_has_one_cell_per_month(hand_returns: pd.Series) -> None:
    figure = plots.plot_monthly_returns(hand_returns)
    image = _image(figure)
    cells = np.ma.getmaskarray(image.get_array())
    assert cells.shape == (1, 12)
    assert int((~cells).sum()) == 3
    # Jan: 1.1 * 0.8 - 1, Feb: 5%, Mar: 2%; year: 0.94248 - 1
    assert _texts(figure.axes[0]) == ["-12.0%", "5.0%", "2.0%"]
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels == ["2024  (-5.8%)"]


# -- returns figures on a real engine run -------------------------------------------------
def test_demo_drawdown_minimum_equals_max_drawdown(result: BacktestResult, tmp_path: Path) -> None:
    figure = plots.plot_drawdown(result)
    values = figure.axes[0].lines[0].get_ydata()
    assert float(np.min(values)) == pytest.approx(max_drawdown(result.returns), abs=1e-15)
    assert _png(figure, tmp_path / "drawdown.png") > 1000


def test_demo_equity_curve_uses_the_result_benchmark(result: BacktestResult) -> None:
    figure = plots.plot_equity_curve(result)
    strategy, bench = figure.axes[0].lines[:2]
    np.testing.assert_allclose(strategy.get_ydata(), cumulative_returns(result.returns).to_numpy())
    expected = cumulative_returns(result.benchmark_returns.dropna()).to_numpy()
    np.testing.assert_allclose(bench.get_ydata(), expected)


def test_demo_monthly_heatmap_covers_48_months(result: BacktestResult) -> None:
    figure = plots.plot_monthly_returns(result)
    cells = np.ma.getmaskarray(_image(figure).get_array())
    assert cells.shape == (4, 12)  # 2015..2018
    assert int((~cells).sum()) == 48
    assert len(_texts(figure.axes[0])) == 48


def test_demo_rolling_figures_draw_the_rolling_metrics(
    result: BacktestResult, tmp_path: Path
) -> None:
    sharpe = plots.plot_rolling_sharpe(result, window=63)
    drawn = sharpe.axes[0].lines[0].get_ydata()
    expected = rolling_sharpe(result.returns, 63).to_numpy()
    np.testing.assert_allclose(drawn, expected, equal_nan=True)
    mean_line = sharpe.axes[0].lines[1]
    assert mean_line.get_ydata()[0] == pytest.approx(np.nanmean(expected))
    assert int(np.isnan(drawn).sum()) == 62

    volatility = plots.plot_rolling_volatility(result.returns, window=63)
    expected_vol = rolling_volatility(result.returns, 63).to_numpy()
    np.testing.assert_allclose(
        volatility.axes[0].lines[0].get_ydata(), expected_vol, equal_nan=True
    )

    beta = plots.plot_rolling_beta(result, window=63)
    values = beta.axes[0].lines[0].get_ydata()
    assert np.isfinite(values[62:]).all()
    for index, figure in enumerate((sharpe, volatility, beta)):
        assert _png(figure, tmp_path / f"rolling{index}.png") > 1000


# -- trade figures ---------------------------------------------------------------------------
def test_mae_scatter_colours_winners_losers_and_flat(hand_trades: pd.DataFrame) -> None:
    figure = plots.plot_mae_scatter(hand_trades)
    winners, losers, flat = _points(figure)
    np.testing.assert_allclose(winners, [[0.02, 100.0], [0.03, 20.0]])
    np.testing.assert_allclose(losers, [[0.08, -50.0]])
    np.testing.assert_allclose(flat, [[0.01, 0.0]])
    labels = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert labels == ["Winners (2)", "Losers (1)", "Flat (1)"]


def test_mfe_scatter_can_plot_returns(hand_trades: pd.DataFrame) -> None:
    figure = plots.plot_mfe_scatter(hand_trades, pnl="return")
    winners, losers, _ = _points(figure)
    np.testing.assert_allclose(winners, [[0.12, 0.10], [0.11, 0.10]])
    np.testing.assert_allclose(losers, [[0.01, -0.05]])


def test_scatter_without_excursions_says_why(hand_trades: pd.DataFrame) -> None:
    trades = hand_trades.assign(mae_pct=np.nan)
    figure = plots.plot_mae_scatter(trades)
    assert _points(figure) == []
    assert "needs the bars" in _texts(figure.axes[0])[0]


def test_demo_scatter_has_one_point_per_closed_trade(
    result: BacktestResult, closed_count: int, tmp_path: Path
) -> None:
    for plot in (plots.plot_mae_scatter, plots.plot_mfe_scatter):
        figure = plot(result)
        assert sum(len(p) for p in _points(figure)) == closed_count
        assert _png(figure, tmp_path / "scatter.png") > 1000


def test_holding_periods_histogram_counts_closed_trades(
    hand_trades: pd.DataFrame, result: BacktestResult, closed_count: int, tmp_path: Path
) -> None:
    figure = plots.plot_holding_periods(hand_trades, unit="days", bins=2)
    heights = [b.get_height() for b in _bars(figure.axes[0])]
    assert heights == [1, 3]  # 1 day | 2, 2, 3 days
    # Without bars there are no bar counts: the panel says so.
    assert _texts(plots.plot_holding_periods(hand_trades).axes[0]) == ["no closed trades"]
    demo = plots.plot_holding_periods(result)
    assert sum(b.get_height() for b in _bars(demo.axes[0])) == closed_count
    assert _png(demo, tmp_path / "holding.png") > 1000


def test_trade_pnl_histogram_stacks_losers_and_winners(
    hand_trades: pd.DataFrame, result: BacktestResult, closed_count: int
) -> None:
    figure = plots.plot_trade_pnl(hand_trades, bins=3)
    bars = _bars(figure.axes[0])
    # bins over [-50, 100]: [-50, 0), [0, 50), [50, 100]; losers, flat, winners stacked.
    heights = [b.get_height() for b in bars]
    assert heights == [1, 0, 0, 0, 1, 0, 0, 1, 1]
    demo = plots.plot_trade_pnl(result)
    assert sum(b.get_height() for b in _bars(demo.axes[0])) == closed_count


def test_trade_heatmap_table_by_asset_and_month(hand_trades: pd.DataFrame) -> None:
    counts = plots.trade_heatmap_table(hand_trades)
    expected = pd.DataFrame(
        [[1, 0, 1], [2, 0, 0]],
        index=pd.Index(["AAA", "BBB"], name="symbol"),
        columns=pd.Index(["2024-01", "2024-02", "2024-03"], name="month"),
    )
    pd.testing.assert_frame_equal(counts, expected)
    pnl = plots.trade_heatmap_table(hand_trades, value="pnl")
    np.testing.assert_array_equal(pnl.to_numpy(), [[100.0, np.nan, -50.0], [20.0, np.nan, np.nan]])


def test_trade_heatmap_table_by_weekday_and_hour_in_a_zone(hand_trades: pd.DataFrame) -> None:
    utc = plots.trade_heatmap_table(hand_trades, by="weekday_hour")
    assert list(utc.index) == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    assert list(utc.columns) == [14, 15, 16]
    np.testing.assert_array_equal(
        utc.to_numpy(), [[0, 1, 0], [1, 0, 1], [0, 0, 0], [0, 0, 0], [1, 0, 0]]
    )
    # New York is UTC-5 on every entry date (DST starts 10 March 2024).
    new_york = plots.trade_heatmap_table(hand_trades, by="weekday_hour", tz="America/New_York")
    assert list(new_york.columns) == [9, 10, 11]
    assert int(new_york.loc["Tue", 11]) == 1


def test_trade_heatmap_figure_matches_its_table(
    hand_trades: pd.DataFrame, result: BacktestResult, closed_count: int, tmp_path: Path
) -> None:
    figure = plots.plot_trade_heatmap(hand_trades, value="pnl")
    assert _image(figure).get_array().shape == (2, 3)
    assert _texts(figure.axes[0]) == ["100", "-50", "20"]
    demo = plots.plot_trade_heatmap(result)
    cells = np.asarray(_image(demo).get_array())
    assert cells.shape == (20, 46)  # 20 symbols, Mar 2015 .. Dec 2018
    assert int(cells.sum()) == closed_count
    assert _texts(demo.axes[0]) == []  # 920 cells: too many to annotate
    weekday = plots.plot_trade_heatmap(result, by="weekday_hour")
    assert int(np.asarray(_image(weekday).get_array()).sum()) == closed_count
    assert _png(demo, tmp_path / "heat.png") > 1000
    assert _png(weekday, tmp_path / "heat2.png") > 1000


def test_trade_figures_with_no_closed_trades(hand_trades: pd.DataFrame) -> None:
    only_open = hand_trades[hand_trades["is_open"]]
    assert plots.trade_heatmap_table(only_open).size == 0
    figure = plots.plot_trade_heatmap(only_open)
    assert _texts(figure.axes[0]) == ["no closed trades"]
    assert _texts(plots.plot_trade_pnl(only_open).axes[0]) == ["no closed trades"]


# -- composition --------------------------------------------------------------------------
def test_ax_draws_into_the_callers_figure(hand_returns: pd.Series) -> None:
    figure = Figure()
    left, right = figure.subplots(1, 2)
    assert plots.plot_equity_curve(hand_returns, ax=left) is figure
    assert plots.plot_drawdown(hand_returns, ax=right) is figure
    assert len(figure.axes) == 2
    assert len(left.lines) >= 1
    assert len(right.lines) == 1


def test_tearsheet_composes_every_panel(result: BacktestResult, tmp_path: Path) -> None:
    figure = plots.tearsheet(result, window=63)
    titles = [a.get_title(loc="left") for a in figure.axes]
    assert titles[:3] == ["Cumulative returns", "Underwater (drawdown)", "Monthly returns"]
    assert "Rolling beta to benchmark (63 periods)" in titles
    assert "MAE vs PnL per trade" in titles
    assert len(figure.axes) == 10  # 9 panels + the heatmap's colour bar
    suptitle = figure.get_suptitle()
    assert suptitle.startswith("DualMovingAverage: total return")
    assert f"max drawdown {max_drawdown(result.returns):.1%}" in suptitle
    assert _png(figure, tmp_path / "tearsheet.png") > 10_000


def test_tearsheet_of_a_plain_series(hand_returns: pd.Series) -> None:
    figure = plots.tearsheet(hand_returns, window=2, title="Hand")
    assert figure.get_suptitle() == "Hand"
    assert len(figure.axes) == 7  # no benchmark, no trades: 6 panels + colour bar


# -- interactive (plotly) -------------------------------------------------------------------
@pytest.fixture(scope="module")
def interactive_figures(result: BacktestResult) -> dict[str, PlotlyFigure]:
    return {
        "equity": interactive.plot_equity_curve(result),
        "drawdown": interactive.plot_drawdown(result),
        "distribution": interactive.plot_returns_distribution(result),
        "monthly": interactive.plot_monthly_returns(result),
        "sharpe": interactive.plot_rolling_sharpe(result, window=63),
        "volatility": interactive.plot_rolling_volatility(result, window=63),
        "beta": interactive.plot_rolling_beta(result, window=63),
        "mae": interactive.plot_mae_scatter(result),
        "mfe": interactive.plot_mfe_scatter(result, pnl="return"),
        "holding": interactive.plot_holding_periods(result),
        "pnl": interactive.plot_trade_pnl(result),
        "heatmap": interactive.plot_trade_heatmap(result),
        "weekday": interactive.plot_trade_heatmap(result, by="weekday_hour", value="pnl"),
    }


def test_interactive_figures_write_html(
    interactive_figures: dict[str, PlotlyFigure], tmp_path: Path
) -> None:
    for name, figure in interactive_figures.items():
        path = tmp_path / f"{name}.html"
        figure.write_html(path, include_plotlyjs=False)
        text = path.read_text()
        assert len(text) > 1000, name
        assert "Plotly.newPlot" in text, name


def test_interactive_figures_hold_the_same_numbers(
    interactive_figures: dict[str, PlotlyFigure], result: BacktestResult, closed_count: int
) -> None:
    figures = interactive_figures
    equity = figures["equity"].data
    np.testing.assert_allclose(equity[0].y, cumulative_returns(result.returns).to_numpy())
    assert [trace.name for trace in equity] == ["Strategy", "Benchmark"]
    drawdown = figures["drawdown"].data[0].y
    assert float(np.min(drawdown)) == pytest.approx(max_drawdown(result.returns), abs=1e-15)
    shapes = figures["distribution"].layout.shapes
    assert shapes[0].x0 == pytest.approx(value_at_risk(result.returns))
    assert shapes[1].x0 == pytest.approx(conditional_value_at_risk(result.returns))
    monthly = np.asarray(figures["monthly"].data[0].z, dtype=float)
    assert int(np.isfinite(monthly).sum()) == 48
    for name in ("mae", "mfe"):
        traces = figures[name].data
        assert sum(len(t.x) for t in traces) == closed_count
    holding = figures["holding"].data[0].y
    assert int(np.sum(holding)) == closed_count
    pnl = figures["pnl"].data
    assert sum(int(np.sum(t.y)) for t in pnl) == closed_count
    heat = np.asarray(figures["heatmap"].data[0].z)
    assert heat.shape == (20, 46)
    assert int(heat.sum()) == closed_count
    total_pnl = sum(float(v) for v in result.trades.loc[~result.trades["is_open"], "net_pnl"])
    weekday = np.asarray(figures["weekday"].data[0].z, dtype=float)
    assert float(np.nansum(weekday)) == pytest.approx(total_pnl)
    sharpe = figures["sharpe"].data[0].y
    np.testing.assert_allclose(
        sharpe, rolling_sharpe(result.returns, 63).to_numpy(), equal_nan=True
    )


def test_interactive_rolling_beta_needs_a_benchmark(hand_returns: pd.Series) -> None:
    with pytest.raises(ConfigError, match="needs a benchmark"):
        interactive.plot_rolling_beta(hand_returns, window=2)


# -- the user guide -------------------------------------------------------------------------
def test_figures_page_snippets_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = python_blocks((ROOT / "docs" / "figures.md").read_text(encoding="utf-8"))
    assert blocks
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "docs_figures"}
    for number, block in enumerate(blocks, start=1):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(block.code, f"figures.md block {number}", "exec"), namespace)  # the docs
        if block.shown_output is not None:
            assert printed.getvalue() == block.shown_output, f"figures.md block {number} output"
    written = sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".png", ".html"))
    assert "tearsheet.png" in written
    assert all((tmp_path / name).stat().st_size > 0 for name in written)
