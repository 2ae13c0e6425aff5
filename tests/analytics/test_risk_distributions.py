"""The pure-Python distribution functions equal scipy (the report imports no scipy)."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from rustybt.analytics.metrics.special import chdtrc, ndtr, ndtri, stdtrit, xlogy
from rustybt.analytics.risk import distributions as d
from rustybt.errors import ConfigError

probabilities = st.floats(1e-9, 1 - 1e-9)


@given(probabilities)
def test_norm_ppf_cdf_pdf(q: float) -> None:
    z = d.norm_ppf(q)
    assert z == pytest.approx(float(stats.norm.ppf(q)), rel=1e-12, abs=1e-12)
    assert d.norm_cdf(z) == pytest.approx(float(stats.norm.cdf(z)), rel=1e-12, abs=1e-300)
    assert d.norm_pdf(z) == pytest.approx(float(stats.norm.pdf(z)), rel=1e-12, abs=1e-300)


@given(probabilities, st.integers(1, 6_000))
def test_t_ppf(q: float, dof: int) -> None:
    ours = d.t_ppf(q, dof)
    if abs(q - 0.5) > 0.01:
        assert ours == pytest.approx(float(stats.t.ppf(q, dof)), rel=1e-12)
    # everywhere (scipy's quantile loses digits within 1e-6 of the median; its CDF
    # does not): our quantile put back through scipy's CDF gives q
    assert float(special.stdtr(dof, ours)) == pytest.approx(q, rel=1e-12, abs=1e-15)


@given(st.floats(-40.0, 40.0))
def test_pure_python_normal_and_xlogy(x: float) -> None:
    assert ndtr(x) == pytest.approx(float(special.ndtr(x)), rel=1e-12, abs=1e-300)
    p = float(special.ndtr(x))
    if 1e-300 < p < 1.0:
        assert ndtri(p) == pytest.approx(float(special.ndtri(p)), rel=1e-12, abs=1e-12)
    y = abs(x) + 0.5
    assert xlogy(x, y) == pytest.approx(float(special.xlogy(x, y)), rel=1e-15)
    assert xlogy(0.0, 0.0) == 0.0


def test_special_edges() -> None:
    assert ndtri(0.0) == -np.inf
    assert ndtri(1.0) == np.inf
    assert np.isnan(ndtri(1.5))
    assert stdtrit(5, 0.5) == 0.0
    assert stdtrit(1, 0.75) == pytest.approx(1.0, rel=1e-15)  # Cauchy: tan(pi / 4)
    assert chdtrc(3, 0.0) == 1.0
    with pytest.raises(ConfigError, match="whole number of degrees of freedom"):
        chdtrc(2.5, 1.0)  # type: ignore[arg-type]


@given(st.floats(0.0, 200.0), st.integers(1, 12))
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
        "print('scipy.stats' in sys.modules, 'scipy.special' in sys.modules,"
        " 'matplotlib' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False"]
