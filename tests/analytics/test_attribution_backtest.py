"""Attribution of a real engine run on the demo panel (sectors from Asset.sector)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rustybt import BacktestResult, load_strategy_file, run_backtest
from rustybt.analytics.attribution import (
    attribution_report,
    brinson_figure,
    brinson_from_result,
    factor_contribution_figure,
    factor_regression,
    timing_selection_from_result,
)
from rustybt.data.synthetic import demo_benchmark, demo_panel

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def result() -> BacktestResult:
    strategy = load_strategy_file(ROOT / "examples" / "momentum_rotation.py", top_k=5)
    return run_backtest(strategy, demo_panel(), benchmark=demo_benchmark())


def test_brinson_on_demo_run_is_exact(result: BacktestResult) -> None:
    attribution = brinson_from_result(result)
    sectors = {a.sector for a in demo_panel().assets}
    assert set(attribution.groups) == {*sectors, "Cash"}
    np.testing.assert_allclose(attribution.benchmark_weights.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(attribution.portfolio_weights.sum(axis=1), 1.0, atol=1e-12)
    totals = attribution.linked_totals()
    effects = totals[["allocation", "selection", "interaction"]].sum()
    assert abs(effects - attribution.total_active_return) < 1e-10
    # holdings return + what happened inside the session = the engine's return
    actual = result.returns.loc[attribution.portfolio_return.index].to_numpy()
    np.testing.assert_allclose(
        attribution.portfolio_return + attribution.unexplained, actual, atol=1e-12
    )
    assert attribution.unexplained is not None
    assert attribution.unexplained.abs().median() < 1e-3


def test_brinson_one_session_by_hand(result: BacktestResult) -> None:
    attribution = brinson_from_result(result)
    panel = demo_panel()  # the benchmark universe is the whole data, traded or not
    assert attribution.benchmark_universe.startswith("all 20 assets")
    session = attribution.portfolio_return.index[400]
    t = panel.index.get_loc(session)
    asset_r = panel.close[t] / panel.close[t - 1] - 1
    sectors = np.array([a.sector for a in panel.assets])
    bench = asset_r.mean()  # equal weight over the 20 assets
    prev = result.perf.index[result.perf.index.get_loc(session) - 1]
    held = result.positions[result.positions["session"] == prev]
    pv = result.perf.at[prev, "portfolio_value"]
    symbols = list(panel.symbols)
    wp = np.zeros(len(symbols))
    for _, row in held.iterrows():
        wp[symbols.index(row["symbol"])] = row["market_value"] / pv
    sector = "Technology"
    mask = sectors == sector
    wp_g, wb_g = wp[mask].sum(), mask.mean()
    rb_g = asset_r[mask].mean()
    expected_allocation = (wp_g - wb_g) * (rb_g - bench)
    assert attribution.benchmark_return.loc[session] == pytest.approx(bench, abs=1e-14)
    assert attribution.allocation.at[session, sector] == pytest.approx(
        expected_allocation, abs=1e-14
    )
    if wp_g > 0:
        rp_g = (wp[mask] * asset_r[mask]).sum() / wp_g
        assert attribution.selection.at[session, sector] == pytest.approx(
            wb_g * (rp_g - rb_g), abs=1e-14
        )


def test_traded_only_universe_is_labelled_as_hindsight(result: BacktestResult) -> None:
    assert result.bars is not None
    traded = brinson_from_result(result, universe="traded")
    assert "hindsight" in traded.benchmark_universe
    assert f"only the {len(result.bars.assets)} traded assets" in traded.benchmark_universe
    # an old result without a universe falls back and says why
    old = dataclasses.replace(result, universe=pd.DataFrame(), _trades=None)
    assert "carries no data universe" in brinson_from_result(old).benchmark_universe


def test_sectors_and_universe_survive_save_and_load(result: BacktestResult, tmp_path: Path) -> None:
    loaded = BacktestResult.load(result.save(tmp_path / "saved"))
    assert loaded.bars is not None
    assert result.bars is not None
    assert [a.sector for a in loaded.bars.assets] == [a.sector for a in result.bars.assets]
    assert [a.asset_class for a in loaded.bars.assets] == [
        a.asset_class for a in result.bars.assets
    ]
    pd.testing.assert_frame_equal(loaded.universe, result.universe, check_freq=False)
    before, after = brinson_from_result(result), brinson_from_result(loaded)
    assert after.to_dict() == before.to_dict()


def test_value_weighted_and_custom_benchmark(result: BacktestResult) -> None:
    value = brinson_from_result(result, benchmark_weights="value")
    assert abs(value.linked()["total"].sum() - value.total_active_return) < 1e-10
    symbols = list(demo_panel().symbols)
    only_two = pd.Series({symbols[0]: 1.0, symbols[1]: 3.0})
    custom = brinson_from_result(result, benchmark_weights=only_two)
    w = custom.benchmark_weights.iloc[10]
    assert w.sum() == pytest.approx(1.0)
    grouping = {s: ("even" if i % 2 == 0 else "odd") for i, s in enumerate(symbols)}
    grouped = brinson_from_result(result, grouping=grouping)
    assert set(grouped.groups) == {"even", "odd", "Cash"}


def test_timing_selection_on_demo_run(result: BacktestResult) -> None:
    split = timing_selection_from_result(result)
    returns = result.returns.to_numpy()
    np.testing.assert_allclose(split.components.sum(axis=1), returns, atol=1e-12)
    assert split.linked().sum() == pytest.approx(np.prod(1 + returns) - 1, abs=1e-12)


def test_report_and_figures_render(result: BacktestResult, tmp_path: Path) -> None:
    report = attribution_report(result, n_bootstrap=200)
    assert report.capm is not None
    assert report.brinson is not None
    assert report.factor_model is None
    payload = json.dumps(report.to_dict())
    assert "allocation" in payload
    html = report._repr_html_()
    assert "Brinson-Fachler" in html
    assert "Alpha is" in html
    assert set(report.summaries()) >= {"capm", "brinson", "sharpe_luck", "alpha_bootstrap"}
    for by in ("group", "period"):
        path = tmp_path / f"brinson_{by}.png"
        brinson_figure(report.brinson, by=by).savefig(path)
        assert path.stat().st_size > 5_000
    path = tmp_path / "factors.png"
    factor_contribution_figure(report.capm).savefig(path)
    assert path.stat().st_size > 5_000


def test_report_on_plain_returns_with_factors() -> None:
    rng = np.random.default_rng(0)
    index = pd.bdate_range("2019-01-01", periods=600)
    factors = pd.DataFrame(
        {"Mkt-RF": rng.normal(0.0004, 0.01, 600), "SMB": rng.normal(0, 0.005, 600)}, index=index
    )
    returns = 0.9 * factors["Mkt-RF"] + rng.normal(0, 0.002, 600)
    report = attribution_report(returns, factors=factors, n_bootstrap=200)
    assert report.brinson is None
    assert report.capm is None
    assert report.factor_model is not None
    reference = factor_regression(returns, factors)
    assert report.factor_model.alpha == reference.alpha
    assert report.alpha_bootstrap is not None
