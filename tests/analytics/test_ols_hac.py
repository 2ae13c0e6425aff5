"""`ols_hac` gives statsmodels' OLS + Newey-West numbers exactly (it replaced statsmodels
in the attribution regressions so a report does not pay for importing it)."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.regression.linear_model import OLS  # type: ignore[import-untyped]  # no stubs

from rustybt.analytics.attribution import capm_regression
from rustybt.analytics.attribution.ols_hac import ols_hac


@pytest.mark.parametrize("seed", range(12))
def test_equals_statsmodels_hac(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(12, 2600))
    k = int(rng.integers(1, 5))
    lags = int(rng.integers(0, 12))
    confidence = (0.9, 0.95, 0.99)[seed % 3]
    design = np.column_stack([np.ones(n), rng.normal(0.0, 0.01, (n, k))])
    y = design @ rng.normal(0.0, 0.5, k + 1) + rng.standard_t(4, n) * 0.01
    expected = OLS(y, design).fit(
        cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}
    )
    fit = ols_hac(y, design, maxlags=lags, confidence=confidence)
    for ours, theirs in [
        (fit.params, expected.params),
        (fit.bse, expected.bse),
        (fit.tvalues, expected.tvalues),
        (fit.pvalues, expected.pvalues),
        (fit.conf_int, expected.conf_int(alpha=1.0 - confidence)),
        (fit.rsquared, expected.rsquared),
        (fit.rsquared_adj, expected.rsquared_adj),
    ]:
        np.testing.assert_allclose(ours, theirs, rtol=0.0, atol=1e-12)


def test_capm_regression_matches_statsmodels_on_a_known_series() -> None:
    rng = np.random.default_rng(7)
    import pandas as pd

    index = pd.bdate_range("2020-01-01", periods=750, tz="UTC")
    bench = pd.Series(rng.normal(0.0004, 0.01, 750), index=index)
    returns = 0.0002 + 1.3 * bench + pd.Series(rng.normal(0.0, 0.004, 750), index=index)
    fit = capm_regression(returns, bench)
    design = np.column_stack([np.ones(750), bench.to_numpy()])
    expected = OLS(returns.to_numpy(), design).fit(
        cov_type="HAC", cov_kwds={"maxlags": fit.hac_maxlags, "use_correction": True}
    )
    np.testing.assert_allclose(fit.coefficients.to_numpy(), expected.params, rtol=0, atol=1e-12)
    np.testing.assert_allclose(fit.std_errors.to_numpy(), expected.bse, rtol=0, atol=1e-12)
    np.testing.assert_allclose(fit.p_values.to_numpy(), expected.pvalues, rtol=0, atol=1e-12)
    assert fit.coefficients.iloc[1] == pytest.approx(1.3, abs=0.05)
