"""Factor regressions: known betas, exact decomposition, HAC lag rule, loaders, rolling."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt.analytics.attribution import (
    capm_regression,
    factor_regression,
    fama_french_regression,
    load_fama_french_factors,
    load_momentum_factor,
    newey_west_maxlags,
    rolling_factor_regression,
)
from rustybt.errors import ConfigError, DataNotFound, SchemaError, ValidationError

N = 2520
ALPHA = 0.0002
BETA_MKT = 1.2
BETA_SMB = 0.5


@pytest.fixture(scope="module")
def synthetic() -> tuple[pd.Series, pd.DataFrame]:
    """Returns built as exactly rf + alpha + 1.2 Mkt + 0.5 SMB + noise."""
    rng = np.random.default_rng(7)
    index = pd.bdate_range("2010-01-04", periods=N)
    factors = pd.DataFrame(
        {
            "Mkt-RF": rng.normal(0.0004, 0.01, N),
            "SMB": rng.normal(0.0, 0.005, N),
            "HML": rng.normal(0.0, 0.005, N),
            "RF": np.full(N, 0.0001),
        },
        index=index,
    )
    noise = rng.normal(0.0, 0.002, N)
    returns = (
        factors["RF"] + ALPHA + BETA_MKT * factors["Mkt-RF"] + BETA_SMB * factors["SMB"] + noise
    )
    return returns.tz_localize("UTC"), factors


def test_recovers_betas_and_alpha(synthetic: tuple[pd.Series, pd.DataFrame]) -> None:
    returns, factors = synthetic
    fit = fama_french_regression(returns, factors)
    assert fit.n_obs == N
    assert fit.betas["Mkt-RF"] == pytest.approx(BETA_MKT, abs=0.01)
    assert fit.betas["SMB"] == pytest.approx(BETA_SMB, abs=0.02)
    assert fit.betas["HML"] == pytest.approx(0.0, abs=0.02)
    # alpha's standard error is ~0.002 / sqrt(2520) = 4e-5
    assert fit.alpha == pytest.approx(ALPHA, abs=1.5e-4)
    assert fit.alpha_significant
    assert fit.r_squared > 0.97
    low, high = fit.conf_int.loc["Mkt-RF"]
    assert low < BETA_MKT < high
    assert "significantly above zero" in fit.summary()
    assert fit.annual_alpha == pytest.approx((1 + fit.alpha) ** 252 - 1)


def test_decomposition_sums_exactly(synthetic: tuple[pd.Series, pd.DataFrame]) -> None:
    returns, factors = synthetic
    fit = factor_regression(returns, factors, columns=["Mkt-RF", "SMB"])
    parts = fit.decomposition
    assert list(parts.columns) == ["risk_free", "alpha", "Mkt-RF", "SMB", "residual"]
    np.testing.assert_allclose(parts.sum(axis=1), returns.to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(parts["Mkt-RF"], fit.betas["Mkt-RF"] * factors["Mkt-RF"], atol=1e-15)
    cumulative = fit.cumulative_decomposition()
    compounded = np.cumprod(1 + returns.to_numpy()) - 1
    np.testing.assert_allclose(cumulative.sum(axis=1), compounded, rtol=0, atol=1e-12)
    assert fit.linked_contributions().sum() == pytest.approx(compounded[-1], abs=1e-12)


def test_hac_matches_statsmodels_and_lag_rule(synthetic: tuple[pd.Series, pd.DataFrame]) -> None:
    import statsmodels.api as sm

    returns, factors = synthetic
    fit = factor_regression(returns, factors[["Mkt-RF", "RF"]])
    assert fit.hac_maxlags == newey_west_maxlags(N) == 8  # floor(4 * 25.2 ** (2/9)) = 8
    y = returns.to_numpy() - factors["RF"].to_numpy()
    x = sm.add_constant(factors["Mkt-RF"].to_numpy())
    ref = sm.OLS(y, x).fit(cov_type="HAC", cov_kwds={"maxlags": 8, "use_correction": True})
    np.testing.assert_allclose(fit.std_errors.to_numpy(), ref.bse, rtol=1e-10)
    nonrobust = sm.OLS(y, x).fit()
    assert not np.allclose(fit.std_errors.to_numpy(), nonrobust.bse)


def test_newey_west_rule_known_values() -> None:
    assert newey_west_maxlags(100) == 4
    assert newey_west_maxlags(5284) == 9
    assert newey_west_maxlags(0) == 0


def test_capm_with_annual_risk_free_and_tz_mix() -> None:
    rng = np.random.default_rng(3)
    index = pd.bdate_range("2020-01-01", periods=500)
    bench = pd.Series(rng.normal(0.0005, 0.01, 500), index=index)  # naive
    rf_p = (1.03) ** (1 / 252) - 1
    strat = (rf_p + 0.8 * (bench - rf_p)).tz_localize("America/New_York")
    fit = capm_regression(strat, bench, risk_free=0.03)
    assert fit.betas["Mkt-RF"] == pytest.approx(0.8, abs=1e-10)
    assert fit.alpha == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(fit.decomposition["risk_free"], rf_p)


def test_too_few_rows_and_collinear_factors() -> None:
    index = pd.bdate_range("2020-01-01", periods=50)
    rng = np.random.default_rng(0)
    f = pd.DataFrame({"a": rng.normal(size=50)}, index=index)
    f["b"] = 2 * f["a"]
    with pytest.raises(ValidationError, match="collinear"):
        factor_regression(pd.Series(rng.normal(size=50), index=index), f)
    with pytest.raises(ValidationError, match="too few"):
        factor_regression(pd.Series(rng.normal(size=50), index=index + pd.Timedelta(days=3000)), f)
    with pytest.raises(ConfigError):
        fama_french_regression(pd.Series(rng.normal(size=50), index=index), f, model="ff5")


def test_rolling_matches_window_ols(synthetic: tuple[pd.Series, pd.DataFrame]) -> None:
    returns, factors = synthetic
    rolled = rolling_factor_regression(returns, factors, window=126)
    assert len(rolled) == N - 125
    window = slice(1000, 1126)
    y = (returns.to_numpy() - factors["RF"].to_numpy())[window]
    x = np.column_stack([np.ones(126), factors[["Mkt-RF", "SMB", "HML"]].to_numpy()[window]])
    expected = np.linalg.lstsq(x, y, rcond=None)[0]
    row = rolled.iloc[1000]
    np.testing.assert_allclose(row[["alpha", "Mkt-RF", "SMB", "HML"]], expected, rtol=1e-8)
    resid = y - x @ expected
    r2 = 1 - resid @ resid / ((y - y.mean()) @ (y - y.mean()))
    assert row["r_squared"] == pytest.approx(r2, rel=1e-8)
    assert rolled["Mkt-RF"].between(1.1, 1.3).all()


def _write_ff(path: Path, rows: list[tuple[str, list[float]]]) -> None:
    body = "\n".join(f"{d},{','.join(f'{v:8.2f}' for v in vals)},   0.009" for d, vals in rows)
    path.write_text(
        "This file was created by CMPT_ME_BEME_RETS_DAILY\nline two\nline three\n\n"
        f",Mkt-RF,SMB,HML,RF\n{body}\n\nCopyright 2024 Eugene F. Fama and Kenneth R. French\n"
    )


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.lists(st.integers(-2000, 2000), min_size=3, max_size=3), min_size=1, max_size=30)
)
def test_ff_reader_round_trip(
    tmp_path_factory: pytest.TempPathFactory, cents: list[list[int]]
) -> None:
    dates = pd.bdate_range("2001-01-02", periods=len(cents)).strftime("%Y%m%d")
    rows = [(d, [c / 100 for c in vals]) for d, vals in zip(dates, cents, strict=True)]
    path = tmp_path_factory.mktemp("ff") / "ff.csv"
    _write_ff(path, rows)
    frame = load_fama_french_factors(path)
    expected = np.array(cents, dtype=float) / 10_000
    np.testing.assert_allclose(frame[["Mkt-RF", "SMB", "HML"]].to_numpy(), expected, atol=1e-15)
    np.testing.assert_allclose(frame["RF"], 0.00009)
    assert list(frame.index.strftime("%Y%m%d")) == list(dates)


def test_ff_reader_errors_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "ff.csv"
    _write_ff(path, [("20010102", [1.0, 2.0, 3.0]), ("20010103", [1.0, 2.0, 3.0])])
    lines = path.read_text().splitlines()
    lines[6] = "20010103,    1.00,    abc,    3.00,   0.009"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(SchemaError, match=r"ff\.csv line 7") as info:
        load_fama_french_factors(path)
    assert info.value.context["line"] == 7
    lines[6] = "20010103,    1.00,    3.00,   0.009"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(SchemaError, match="line 7: expected 4"):
        load_fama_french_factors(path)
    lines[6] = "20010102,    1.00,    2.00,    3.00,   0.009"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(SchemaError, match="line 7: dates must be strictly increasing"):
        load_fama_french_factors(path)
    path.write_text("no header here\n19260701, 1, 2, 3, 4\n")
    with pytest.raises(SchemaError, match="no header"):
        load_fama_french_factors(path)
    with pytest.raises(DataNotFound):
        load_fama_french_factors(tmp_path / "missing.csv")


def test_momentum_reader_spreadsheet_layout(tmp_path: Path) -> None:
    path = tmp_path / "mom.csv"
    preamble = "".join(f"text line {i},,\n" for i in range(12))
    path.write_text(
        preamble + ",,\n,Mom,\n19261103,0.56,\n19261104,-0.5,\n19261105,-99.99,\n,,\n"
        "Copyright 2024 Eugene F. Fama and Kenneth R. French,,\n"
    )
    frame = load_momentum_factor(path)
    assert list(frame.columns) == ["Mom"]
    np.testing.assert_allclose(frame["Mom"].iloc[:2], [0.0056, -0.005])
    assert np.isnan(frame["Mom"].iloc[2])  # the library's missing marker
