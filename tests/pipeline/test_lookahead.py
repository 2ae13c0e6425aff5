"""No look-ahead: the output for a session depends only on bars that closed before it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rustybt.data.bars import BarPanel
from rustybt.pipeline import CustomFactor, Pipeline, run_pipeline
from rustybt.pipeline.classifiers import Sector
from rustybt.pipeline.data import EquityPricing
from rustybt.pipeline.factors import (
    RSI,
    VWAP,
    AnnualizedVolatility,
    AverageDollarVolume,
    BollingerBands,
    MACDSignal,
    MaxDrawdown,
    Returns,
    SimpleMovingAverage,
)


class LastTwo(CustomFactor):
    inputs = (EquityPricing.open, EquityPricing.volume)
    window_length = 2

    def compute(self, today, assets, out, opens, volume):  # type: ignore[no-untyped-def]
        out[:] = opens[-1] * volume[0]


def every_kind() -> Pipeline:
    returns = Returns(window_length=5)
    return Pipeline(
        {
            "ret": returns,
            "sma": SimpleMovingAverage(inputs=[EquityPricing.high], window_length=4),
            "vwap": VWAP(window_length=3),
            "rsi": RSI(window_length=6),
            "vol": AnnualizedVolatility(window_length=8),
            "dd": MaxDrawdown(inputs=[EquityPricing.low], window_length=6),
            "bb": BollingerBands(window_length=5, k=2).upper,
            "macd": MACDSignal(3, 6, 3),
            "z": returns.zscore(groupby=Sector()),
            "rank": returns.rank(mask=returns.notnan()),
            "q": returns.quartiles(),
            "custom": LastTwo(),
            "top": AverageDollarVolume(window_length=3).top(4),
        },
        screen=returns.percentile_between(10, 100),
    )


def perturbed(panel: BarPanel, row: int, seed: int) -> BarPanel:
    """Every field changed from ``row`` on, and a gap in one asset at ``row``.

    Which assets exist on which sessions is not perturbed: as zipline's asset
    lifetimes, it comes from each asset's first and last bar (see docs/pipeline.md).
    """
    rng = np.random.default_rng(seed)
    fields = {}
    for name in ("open", "high", "low", "close", "volume"):
        values = panel.field(name).copy()
        values[row:] *= rng.uniform(0.5, 1.5, values[row:].shape)
        if row < len(values) - 1:
            values[row, 0] = np.nan
        fields[name] = values
    return BarPanel(index=panel.index, assets=panel.assets, **fields)


@pytest.mark.parametrize(("row", "seed"), [(15, 1), (47, 2), (90, 3), (118, 4)])
def test_changing_session_t_leaves_sessions_up_to_t_unchanged(panel, row, seed) -> None:  # type: ignore[no-untyped-def]
    pipe = every_kind()
    start, end = panel.index[12], panel.index[-1]
    before = run_pipeline(pipe, start, end, panel)
    after = run_pipeline(pipe, start, end, perturbed(panel, row, seed))
    upto = panel.index[row]
    same_before = before[before.index.get_level_values(0) <= upto]
    same_after = after[after.index.get_level_values(0) <= upto]
    pd.testing.assert_frame_equal(same_before, same_after)
    # ...and the change is visible from the next session: the test can fail.
    if row + 1 < len(panel.index):
        nxt = panel.index[row + 1]
        assert not before.xs(nxt, level=0).equals(after.xs(nxt, level=0))
