"""Attribution identities: a textbook Brinson case by hand, and a momentum strategy
on the real 505-ticker S&P 500 data against the Fama-French/Carhart factors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rustybt import load_strategy_file, run_backtest
from rustybt.analytics.attribution import attribution_report, brinson_fachler
from rustybt.data.catalog import Catalog
from rustybt.data.factors import load_carhart_factors

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_two_sectors_two_periods_worked_by_hand() -> None:
    # Period 1: portfolio 60/40 in A/B returning 10%/2%; benchmark 50/50 returning 8%/4%.
    #   R = .6*.10 + .4*.02 = .068, B = .5*.08 + .5*.04 = .06, active .008
    #   allocation (wp-wb)(rb-B): A .1*.02 = .002, B -.1*-.02 = .002      -> .004
    #   selection  wb(rp-rb):     A .5*.02 = .01,  B .5*-.02 = -.01       -> 0
    #   interaction (wp-wb)(rp-rb): A .1*.02 = .002, B -.1*-.02 = .002    -> .004
    # Period 2: portfolio 30/70 returning -5%/3%; benchmark 50/50 returning -4%/1%.
    #   R = -.015 + .021 = .006, B = -.02 + .005 = -.015, active .021
    #   allocation: A -.2*(-.04+.015) = .005, B .2*(.01+.015) = .005     -> .010
    #   selection:  A .5*-.01 = -.005, B .5*.02 = .01                      -> .005
    #   interaction: A -.2*-.01 = .002, B .2*.02 = .004                    -> .006
    periods = pd.Index([1, 2])
    sectors = ["A", "B"]
    result = brinson_fachler(
        pd.DataFrame([[0.6, 0.4], [0.3, 0.7]], index=periods, columns=sectors),
        pd.DataFrame([[0.10, 0.02], [-0.05, 0.03]], index=periods, columns=sectors),
        pd.DataFrame([[0.5, 0.5], [0.5, 0.5]], index=periods, columns=sectors),
        pd.DataFrame([[0.08, 0.04], [-0.04, 0.01]], index=periods, columns=sectors),
    )
    per_period = result.per_period()
    np.testing.assert_allclose(
        per_period[["allocation", "selection", "interaction"]].to_numpy(),
        [[0.004, 0.0, 0.004], [0.010, 0.005, 0.006]],
        atol=1e-15,
    )
    # Carino: k_t = ln((1+R_t)/(1+B_t))/(R_t-B_t), K over the span; linked = sum(k_t x_t)/K.
    k1 = math.log(1.068 / 1.06) / 0.008
    k2 = math.log(1.006 / 0.985) / 0.021
    total_r, total_b = 1.068 * 1.006 - 1, 1.06 * 0.985 - 1  # .074408 and .0441
    big_k = math.log((1 + total_r) / (1 + total_b)) / (total_r - total_b)
    totals = result.linked_totals()
    assert totals["allocation"] == pytest.approx((k1 * 0.004 + k2 * 0.010) / big_k, abs=1e-15)
    assert totals["selection"] == pytest.approx((k1 * 0.0 + k2 * 0.005) / big_k, abs=1e-15)
    assert totals["interaction"] == pytest.approx((k1 * 0.004 + k2 * 0.006) / big_k, abs=1e-15)
    assert totals["active"] == pytest.approx(0.030308, abs=1e-15)
    parts = totals["allocation"] + totals["selection"] + totals["interaction"]
    assert parts == pytest.approx(total_r - total_b, abs=1e-15)


@pytest.mark.realdata
def test_momentum_on_sp500_against_carhart_factors(sp500_catalog: Path, shared_data: Path) -> None:
    panel = Catalog(sp500_catalog).load("sp500")
    strategy = load_strategy_file(EXAMPLES / "momentum_rotation.py", top_k=20)
    result = run_backtest(strategy, panel, capital=1_000_000)
    factors = load_carhart_factors(
        shared_data / "F-F_Research_Data_Factors_daily.CSV",
        shared_data / "F-F_Momentum_Factor_daily.CSV",
    )
    grouping = {asset.symbol: asset.sector or "Unknown" for asset in panel.assets}
    report = attribution_report(result, factors=factors, grouping=grouping, n_bootstrap=200)

    model = report.factor_model
    assert model is not None
    assert list(model.decomposition.columns[-6:]) == [
        "alpha",
        "Mkt-RF",
        "SMB",
        "HML",
        "Mom",
        "residual",
    ]
    # Per period: risk-free + alpha + factor contributions + residual == the return.
    pieces = model.decomposition.sum(axis=1)
    np.testing.assert_allclose(pieces.to_numpy(), model.total_returns.to_numpy(), atol=1e-12)
    # Over the span: the linked pieces add up to the compounded return.
    compounded = float(np.prod(1 + model.total_returns.to_numpy()) - 1)
    assert model.linked_contributions().sum() == pytest.approx(compounded, abs=1e-10)
    assert 0.5 < model.coefficients["Mkt-RF"] < 1.5  # a long-only equity book

    brinson = report.brinson
    assert brinson is not None
    totals = brinson.linked_totals()
    parts = totals["allocation"] + totals["selection"] + totals["interaction"]
    assert parts == pytest.approx(brinson.total_active_return, abs=1e-10)
    assert len(brinson.groups) >= 11  # the 11 GICS sectors (plus cash/unknown when present)
