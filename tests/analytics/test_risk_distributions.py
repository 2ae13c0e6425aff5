"""The scipy.special-only distribution functions equal scipy.stats (the report avoids importing it)."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from rustybt.analytics.risk import distributions as d

probabilities = st.floats(1e-9, 1 - 1e-9)


@given(probabilities)
def test_norm_ppf_cdf_pdf(q: float) -> None:
    z = d.norm_ppf(q)
    assert z == pytest.approx(float(stats.norm.ppf(q)), rel=1e-12, abs=1e-12)
    assert d.norm_cdf(z) == pytest.approx(float(stats.norm.cdf(z)), rel=1e-12, abs=1e-300)
    assert d.norm_pdf(z) == pytest.approx(float(stats.norm.pdf(z)), rel=1e-12, abs=1e-300)


@given(probabilities, st.integers(1, 5_000))
def test_t_ppf(q: float, dof: int) -> None:
    assert d.t_ppf(q, dof) == pytest.approx(float(stats.t.ppf(q, dof)), rel=1e-12, abs=1e-12)


@given(st.floats(0.0, 200.0), st.integers(1, 4))
def test_chi2_sf(x: float, dof: int) -> None:
    assert d.chi2_sf(x, dof) == pytest.approx(float(stats.chi2.sf(x, dof)), rel=1e-12, abs=1e-300)


def test_known_values() -> None:
    assert d.norm_ppf(0.05) == pytest.approx(-1.6448536269514722, abs=1e-15)
    assert d.norm_pdf(0.0) == pytest.approx(1 / np.sqrt(2 * np.pi), abs=1e-16)
    assert d.chi2_sf(3.841458820694124, 1) == pytest.approx(0.05, abs=1e-14)
    assert d.t_ppf(0.975, 10) == pytest.approx(2.228138851986274, abs=1e-13)


@settings(max_examples=30)
@given(st.floats(0.01, 50.0), st.integers(1, 30), st.floats(2.5, 200.0))
def test_f_logpdf(scale: float, dfn: int, dfd: float) -> None:
    x = np.linspace(0.01, 5.0, 40) * scale
    np.testing.assert_allclose(d.f_logpdf(x, dfn, dfd), stats.f.logpdf(x, dfn, dfd), rtol=1e-12)


def test_row_skew_and_kurtosis() -> None:
    rng = np.random.default_rng(5)
    rows = rng.standard_t(4, size=(50, 250)) * 0.01
    rows[3] = 0.002  # a constant row has no shape: NaN, as scipy
    with warnings.catch_warnings():  # scipy warns about the constant row
        warnings.simplefilter("ignore", RuntimeWarning)
        skews, kurts = stats.skew(rows, axis=1), stats.kurtosis(rows, axis=1)
    np.testing.assert_allclose(d.row_skew(rows), skews, rtol=1e-12)
    np.testing.assert_allclose(d.row_kurtosis(rows), kurts, rtol=1e-12)
    assert np.isnan(d.row_skew(rows)[3])


def test_report_path_does_not_import_scipy_stats() -> None:
    code = (
        "import sys\n"
        "import numpy as np, pandas as pd\n"
        "from rustybt.report import ReportGenerator\n"
        "idx = pd.bdate_range('2019-01-01', periods=600, tz='UTC')\n"
        "r = pd.Series(np.random.default_rng(1).normal(0.0005, 0.01, 600), index=idx)\n"
        "ReportGenerator(r).build()\n"
        "print('scipy.stats' in sys.modules, 'matplotlib' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
