"""Real data: Ken French's factor files and the S&P 500 index."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rustybt.analytics.attribution import (
    fama_french_regression,
    load_carhart_factors,
    load_fama_french_factors,
)

FF3 = "F-F_Research_Data_Factors_daily.CSV"
MOM = "F-F_Momentum_Factor_daily.CSV"


@pytest.mark.realdata
def test_loaders_read_the_library_files(shared_data: Path) -> None:
    ff = load_fama_french_factors(shared_data / FF3)
    assert len(ff) == 25_901
    assert ff.index[0] == pd.Timestamp("1926-07-01")
    assert ff.index[-1] == pd.Timestamp("2024-12-31")
    np.testing.assert_allclose(ff.iloc[0], [0.0010, -0.0025, -0.0027, 0.00009])
    assert ff.loc["1987-10-19", "Mkt-RF"] == pytest.approx(-0.1744)
    assert (ff["RF"] < 0).sum() == 71  # the README's negative T-bill days
    carhart = load_carhart_factors(shared_data / FF3, shared_data / MOM)
    assert list(carhart.columns) == ["Mkt-RF", "SMB", "HML", "Mom", "RF"]
    assert len(carhart) == 25_800
    assert carhart.index[0] == pd.Timestamp("1926-11-03")
    assert carhart.loc["2020-11-09", "Mom"] == pytest.approx(-0.1434)


@pytest.mark.realdata
def test_gspc_on_fama_french_has_unit_market_beta(shared_data: Path) -> None:
    ff = load_fama_french_factors(shared_data / FF3)
    close = pd.read_csv(
        shared_data / "GSPC_daily_1927_2023.csv",
        usecols=["Date", "Close"],
        index_col="Date",
        parse_dates=True,
    )["Close"]
    returns = close.pct_change().loc["2000-01-01":"2020-12-31"]
    fit = fama_french_regression(returns, ff)
    assert 0.95 <= fit.betas["Mkt-RF"] <= 1.05
    assert fit.r_squared > 0.95
    assert fit.n_obs == len(returns)
    assert fit.hac_maxlags == 9
    # The index is large-cap: it loads negatively on small minus big.
    assert fit.betas["SMB"] < 0
    np.testing.assert_allclose(fit.decomposition.sum(axis=1), returns.to_numpy(), atol=1e-12)
