"""Does a VaR model hold up? Rolling forecasts against realised returns.

For each date ``t`` after the first ``window`` observations, VaR_t is estimated
from the ``window`` returns *before* ``t`` (no look-ahead) and day ``t`` is a
breach when ``r_t < VaR_t`` (VaR is a negative return, see
`rustybt.analytics.risk.var`). Three likelihood-ratio tests (Christoffersen 1998):

* Kupiec proportion of failures (POF): is the breach rate ``x / n`` equal to
  ``alpha = 1 - level``?
  ``LR_pof = -2 ln[(1 - a)^(n - x) a^x] + 2 ln[(1 - x/n)^(n - x) (x/n)^x] ~ chi2(1)``.
* Christoffersen independence: does a breach make tomorrow's breach more
  likely? With ``n_ij`` the count of day pairs going from state i to j (1 =
  breach), ``pi_01 = n01 / (n00 + n01)``, ``pi_11 = n11 / (n10 + n11)``,
  ``pi = (n01 + n11) / (n00 + n01 + n10 + n11)``:
  ``LR_ind = -2 ln[(1 - pi)^(n00 + n10) pi^(n01 + n11)]
  + 2 ln[(1 - pi_01)^n00 pi_01^n01 (1 - pi_11)^n10 pi_11^n11] ~ chi2(1)``.
* Conditional coverage: ``LR_cc = LR_pof + LR_ind ~ chi2(2)``.

``0 ln 0`` is taken as 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from rustybt.analytics.metrics.conventions import FloatArray, ReturnsInput, prepare_returns
from rustybt.analytics.metrics.special import xlogy
from rustybt.analytics.risk.distributions import chi2_sf, norm_ppf, row_kurtosis, row_skew
from rustybt.analytics.risk.var import (
    VaRMethod,
    check_level,
    cornish_fisher_quantile,
    tail_probability,
)
from rustybt.errors import ConfigError, DataNotFound

__all__ = [
    "CoverageTest",
    "VaRBacktest",
    "backtest_var",
    "christoffersen_independence",
    "kupiec_pof",
    "rolling_var",
]

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class CoverageTest:
    """One likelihood-ratio test.

    Attributes:
        name: which test.
        statistic: the LR statistic.
        dof: chi-squared degrees of freedom.
        p_value: ``P(chi2(dof) > statistic)``.
        rejected: p-value below the significance used.
    """

    name: str
    statistic: float
    dof: int
    p_value: float
    rejected: bool


def _test(name: str, statistic: float, dof: int, significance: float) -> CoverageTest:
    p_value = chi2_sf(statistic, dof)
    return CoverageTest(name, float(statistic), dof, p_value, bool(p_value < significance))


def _ln_bernoulli(zeros: float, ones: float, probability: float) -> float:
    # ln[(1 - p)^zeros p^ones] with 0 ln 0 = 0.
    return xlogy(zeros, 1.0 - probability) + xlogy(ones, probability)


def kupiec_pof(n: int, breaches: int, level: float, *, significance: float = 0.05) -> CoverageTest:
    """Kupiec's proportion-of-failures test (formula in the module docstring)."""
    check_level(level)
    if n < 1 or not 0 <= breaches <= n:
        raise ConfigError(
            "need 0 <= breaches <= n and n >= 1", context={"n": n, "breaches": breaches}
        )
    alpha = tail_probability(level)
    null = _ln_bernoulli(n - breaches, breaches, alpha)
    fitted = _ln_bernoulli(n - breaches, breaches, breaches / n)
    return _test("kupiec_pof", -2.0 * (null - fitted), 1, significance)


def _transitions(flags: BoolArray) -> tuple[int, int, int, int]:
    before, after = flags[:-1], flags[1:]
    n01 = int(np.count_nonzero(~before & after))
    n11 = int(np.count_nonzero(before & after))
    n10 = int(np.count_nonzero(before & ~after))
    n00 = int(before.shape[0]) - n01 - n11 - n10
    return n00, n01, n10, n11


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def christoffersen_independence(
    breaches: npt.ArrayLike, *, significance: float = 0.05
) -> CoverageTest:
    """Christoffersen's independence test on a 0/1 breach sequence (module docstring)."""
    flags = np.asarray(breaches, dtype=bool)
    if flags.shape[0] < 2:
        raise ConfigError("need at least two days of breach flags", context={"n": flags.shape[0]})
    n00, n01, n10, n11 = _transitions(flags)
    pi = _ratio(n01 + n11, n00 + n01 + n10 + n11)
    pi01, pi11 = _ratio(n01, n00 + n01), _ratio(n11, n10 + n11)
    null = _ln_bernoulli(n00 + n10, n01 + n11, pi)
    fitted = _ln_bernoulli(n00, n01, pi01) + _ln_bernoulli(n10, n11, pi11)
    return _test("christoffersen_independence", -2.0 * (null - fitted), 1, significance)


