"""Term algebra, static filters, custom terms and the errors users meet."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rustybt.pipeline import (
    CustomClassifier,
    CustomFactor,
    CustomFilter,
    Pipeline,
    PipelineEngine,
    PipelineError,
    run_pipeline,
)
from rustybt.pipeline.data import EquityPricing
from rustybt.pipeline.factors import Returns, SimpleMovingAverage
from rustybt.pipeline.filters import StaticAssets, StaticSids

from .conftest import alive, frame

close = EquityPricing.close


def run(panel, columns, screen=None, start=10):  # type: ignore[no-untyped-def]
    return run_pipeline(
        Pipeline(columns, screen=screen), panel.index[start], panel.index[-1], panel
    )


def test_arithmetic_and_comparisons(panel) -> None:  # type: ignore[no-untyped-def]
    last = close.latest
    sma = SimpleMovingAverage(inputs=[close], window_length=3)
    out = run(
        panel,
        {
            "last": last,
            "sma": sma,
            "ratio": last / sma - 1,
            "mix": 2 * last + sma**2 - (-sma) % 7,
            "above": last > sma,
            "eq": last == last,
            "log": abs(last.log() - 1).sqrt(),
            "nan": last.isnan(),
            "ok": last.notnan(),
            "filled": last.fillna(-1.0),
        },
    )
    lst, s = out["last"], out["sma"]
    pd.testing.assert_series_equal(out["ratio"], lst / s - 1, check_names=False)
    pd.testing.assert_series_equal(
        out["mix"], 2 * lst + s**2 - (-s) % 7, check_names=False, rtol=1e-12
    )
    assert out["above"].equals((lst > s).rename("above"))
    assert out["eq"].equals(lst.notna().rename("eq"))  # NaN == NaN is False
    pd.testing.assert_series_equal(out["log"], np.sqrt(np.abs(np.log(lst) - 1)), check_names=False)
    assert out["nan"].equals(lst.isna().rename("nan"))
    assert (out["nan"] != out["ok"]).all()
    assert out["filled"].equals(lst.fillna(-1.0).rename("filled"))


def test_boolean_algebra_and_static_filters(panel) -> None:  # type: ignore[no-untyped-def]
    a0, a3 = panel.assets[0], panel.assets[3]
    some = StaticAssets([a0, "A3"])
    sids = StaticSids([0, 3])
    cheap = close.latest < 50
    out = run(panel, {"some": some, "sids": sids, "cheap": cheap, "x": (some & ~cheap) | sids})
    assets = out.index.get_level_values(1)
    assert out["some"].equals(pd.Series(assets.isin([a0, a3]), index=out.index, name="some"))
    assert out["sids"].equals(out["some"].rename("sids"))
    expected = (out["some"] & ~out["cheap"]) | out["sids"]
    assert out["x"].equals(expected.rename("x"))
    screened = run(panel, {"c": close.latest}, screen=some)
    assert set(screened.index.get_level_values(1)) == {a0, a3}


def test_output_rows_are_the_alive_assets(panel) -> None:  # type: ignore[no-untyped-def]
    out = run(panel, {"c": close.latest}, start=0)
    life = alive(panel)
    expected = life.stack()[life.stack()].index
    assert out.index.equals(expected)
    # day one of the data: nothing is known yet, nothing is alive
    assert panel.index[0] not in out.index.get_level_values(0)
    delisted = panel.assets[4]
    last_day = out.xs(delisted, level=1).index.max()
    assert last_day == panel.index[89]  # alive through its last bar, not after
    assert panel.index[40] not in out.xs(panel.assets[3], level=1).index  # listing day


def test_custom_factor_window_params_and_mask(panel) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[pd.Timestamp, int, tuple[int, int]]] = []

    class Scaled(CustomFactor):
        inputs = (close,)
        window_length = 4
        params = {"scale": 1.0}  # noqa: RUF012

        def compute(self, today, assets, out, data, scale):  # type: ignore[no-untyped-def]
            seen.append((today, len(assets), data.shape))
            assert not data.flags.writeable
            out[:] = data[0] * scale

    cheap = close.latest < 50
    out = run(panel, {"x": Scaled(scale=3.0, mask=cheap), "cheap": cheap})
    lagged = frame(panel, "close").shift(4).stack(future_stack=True) * 3.0
    expected = lagged.reindex(out.index).where(out["cheap"])
    pd.testing.assert_series_equal(out["x"], expected, check_names=False)
    assert all(shape == (4, n) for _, n, shape in seen)  # only the masked assets
    assert seen[-1][0] == panel.index[-1]


def test_custom_filter_and_classifier(panel) -> None:  # type: ignore[no-untyped-def]
    class Rising(CustomFilter):
        inputs = (close,)
        window_length = 2

        def compute(self, today, assets, out, data):  # type: ignore[no-untyped-def]
            out[:] = data[-1] > data[0]

    class Bucket(CustomClassifier):
        inputs = (close,)
        window_length = 1

        def compute(self, today, assets, out, data):  # type: ignore[no-untyped-def]
            out[:] = np.where(np.isnan(data[-1]), -1, data[-1] // 25)

    out = run(panel, {"r": Rising(), "b": Bucket(), "c": close.latest, "b1": Bucket().eq(1)})
    prices = frame(panel, "close")
    rising = (prices.shift(1) > prices.shift(2)).stack().reindex(out.index)
    assert out["r"].equals(rising.rename("r"))
    assert out["b"].dtype == np.int64
    assert out["b"].equals((out["c"] // 25).fillna(-1).astype(np.int64).rename("b"))
    assert out["b1"].equals((out["b"] == 1).rename("b1"))


@pytest.mark.filterwarnings("ignore:All-NaN slice")  # asset A2 has three missing bars
def test_multi_output_custom_factor(panel) -> None:  # type: ignore[no-untyped-def]
    class HighLow(CustomFactor):
        inputs = (EquityPricing.high, EquityPricing.low)
        outputs = ("hi", "lo")
        window_length = 3

        def compute(self, today, assets, out, high, low):  # type: ignore[no-untyped-def]
            out.hi[:] = np.nanmax(high, axis=0)
            out.lo = np.nanmin(low, axis=0)

    hi, lo = HighLow()
    out = run(panel, {"hi": hi, "lo": lo, "spread": hi - lo})
    pd.testing.assert_series_equal(out["spread"], out["hi"] - out["lo"], check_names=False)
    highs = frame(panel, "high").shift(1).rolling(3, min_periods=1).max().stack()
    pd.testing.assert_series_equal(out["hi"], highs.reindex(out.index), check_names=False)


def test_window_safety_and_construction_errors() -> None:
    class Plain(CustomFactor):
        inputs = (close,)
        window_length = 2

        def compute(self, today, assets, out, data):  # type: ignore[no-untyped-def]
            out[:] = data[-1]

    with pytest.raises(PipelineError, match="not window_safe"):
        SimpleMovingAverage(inputs=[Plain()], window_length=3)
    SimpleMovingAverage(inputs=[Returns(window_length=2)], window_length=3)  # window-safe
    SimpleMovingAverage(inputs=[Returns(window_length=2).rank()], window_length=3)
    with pytest.raises(PipelineError, match="window_length"):
        SimpleMovingAverage(inputs=[close])
    with pytest.raises(PipelineError, match="at least 2"):
        Returns(window_length=1)
    with pytest.raises(PipelineError, match="needs inputs"):
        SimpleMovingAverage(window_length=3)
    with pytest.raises(PipelineError, match="unexpected parameter"):
        Returns(window_length=3, bogus=1)
    with pytest.raises(PipelineError, match="exactly one input"):
        SimpleMovingAverage(inputs=[close, close], window_length=3)
    with pytest.raises(PipelineError, match="BoundColumn") as info:
        Pipeline({"c": close})
    assert info.value.hint is not None
    assert ".latest" in info.value.hint
    with pytest.raises(PipelineError, match="Filter"):
        Pipeline({"c": close.latest}, screen=close.latest)  # type: ignore[arg-type]
    with pytest.raises(PipelineError, match="cannot apply"):
        close.latest + "x"  # type: ignore[operator]
    with pytest.raises(PipelineError, match="unknown rank method"):
        close.latest.rank(method="best")


def test_pipeline_add_remove_and_screen() -> None:
    pipe = Pipeline()
    pipe.add(close.latest, "c")
    with pytest.raises(PipelineError, match="already has a column"):
        pipe.add(close.latest, "c")
    pipe.add(close.latest * 2, "c", overwrite=True)
    pipe.set_screen(close.latest > 1)
    with pytest.raises(PipelineError, match="already has a screen"):
        pipe.set_screen(close.latest > 2)
    pipe.set_screen(close.latest > 2, overwrite=True)
    assert list(pipe.columns) == ["c"]
    pipe.remove("c")
    with pytest.raises(PipelineError, match="no column"):
        pipe.remove("c")


def test_run_pipeline_window_errors_and_engine(panel) -> None:  # type: ignore[no-untyped-def]
    pipe = Pipeline({"c": close.latest})
    with pytest.raises(PipelineError, match="no sessions"):
        run_pipeline(pipe, "2030-01-01", "2030-02-01", panel)
    with pytest.raises(PipelineError, match="BarPanel"):
        run_pipeline(pipe, "2020-01-01", "2020-02-01", data="sp500")  # type: ignore[arg-type]
    naive = run_pipeline(pipe, "2020-02-03", "2020-02-07", panel)
    engine = PipelineEngine(panel).run_pipeline(pipe, pd.Timestamp("2020-02-03"), "2020-02-07")
    pd.testing.assert_frame_equal(naive, engine)
    assert naive.index.get_level_values(0).unique().size == 5
    empty = run_pipeline(
        Pipeline({"c": close.latest}, screen=close.latest > 1e9), "2020-02-03", "2020-02-07", panel
    )
    assert empty.empty
    assert list(empty.columns) == ["c"]


def test_downsample_holds_the_period_start_value_whatever_the_start(panel) -> None:  # type: ignore[no-untyped-def]
    returns = Returns(window_length=5)
    monthly = returns.downsample("month_start")
    weekly_top = returns.top(3).downsample("week_start")
    full = run(panel, {"r": returns, "m": monthly, "w": weekly_top}, start=10)
    sessions = full.index.get_level_values(0)
    everything = run(panel, {"r": returns}, start=0)["r"]
    days = panel.index.to_series()
    month_first = days.groupby([days.index.year, days.index.month]).transform("min")
    anchors = pd.MultiIndex.from_arrays(
        [month_first.loc[sessions].to_numpy(), full.index.get_level_values(1)]
    )
    expected = everything.reindex(anchors)
    # assets alive at the month start carry its value; others were not computed then
    np.testing.assert_array_equal(full["m"].to_numpy(), expected.to_numpy())
    # the same sessions from a later start (mid-month) give the same values
    late = run(panel, {"m": monthly}, start=37)
    pd.testing.assert_series_equal(late["m"], full["m"].loc[late.index])
    week = sessions.to_series().dt.isocalendar()
    weeks = pd.Series(list(zip(week["year"], week["week"], strict=True)), index=full.index)
    assert (full["w"].groupby([weeks, full.index.get_level_values(1)]).nunique() == 1).all()
    with pytest.raises(PipelineError, match="unknown downsample frequency"):
        returns.downsample("daily")


def test_if_else(panel) -> None:  # type: ignore[no-untyped-def]
    last = close.latest
    out = run(panel, {"x": (last > 50).if_else(last, -last), "last": last})
    expected = out["last"].where(out["last"] > 50, -out["last"])
    pd.testing.assert_series_equal(out["x"], expected, check_names=False)


def test_zipline_domain_is_accepted(panel) -> None:  # type: ignore[no-untyped-def]
    from rustybt.pipeline.domain import US_EQUITIES

    pipe = Pipeline({"c": close.latest}, domain=US_EQUITIES)
    plain = Pipeline({"c": close.latest})
    start, end = panel.index[20], panel.index[25]
    pd.testing.assert_frame_equal(
        run_pipeline(pipe, start, end, panel), run_pipeline(plain, start, end, panel)
    )


def test_params_tuple_is_required_dict_has_defaults() -> None:
    class Needs(CustomFactor):
        inputs = (close,)
        window_length = 1
        params = ("k",)

        def compute(self, today, assets, out, data, k):  # type: ignore[no-untyped-def]
            out[:] = data[-1] * k

    class Defaults(Needs):
        params = {"k": 2.0}  # noqa: RUF012

    with pytest.raises(PipelineError, match=r"needs parameter\(s\) \['k'\]"):
        Needs()
    assert Needs(k=3).params == {"k": 3}
    assert Defaults().params == {"k": 2.0}
