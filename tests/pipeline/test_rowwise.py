"""Cross-sectional methods (rank, zscore, demean, top, bottom, percentile_between,
quantiles) against pandas per session, with masks, groups, ties and NaN."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rustybt.pipeline import CustomFactor, Pipeline, run_pipeline
from rustybt.pipeline.classifiers import Sector
from rustybt.pipeline.data import EquityPricing
from rustybt.pipeline.factors import Returns

from .conftest import SECTORS


class Coarse(CustomFactor):
    """The previous close in steps of 20: many ties, NaN where the bar is missing."""

    inputs = (EquityPricing.close,)
    window_length = 1

    def compute(self, today, assets, out, close):  # type: ignore[no-untyped-def]
        out[:] = np.round(close[-1] / 20.0)


def run(panel, columns, screen=None):  # type: ignore[no-untyped-def]
    return run_pipeline(Pipeline(columns, screen=screen), panel.index[10], panel.index[-1], panel)


def sector_of(frame: pd.DataFrame) -> pd.Series:
    return pd.Series(
        [SECTORS[int(a.symbol[1:])] for a in frame.index.get_level_values(1)], index=frame.index
    )


@pytest.mark.parametrize("method", ["ordinal", "min", "max", "dense", "average"])
@pytest.mark.parametrize("ascending", [True, False])
def test_rank_matches_pandas(panel, method, ascending) -> None:  # type: ignore[no-untyped-def]
    x = Coarse()
    out = run(panel, {"x": x, "r": x.rank(method=method, ascending=ascending)})
    pandas_method = "first" if method == "ordinal" else method
    expected = out["x"].groupby(level=0).rank(method=pandas_method, ascending=ascending)
    pd.testing.assert_series_equal(out["r"], expected, check_names=False)
    assert out["r"].isna().equals(out["x"].isna())


def test_rank_with_mask_and_groupby(panel) -> None:  # type: ignore[no-untyped-def]
    x = Returns(window_length=5)
    cheap = EquityPricing.close.latest < 55
    out = run(
        panel,
        {
            "x": x,
            "cheap": cheap,
            "masked": x.rank(mask=cheap),
            "grouped": x.rank(ascending=False, groupby=Sector()),
        },
    )
    kept = out["x"].where(out["cheap"])
    masked = kept.groupby(level=0).rank(method="first")
    pd.testing.assert_series_equal(out["masked"], masked, check_names=False)
    sector = sector_of(out)
    grouped = (
        out["x"]
        .groupby([out.index.get_level_values(0), sector])
        .rank(method="first", ascending=False)
    )
    pd.testing.assert_series_equal(out["grouped"], grouped, check_names=False)
    assert out["grouped"][sector.isna()].isna().all()  # no sector: not ranked


def test_zscore_and_demean(panel) -> None:  # type: ignore[no-untyped-def]
    x = Returns(window_length=5)
    cheap = EquityPricing.close.latest < 55
    out = run(
        panel,
        {
            "x": x,
            "cheap": cheap,
            "z": x.zscore(),
            "zs": x.zscore(groupby=Sector()),
            "d": x.demean(mask=cheap),
        },
    )
    by_day = out["x"].groupby(level=0)
    z = (out["x"] - by_day.transform("mean")) / by_day.transform(lambda s: s.std(ddof=0))
    pd.testing.assert_series_equal(out["z"], z, check_names=False, rtol=1e-9)
    keys = [out.index.get_level_values(0), sector_of(out)]
    by_group = out["x"].groupby(keys)
    zs = (out["x"] - by_group.transform("mean")) / by_group.transform(lambda s: s.std(ddof=0))
    pd.testing.assert_series_equal(out["zs"], zs, check_names=False, rtol=1e-9)
    kept = out["x"].where(out["cheap"])
    d = kept - kept.groupby(level=0).transform("mean")
    pd.testing.assert_series_equal(out["d"], d, check_names=False, rtol=1e-9)


def test_top_bottom_and_screen(panel) -> None:  # type: ignore[no-untyped-def]
    x = Coarse()
    out = run(panel, {"x": x, "top": x.top(3), "bottom": x.bottom(2)})
    top = out["x"].groupby(level=0).rank(method="first", ascending=False) <= 3
    bottom = out["x"].groupby(level=0).rank(method="first") <= 2
    pd.testing.assert_series_equal(out["top"], top, check_names=False)
    pd.testing.assert_series_equal(out["bottom"], bottom, check_names=False)
    screened = run(panel, {"x": x}, screen=x.top(3))
    assert screened.index.equals(out.index[out["top"].to_numpy()])
    assert (screened.groupby(level=0).size() == 3).all()


def test_top_by_group(panel) -> None:  # type: ignore[no-untyped-def]
    x = Returns(window_length=5)
    out = run(panel, {"x": x, "best": x.top(1, groupby=Sector())})
    keys = [out.index.get_level_values(0), sector_of(out)]
    best = out["x"].groupby(keys).rank(method="first", ascending=False) == 1
    pd.testing.assert_series_equal(out["best"], best, check_names=False)


def test_percentile_between(panel) -> None:  # type: ignore[no-untyped-def]
    x = Returns(window_length=5)
    out = run(panel, {"x": x, "mid": x.percentile_between(20, 80)})
    low = out["x"].groupby(level=0).transform(lambda s: np.nanpercentile(s, 20))
    high = out["x"].groupby(level=0).transform(lambda s: np.nanpercentile(s, 80))
    expected = (out["x"] >= low) & (out["x"] <= high)
    pd.testing.assert_series_equal(out["mid"], expected, check_names=False)


def test_quantiles_match_qcut(panel) -> None:  # type: ignore[no-untyped-def]
    x = Returns(window_length=5)
    out = run(panel, {"x": x, "q": x.quartiles(), "d": x.quantiles(3)})
    for bins, column in ((4, "q"), (3, "d")):
        expected = (
            out["x"].groupby(level=0).transform(lambda s, b=bins: pd.qcut(s, b, labels=False))
        )
        assert (out[column] == expected.fillna(-1).astype(int)).all()


def test_sector_classifier_labels_and_filters(panel) -> None:  # type: ignore[no-untyped-def]
    sector = Sector()
    out = run(
        panel,
        {
            "sector": sector,
            "tech": sector.eq("Tech"),
            "either": sector.element_of(["Energy", "Health"]),
        },
    )
    expected = sector_of(out)
    assert out["sector"].dtype == "category"
    pd.testing.assert_series_equal(
        out["sector"].astype(object).where(out["sector"].notna(), None),
        expected,
        check_names=False,
    )
    assert out["tech"].equals(expected == "Tech")
    assert out["either"].equals(expected.isin(["Energy", "Health"]))
    assert out["sector"].isna().equals(expected.isna())


def winsorized(row: pd.Series, low: float, high: float) -> pd.Series:
    """scipy.stats.mstats.winsorize's rule as zipline applies it to one cross-section."""
    values = row.to_numpy(dtype=float).copy()
    order = np.argsort(values, kind="stable")  # NaN last
    n = int((~np.isnan(values)).sum())
    if low > 0 and n:
        cut = int(low * n)
        values[order[:cut]] = values[order[cut]]
    top = int(np.ceil(n * high))
    if high < 1 and top < n:
        values[order[top:n]] = values[order[top - 1]]
    return pd.Series(values, index=row.index)


def test_winsorize_matches_the_rule_per_session_and_group(panel) -> None:  # type: ignore[no-untyped-def]
    x = Returns(window_length=5)
    out = run(
        panel,
        {"x": x, "w": x.winsorize(0.2, 0.7), "g": x.winsorize(0.25, 0.75, groupby=Sector())},
    )
    plain = out["x"].groupby(level=0, group_keys=False).apply(winsorized, 0.2, 0.7)
    pd.testing.assert_series_equal(out["w"], plain, check_names=False)
    keys = [out.index.get_level_values(0), sector_of(out)]
    grouped = out["x"].groupby(keys, group_keys=False).apply(winsorized, 0.25, 0.75)
    pd.testing.assert_series_equal(out["g"], grouped.reindex(out.index), check_names=False)
    assert out["g"][sector_of(out).isna()].isna().all()
