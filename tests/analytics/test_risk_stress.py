"""Loaders, historical stress tests on real GSPC / Fama-French data, exposures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt.analytics.risk import (
    HISTORICAL_SCENARIOS,
    estimate_betas,
    estimate_loadings,
    factor_stress_test,
    historical_scenario,
    load_fama_french,
    load_index_csv,
    prices_to_returns,
    stress_test,
    window_move,
)
from rustybt.errors import ConfigError, DataError, DataNotFound, SchemaError, ValidationError


@pytest.fixture(scope="module")
def gspc(shared_data: Path) -> pd.Series:
    return prices_to_returns(load_index_csv(shared_data / "GSPC_daily_1927_2023.csv"))


@pytest.mark.realdata
def test_gspc_known_answers(gspc: pd.Series) -> None:
    assert gspc.loc["1987-10-19"] == pytest.approx(-0.2047, abs=5e-5)
    covid = historical_scenario("covid_2020")
    total, drawdown, sessions = window_move(gspc, covid)
    assert drawdown == pytest.approx(2237.39990234375 / 3386.149902 - 1, abs=1e-9)  # -33.92%
    assert total == pytest.approx(2237.39990234375 / 3370.290039 - 1, abs=1e-9)
    assert sessions == 24
    black = window_move(gspc, historical_scenario("black_monday_1987"))
    assert black[0] == pytest.approx(224.839996 / 314.519989 - 1, abs=1e-8)  # -28.5%


@pytest.mark.realdata
def test_fama_french_files_parse(shared_data: Path) -> None:
    factors = load_fama_french(shared_data / "F-F_Research_Data_Factors_daily.CSV")
    assert list(factors.columns) == ["Mkt-RF", "SMB", "HML", "RF"]
    assert factors.loc["1987-10-19", "Mkt-RF"] == pytest.approx(-0.1744, abs=1e-15)
    assert len(factors) == 25_901
    assert factors.index[0] == pd.Timestamp("1926-07-01")
    momentum = load_fama_french(shared_data / "F-F_Momentum_Factor_daily.CSV")
    assert list(momentum.columns) == ["Mom"]
    assert len(momentum) == 25_800
    assert momentum.loc["1939-09-05", "Mom"] == pytest.approx(-0.1844, abs=1e-15)
    assert momentum["Mom"].iloc[-1] == pytest.approx(-0.0107, abs=1e-15)


@pytest.mark.realdata
def test_stress_applies_measured_betas_to_real_windows(gspc: pd.Series) -> None:
    rng = np.random.default_rng(0)
    history = gspc.loc["2018-01-01":"2019-12-31"]
    market = history.to_numpy()
    assets = pd.DataFrame(
        {"HIGH": 1.5 * market + rng.normal(0, 0.002, len(market)), "HEDGE": -0.5 * market},
        index=history.index,
    )
    betas = estimate_betas(assets, gspc)
    assert betas.loc["HEDGE", "beta"] == pytest.approx(-0.5, abs=1e-12)
    assert betas.loc["HIGH", "beta"] == pytest.approx(1.5, abs=0.05)
    positions = {"HIGH": 600_000.0, "HEDGE": 200_000.0}
    strategy = pd.Series(0.8 * market, index=history.index)
    result = stress_test(
        positions, betas["beta"], gspc, portfolio_value=1_000_000.0, strategy_returns=strategy
    )
    covid = result.table.loc["covid_2020"]
    index_move = window_move(gspc, historical_scenario("covid_2020"))[0]
    expected = 600_000 * betas.loc["HIGH", "beta"] * index_move - 100_000 * index_move
    assert covid["pnl"] == pytest.approx(expected, rel=1e-12)
    assert covid["return"] == pytest.approx(expected / 1_000_000.0, rel=1e-12)
    assert covid["market_return"] == pytest.approx(index_move, abs=1e-15)
    assert np.isnan(covid["strategy_return"])  # the strategy's history ends in 2019
    assert list(result.table.index) == [s.name for s in HISTORICAL_SCENARIOS]
    assert result.by_position.sum(axis=0).to_numpy() == pytest.approx(
        result.table["pnl"].to_numpy()
    )


@pytest.mark.realdata
def test_strategy_history_covering_a_window_is_reported(gspc: pd.Series) -> None:
    history = gspc.loc["2019-06-01":"2020-06-30"]
    assets = pd.DataFrame({"SPX": history.to_numpy()}, index=history.index)
    result = stress_test({"SPX": 1.0}, {"SPX": 1.0}, gspc, strategy_returns=history)
    row = result.table.loc["covid_2020"]
    assert row["strategy_return"] == pytest.approx(row["market_return"], abs=1e-12)
    assert row["pnl"] == pytest.approx(row["market_return"], abs=1e-12)
    assert estimate_betas(assets, gspc).loc["SPX", "beta"] == pytest.approx(1.0, abs=1e-12)


@pytest.mark.realdata
def test_factor_stress_with_fama_french(shared_data: Path) -> None:
    ff = load_fama_french(shared_data / "F-F_Research_Data_Factors_daily.CSV")
    factors = ff[["Mkt-RF", "SMB", "HML"]]
    sample = factors.loc["2015-01-01":"2018-12-31"]
    rng = np.random.default_rng(1)
    assets = pd.DataFrame(
        {"VAL": 0.9 * sample["Mkt-RF"] + 0.6 * sample["HML"] + rng.normal(0, 1e-4, len(sample))},
        index=sample.index,
    )
    loadings = estimate_loadings(assets, factors)
    assert loadings.loc["VAL", "HML"] == pytest.approx(0.6, abs=0.01)
    result = factor_stress_test({"VAL": 100_000.0}, loadings, factors, portfolio_value=100_000.0)
    window = ff.loc["1987-10-14":"1987-10-19"]
    moves = (1 + window[["Mkt-RF", "SMB", "HML"]]).prod() - 1
    expected = 100_000.0 * float(loadings.loc["VAL", ["Mkt-RF", "SMB", "HML"]] @ moves)
    assert result.table.loc["black_monday_1987", "pnl"] == pytest.approx(expected, rel=1e-12)
    assert result.table.loc["black_monday_1987", "market_return"] == pytest.approx(moves["Mkt-RF"])


def test_unmeasured_positions_get_beta_one() -> None:
    index = pd.bdate_range("2020-02-14", periods=40)
    market = pd.Series(np.linspace(-0.01, 0.01, 40), index=index)
    result = stress_test({"NEW": 1000.0}, {}, market)
    row = result.table.loc["covid_2020"]
    assert row["assumed"] == 1
    assert row["pnl"] == pytest.approx(1000.0 * row["market_return"])
    assert np.isnan(result.table.loc["black_monday_1987", "pnl"])  # index has no data then


def test_scenario_lookup() -> None:
    assert historical_scenario("flash_crash_2010").window == (
        pd.Timestamp("2010-05-06"),
        pd.Timestamp("2010-05-06"),
    )
    with pytest.raises(ConfigError, match="unknown scenario"):
        historical_scenario("dotcom")


def _write(tmp_path: Path, text: str, name: str = "file.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_index_loader_errors_name_file_and_line(tmp_path: Path) -> None:
    header = "Date,Open,High,Low,Close,Adj Close,Volume\n"
    good = _write(tmp_path, header + "2020-01-02,0,1,1,10.5,10.5,0\n2020-01-03,0,1,1,null,null,0\n")
    assert load_index_csv(good).to_dict() == {pd.Timestamp("2020-01-02"): 10.5}
    bad = _write(tmp_path, header + "2020-01-02,1,1,1,10,10,0\n2020-01-03,1,1,1,abc,10,0\n")
    with pytest.raises(SchemaError) as info:
        load_index_csv(bad)
    assert info.value.context["line"] == 3
    assert info.value.context["file"] == str(bad)
    negative = _write(tmp_path, header + "2020-01-02,1,1,1,-1,10,0\n")
    with pytest.raises(ValidationError, match="positive"):
        load_index_csv(negative)
    unsorted = _write(tmp_path, header + "2020-01-03,1,1,1,1,1,0\n2020-01-02,1,1,1,1,1,0\n")
    with pytest.raises(ValidationError) as order:
        load_index_csv(unsorted)
    assert order.value.context["line"] == 3
    with pytest.raises(SchemaError, match="'Date' and 'Close'"):
        load_index_csv(_write(tmp_path, "when,price\n2020-01-02,1\n"))
    with pytest.raises(DataNotFound):
        load_index_csv(tmp_path / "missing.csv")


def test_fama_french_loader_errors_name_file_and_line(tmp_path: Path) -> None:
    text = "preamble\n\n,Mkt-RF,SMB\n20200102,  1.00,  x\n"
    with pytest.raises(SchemaError) as info:
        load_fama_french(_write(tmp_path, text))
    assert info.value.context["line"] == 4
    with pytest.raises(SchemaError, match="has no header line"):
        load_fama_french(_write(tmp_path, "just text\n20200102,1\n"))
    with pytest.raises(SchemaError, match="line 2: expected 2 value"):
        load_fama_french(_write(tmp_path, ",A,B\n20200102,1\n"))
    with pytest.raises(DataError):
        load_fama_french(_write(tmp_path, ",A\n20200103,1\n20200102,1\n"))
    missing = load_fama_french(_write(tmp_path, ",A,B\n20200102,-99.99,1\n20200103,-999,2\n"))
    assert missing["A"].isna().all()
    assert list(missing["B"]) == [0.01, 0.02]


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(
        st.tuples(
            st.decimals(min_value=-50, max_value=50, places=2),
            st.decimals(min_value=-50, max_value=50, places=2),
        ),
        min_size=1,
        max_size=20,
    ),
    spreadsheet=st.booleans(),
)
def test_fama_french_round_trip(
    tmp_path_factory: pytest.TempPathFactory, values: list, spreadsheet: bool
) -> None:
    dates = pd.bdate_range("2001-01-02", periods=len(values))
    tail = "," if spreadsheet else ""
    lines = ["Preamble line,," if spreadsheet else "Preamble line", "", f",X,Y{tail}"]
    lines += [f"{d:%Y%m%d},{a:>8},{b:>8}{tail}" for d, (a, b) in zip(dates, values, strict=True)]
    lines += [",," if spreadsheet else "", "Copyright"]
    path = tmp_path_factory.mktemp("ff") / "f.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = load_fama_french(path)
    expected = np.array([[float(a), float(b)] for a, b in values]) / 100.0
    markers = np.isin(np.array([[float(a), float(b)] for a, b in values]), (-99.99, -999.0))
    np.testing.assert_array_equal(np.isnan(loaded.to_numpy()), markers)
    np.testing.assert_allclose(loaded.to_numpy()[~markers], expected[~markers], rtol=0, atol=0)
    assert list(loaded.index) == list(dates)
