"""Every built-in factor against a direct pandas computation on the bars that
closed before each session (zipline's windows), NaN bars and listings included."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rustybt.pipeline import CustomFactor, Pipeline, PipelineError, run_pipeline
from rustybt.pipeline.data import EquityPricing, USEquityPricing
from rustybt.pipeline.factors import (
    EWMA,
    EWMSTD,
    RSI,
    VWAP,
    AnnualizedVolatility,
    Aroon,
    AverageDollarVolume,
    BollingerBands,
    DailyReturns,
    ExponentialWeightedMovingAverage,
    FastStochasticOscillator,
    Latest,
    LinearWeightedMovingAverage,
    MACDSignal,
    MaxDrawdown,
    RateOfChangePercentage,
    Returns,
    RollingPearsonOfReturns,
    RollingSpearmanOfReturns,
    SimpleBeta,
    SimpleMovingAverage,
    TrueRange,
)

from .conftest import compare, frame, reference

close = EquityPricing.close


def run(panel, term, start=45):  # type: ignore[no-untyped-def]
    frame = run_pipeline(Pipeline({"x": term}), panel.index[start], panel.index[-1], data=panel)
    return frame["x"]


def ewm_last(values: pd.Series, **how: float) -> float:
    """pandas' ewm (adjust=True) at the window's end; NaN anywhere gives NaN, as
    numpy.average does in zipline."""
    if values.isna().any():
        return float("nan")
    return float(values.ewm(adjust=True, **how).mean().iloc[-1])


def test_returns_and_daily_returns(panel) -> None:  # type: ignore[no-untyped-def]
    expected = reference(panel, 10, ("close",), lambda c: (c.iloc[-1] - c.iloc[0]) / c.iloc[0])
    compare(run(panel, Returns(window_length=10)), expected, panel)
    daily = reference(panel, 2, ("close",), lambda c: c.iloc[-1] / c.iloc[0] - 1)
    compare(run(panel, DailyReturns()), daily, panel)


def test_latest_is_the_previous_close(panel) -> None:  # type: ignore[no-untyped-def]
    expected = reference(panel, 1, ("close",), lambda c: c.iloc[-1])
    compare(run(panel, close.latest), expected, panel)
    compare(run(panel, Latest(inputs=[USEquityPricing.close])), expected, panel)
    compare(run(panel, USEquityPricing.close.latest), expected, panel)


def test_simple_moving_average_skips_nan(panel) -> None:  # type: ignore[no-untyped-def]
    expected = reference(panel, 20, ("close",), lambda c: c.mean())
    compare(run(panel, SimpleMovingAverage(inputs=[close], window_length=20)), expected, panel)


def test_vwap_and_average_dollar_volume(panel) -> None:  # type: ignore[no-untyped-def]
    vwap = reference(panel, 15, ("close", "volume"), lambda c, v: (c * v).sum() / v.sum())
    compare(run(panel, VWAP(window_length=15)), vwap, panel)
    adv = reference(panel, 15, ("close", "volume"), lambda c, v: (c * v).sum() / 15)
    compare(run(panel, AverageDollarVolume(window_length=15)), adv, panel)


@pytest.mark.parametrize(
    ("build", "how"),
    [
        (lambda: EWMA.from_span(inputs=[close], window_length=12, span=6), {"span": 6}),
        (
            lambda: ExponentialWeightedMovingAverage.from_halflife(
                inputs=[close], window_length=12, halflife=3
            ),
            {"halflife": 3},
        ),
        (
            lambda: EWMA.from_center_of_mass(inputs=[close], window_length=12, center_of_mass=4),
            {"com": 4},
        ),
    ],
)
def test_exponential_weighted_moving_average(panel, build, how) -> None:  # type: ignore[no-untyped-def]
    expected = reference(panel, 12, ("close",), lambda c: c.apply(ewm_last, **how))
    compare(run(panel, build()), expected, panel)


def test_exponential_weighted_std_and_linear_weighted_average(panel) -> None:  # type: ignore[no-untyped-def]
    def ewm_std(values: pd.Series) -> float:
        if values.isna().any():
            return float("nan")
        return float(values.ewm(span=5, adjust=True).std(bias=False).iloc[-1])

    expected = reference(panel, 10, ("close",), lambda c: c.apply(ewm_std))
    term = EWMSTD.from_span(inputs=[close], window_length=10, span=5)
    compare(run(panel, term), expected, panel, rtol=1e-8)
    weights = np.arange(1, 8, dtype=float)
    lwma = reference(panel, 7, ("close",), lambda c: c.mul(weights, axis=0).sum() / 28)
    compare(run(panel, LinearWeightedMovingAverage(inputs=[close], window_length=7)), lwma, panel)


def test_annualized_volatility(panel) -> None:  # type: ignore[no-untyped-def]
    returns = pd.DataFrame(panel.close, index=panel.index, columns=list(panel.assets))
    returns = returns.pct_change(fill_method=None)
    expected = pd.DataFrame(
        {
            panel.index[i]: returns.iloc[i - 20 : i].std(ddof=0) * np.sqrt(252)
            for i in range(21, len(panel.index))
        }
    ).T.reindex(panel.index)
    compare(run(panel, AnnualizedVolatility(window_length=20)), expected, panel)
    assert AnnualizedVolatility().window_length == 252


def test_max_drawdown(panel) -> None:  # type: ignore[no-untyped-def]
    def drawdown(c: pd.DataFrame) -> pd.Series:
        out = {}
        for asset in c.columns:
            series = c[asset].reset_index(drop=True)
            falls = series.cummax() - series
            if falls.isna().all():
                out[asset] = np.nan
                continue
            end = falls.idxmax()
            peak = series.iloc[: end + 1].max()
            out[asset] = (peak - series.iloc[end]) / series.iloc[end]
        return pd.Series(out)

    expected = reference(panel, 30, ("close",), drawdown)
    compare(run(panel, MaxDrawdown(inputs=[close], window_length=30)), expected, panel)


def test_rsi(panel) -> None:  # type: ignore[no-untyped-def]
    def rsi(c: pd.DataFrame) -> pd.Series:
        change = c.diff()
        ups = change.clip(lower=0).mean()
        downs = change.clip(upper=0).mean().abs()
        with np.errstate(divide="ignore", invalid="ignore"):
            return 100 - 100 / (1 + ups / downs)

    compare(run(panel, RSI()), reference(panel, 15, ("close",), rsi), panel)


def test_rsi_is_100_without_a_fall() -> None:
    from .conftest import make_panel

    rising = make_panel(40)
    ramp = np.linspace(10, 20, 40)[:, None] * np.ones((1, len(rising.assets)))
    rising = type(rising)(
        index=rising.index,
        assets=rising.assets,
        open=ramp,
        high=ramp,
        low=ramp,
        close=ramp,
        volume=np.ones_like(ramp),
    )
    values = run(rising, RSI(), start=20)
    assert (values == 100.0).all()


def test_bollinger_bands(panel) -> None:  # type: ignore[no-untyped-def]
    bands = BollingerBands(window_length=20, k=2)
    frame = run_pipeline(
        Pipeline({"lower": bands.lower, "middle": bands.middle, "upper": bands.upper}),
        panel.index[45],
        panel.index[-1],
        data=panel,
    )
    mean = reference(panel, 20, ("close",), lambda c: c.mean())
    std = reference(panel, 20, ("close",), lambda c: c.std(ddof=0))
    compare(frame["middle"], mean, panel)
    compare(frame["upper"], mean + 2 * std, panel)
    compare(frame["lower"], mean - 2 * std, panel)
    lower, middle, upper = BollingerBands(window_length=5, k=1)
    assert (lower.name, middle.name, upper.name) == ("lower", "middle", "upper")


def test_macd_signal(panel) -> None:  # type: ignore[no-untyped-def]
    def signal(c: pd.DataFrame) -> pd.Series:
        out = {}
        for asset in c.columns:
            series = c[asset].reset_index(drop=True)
            macd = []
            for end in range(len(series) - 9, len(series)):
                fast = ewm_last(series.iloc[end - 11 : end + 1], span=12)
                slow = ewm_last(series.iloc[end - 25 : end + 1], span=26)
                macd.append(fast - slow)
            out[asset] = ewm_last(pd.Series(macd), span=9)
        return pd.Series(out)

    assert MACDSignal().window_length == 34
    compare(run(panel, MACDSignal()), reference(panel, 34, ("close",), signal), panel, rtol=1e-8)


def test_true_range_rate_of_change_stochastic_and_aroon(panel) -> None:  # type: ignore[no-untyped-def]
    def true_range(h: pd.DataFrame, lo: pd.DataFrame, c: pd.DataFrame) -> pd.Series:
        gaps = pd.DataFrame(
            [
                h.iloc[-1] - lo.iloc[-1],
                (h.iloc[-1] - c.iloc[0]).abs(),
                (lo.iloc[-1] - c.iloc[0]).abs(),
            ]
        )
        return gaps.max()

    expected = reference(panel, 2, ("high", "low", "close"), true_range)
    compare(run(panel, TrueRange()), expected, panel)
    roc = reference(panel, 6, ("close",), lambda c: (c.iloc[-1] - c.iloc[0]) / c.iloc[0] * 100)
    compare(run(panel, RateOfChangePercentage(inputs=[close], window_length=6)), roc, panel)

    def stochastic(c: pd.DataFrame, lo: pd.DataFrame, h: pd.DataFrame) -> pd.Series:
        return (c.iloc[-1] - lo.min()) / (h.max() - lo.min()) * 100

    fast = reference(panel, 14, ("close", "low", "high"), stochastic)
    compare(run(panel, FastStochasticOscillator()), fast, panel)

    def first_extreme(frame_: pd.DataFrame, how: str) -> pd.Series:
        plain = frame_.reset_index(drop=True)
        some = plain.loc[:, plain.notna().any()]  # an all-NaN window gives NaN
        found = some.idxmax() if how == "max" else some.idxmin()
        return (100.0 * found.astype(float) / (len(plain) - 1)).reindex(plain.columns)

    aroon = Aroon(window_length=10)
    out = run_pipeline(
        Pipeline({"up": aroon.up, "down": aroon.down}), panel.index[45], panel.index[-1], panel
    )
    compare(out["up"], reference(panel, 10, ("high",), lambda h: first_extreme(h, "max")), panel)
    compare(out["down"], reference(panel, 10, ("low",), lambda lo: first_extreme(lo, "min")), panel)


@pytest.mark.parametrize("allowed", [0.25, 0.0])
def test_simple_beta(panel, allowed) -> None:  # type: ignore[no-untyped-def]
    closes = frame(panel, "close")
    returns = closes.pct_change(fill_method=None)
    target = panel.assets[1]  # has a missing bar every 17 sessions
    length = 20
    limit = int(allowed * length)
    rows = {}
    for i in range(length + 1, len(panel.index)):
        window = returns.iloc[i - length : i]
        betas = {}
        for asset in panel.assets:
            pairs = pd.DataFrame({"x": window[target], "y": window[asset]}).dropna()
            if length - len(pairs) > limit or len(pairs) < 2:
                betas[asset] = np.nan
            else:
                betas[asset] = np.polyfit(pairs["x"], pairs["y"], 1)[0]
        rows[panel.index[i]] = betas
    expected = pd.DataFrame(rows).T.reindex(panel.index)
    beta = SimpleBeta(target=target, regression_length=length, allowed_missing_percentage=allowed)
    compare(run(panel, beta), expected, panel, rtol=1e-8)
    with pytest.raises(PipelineError, match="not in the data"):
        run(panel, SimpleBeta("SPY", 20))


def test_rolling_correlations_with_one_asset(panel) -> None:  # type: ignore[no-untyped-def]
    returns = frame(panel, "close").pct_change(fill_method=None)
    target = panel.assets[0]
    length = 12

    def pick(values: pd.Series, method: str) -> pd.Series:
        # zipline's Spearman ranks ties by position (argsort of argsort): "first"
        return values.rank(method="first") if method == "spearman" else values

    def correlations(method: str) -> pd.DataFrame:
        rows = {}
        for i in range(length + 1, len(panel.index)):
            window = returns.iloc[i - length : i]
            rows[panel.index[i]] = {
                asset: (
                    np.nan
                    if window[[asset, target]].isna().any().any()
                    else pick(window[asset], method).corr(pick(window[target], method))
                )
                for asset in panel.assets
            }
        return pd.DataFrame(rows).T.reindex(panel.index)

    pearson = RollingPearsonOfReturns(target=target, returns_length=2, correlation_length=length)
    compare(run(panel, pearson), correlations("pearson"), panel, rtol=1e-7)
    spearman = RollingSpearmanOfReturns(target, returns_length=2, correlation_length=length)
    compare(run(panel, spearman), correlations("spearman"), panel, rtol=1e-9)
    daily = Returns(window_length=2)
    same = daily.pearsonr(daily[target.symbol], correlation_length=length)
    pd.testing.assert_series_equal(run(panel, same), run(panel, pearson))
    with pytest.raises(PipelineError, match=r"cannot be (iterated|unpacked)"):
        list(daily)


BUILT_INS = [
    lambda: Returns(window_length=7),
    lambda: SimpleMovingAverage(inputs=[close], window_length=9),
    lambda: VWAP(window_length=5),
    lambda: AverageDollarVolume(window_length=5),
    lambda: EWMA.from_span(inputs=[close], window_length=10, span=4),
    lambda: AnnualizedVolatility(window_length=15),
    lambda: RSI(window_length=10),
    lambda: MACDSignal(fast_period=3, slow_period=7, signal_period=4),
    lambda: BollingerBands(window_length=8, k=1.5).upper,
    lambda: EWMSTD.from_halflife(inputs=[close], window_length=9, halflife=3),
    lambda: LinearWeightedMovingAverage(inputs=[close], window_length=6),
    lambda: TrueRange(),
    lambda: RateOfChangePercentage(inputs=[close], window_length=4),
    lambda: FastStochasticOscillator(window_length=7),
    lambda: RollingPearsonOfReturns(target="A2", returns_length=3, correlation_length=6),
]


@pytest.mark.parametrize("build", BUILT_INS)
def test_vectorised_path_equals_zipline_compute(panel, build) -> None:  # type: ignore[no-untyped-def]
    """The vectorised path is an optimisation: the per-session compute() gives the
    same numbers (forced by a subclass that re-declares compute)."""
    term = build()
    target = term.inputs[0] if type(term).__name__ == "OutputField" else term
    original = type(target)
    slow_class = type("Slow" + original.__name__, (original,), {"compute": original.compute})
    assert target._fast()  # type: ignore[attr-defined]
    fast_values = run(panel, term, start=20)
    target.__class__ = slow_class
    try:
        assert not target._fast()  # type: ignore[attr-defined]
        slow_values = run(panel, term, start=20)
    finally:
        target.__class__ = original
    pd.testing.assert_series_equal(fast_values, slow_values, rtol=1e-9, atol=1e-10)


def test_custom_factor_subclass_of_builtin_uses_its_own_compute(panel) -> None:  # type: ignore[no-untyped-def]
    class Doubled(SimpleMovingAverage):
        def compute(self, today, assets, out, data):  # type: ignore[no-untyped-def]
            out[:] = 2 * np.nanmean(data, axis=0)

    base = run(panel, SimpleMovingAverage(inputs=[close], window_length=5))
    doubled = run(panel, Doubled(inputs=[close], window_length=5))
    pd.testing.assert_series_equal(doubled, 2 * base)


def test_custom_factor_matches_pandas(panel) -> None:  # type: ignore[no-untyped-def]
    class Range(CustomFactor):
        inputs = (EquityPricing.high, EquityPricing.low)
        window_length = 5

        def compute(self, today, assets, out, high, low):  # type: ignore[no-untyped-def]
            out[:] = np.nanmax(high, axis=0) - np.nanmin(low, axis=0)

    expected = reference(panel, 5, ("high", "low"), lambda h, lo: h.max() - lo.min())
    compare(run(panel, Range()), expected, panel)


def test_plain_factor_cannot_be_iterated() -> None:
    with pytest.raises(PipelineError, match="cannot be iterated"):
        list(close.latest + 1)