def _rolling_forecast(
    values: FloatArray, level: float, window: int, method: VaRMethod
) -> FloatArray:
    alpha = tail_probability(level)
    windows = sliding_window_view(values, window)[:-1]
    if method == "historical":
        out: FloatArray = np.percentile(windows, 100.0 * alpha, axis=1)
        return out
    mean = windows.mean(axis=1)
    std = windows.std(axis=1, ddof=1)
    z = norm_ppf(alpha)
    if method == "parametric":
        return np.asarray(mean + z * std, dtype=np.float64)
    if method == "cornish_fisher":
        skews = row_skew(np.asarray(windows, dtype=np.float64))
        kurts = row_kurtosis(np.asarray(windows, dtype=np.float64))
        z_cf = np.array(
            [cornish_fisher_quantile(z, s, k) for s, k in zip(skews, kurts, strict=True)]
        )
        return np.asarray(mean + z_cf * std, dtype=np.float64)
    raise ConfigError(f"unknown VaR method {method!r}", context={"method": method})


def rolling_var(
    returns: ReturnsInput,
    *,
    level: float = 0.99,
    window: int = 250,
    method: VaRMethod = "historical",
) -> pd.DataFrame:
    """Out-of-sample rolling 1-period VaR next to the realised return.

    Columns: ``returns``, ``var`` (estimated from the previous ``window``
    returns only), ``breach`` (``returns < var``). Starts at observation
    ``window`` (0-based).
    """
    check_level(level)
    if window < 20:
        raise ConfigError("use a window of at least 20 observations", context={"window": window})
    prepared = prepare_returns(returns, 1.0)
    values = prepared.values
    if values.shape[0] <= window:
        raise DataNotFound(
            "not enough returns for one out-of-sample VaR forecast",
            context={"observations": values.shape[0], "window": window},
            hint="shorten window= or use a longer history",
        )
    forecast = _rolling_forecast(values, level, window, method)
    realised = values[window:]
    index = None if prepared.index is None else prepared.index[window:]
    return pd.DataFrame(
        {"returns": realised, "var": forecast, "breach": realised < forecast}, index=index
    )


@dataclass(frozen=True)
class VaRBacktest:
    """The result of `backtest_var`.

    Attributes:
        level, window, method: the VaR model tested.
        n: out-of-sample days.
        breaches: days with a return below the VaR.
        expected: ``n (1 - level)``.
        kupiec, independence, conditional_coverage: the three LR tests.
        verdict: the outcome in plain words.
        series: `rolling_var`'s frame (returns, var, breach).
    """

    level: float
    window: int
    method: str
    n: int
    breaches: int
    expected: float
    kupiec: CoverageTest
    independence: CoverageTest
    conditional_coverage: CoverageTest
    verdict: str
    series: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """One row per test: statistic, dof, p_value, rejected."""
        tests = (self.kupiec, self.independence, self.conditional_coverage)
        return pd.DataFrame(
            {
                "statistic": [t.statistic for t in tests],
                "dof": [t.dof for t in tests],
                "p_value": [t.p_value for t in tests],
                "rejected": [t.rejected for t in tests],
            },
            index=[t.name for t in tests],
        )


def _verdict(
    level: float,
    n: int,
    breaches: int,
    kupiec: CoverageTest,
    independence: CoverageTest,
    significance: float,
) -> str:
    expected = n * (1.0 - level)
    head = f"{breaches} breaches of the {level:.0%} VaR in {n} days ({expected:.1f} expected). "
    if kupiec.rejected:
        side = (
            "too many: the model understates risk"
            if breaches > expected
            else "too few: the model overstates risk"
        )
        coverage = (
            f"Coverage rejected at {significance:.0%} (Kupiec p={kupiec.p_value:.3f}), {side}. "
        )
    else:
        coverage = f"Coverage is consistent with {level:.0%} (Kupiec p={kupiec.p_value:.3f}). "
    if independence.rejected:
        clustering = f"Breaches cluster (Christoffersen p={independence.p_value:.3f}): VaR reacts too slowly."
    else:
        clustering = (
            f"No evidence that breaches cluster (Christoffersen p={independence.p_value:.3f})."
        )
    return head + coverage + clustering


def backtest_var(
    returns: ReturnsInput,
    *,
    level: float = 0.99,
    window: int = 250,
    method: VaRMethod = "historical",
    significance: float = 0.05,
) -> VaRBacktest:
    """Backtest a rolling VaR model: breaches, Kupiec, Christoffersen, verdict."""
    if not 0.0 < significance < 0.5:
        raise ConfigError(
            "significance is a small probability such as 0.05",
            context={"significance": significance},
        )
    series = rolling_var(returns, level=level, window=window, method=method)
    flags = series["breach"].to_numpy(dtype=bool)
    n, breaches = int(flags.shape[0]), int(flags.sum())
    kupiec = kupiec_pof(n, breaches, level, significance=significance)
    independence = christoffersen_independence(flags, significance=significance)
    joint = _test(
        "conditional_coverage", kupiec.statistic + independence.statistic, 2, significance
    )
    return VaRBacktest(
        level=level,
        window=window,
        method=method,
        n=n,
        breaches=breaches,
        expected=n * (1.0 - level),
        kupiec=kupiec,
        independence=independence,
        conditional_coverage=joint,
        verdict=_verdict(level, n, breaches, kupiec, independence, significance),
        series=series,
    )
