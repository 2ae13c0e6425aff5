"""`SimpleBeta`: each asset's regression slope on one target asset's daily returns.

zipline's definition over the ``regression_length`` daily returns known each
morning: pairs where either return is missing are dropped, ``beta = sum((x -
mean x) * y) / sum((x - mean x) ** 2)`` with ``x`` the target's returns and ``y``
the asset's; NaN when more than ``int(allowed_missing_percentage *
regression_length)`` of the target's paired returns are missing.
"""

from __future__ import annotations

import numpy as np

from rustybt.assets import Asset
from rustybt.data.bars import FloatArray
from rustybt.pipeline.data import EquityPricing
from rustybt.pipeline.factors.basic import DailyReturns
from rustybt.pipeline.kinds import Factor
from rustybt.pipeline.rolling import lag, rolling_sum
from rustybt.pipeline.term import Array, PipelineError, Workspace

__all__ = ["SimpleBeta"]


class SimpleBeta(Factor):
    """Slope of each asset's daily returns on ``target``'s (an Asset or symbol)."""

    window_safe = True

    def __init__(
        self,
        target: Asset | str,
        regression_length: int,
        allowed_missing_percentage: float = 0.25,
    ) -> None:
        if not isinstance(regression_length, int) or regression_length < 3:
            raise PipelineError(
                f"SimpleBeta needs a regression_length of at least 3, not {regression_length!r}"
            )
        if not 0.0 <= allowed_missing_percentage <= 1.0:
            raise PipelineError("allowed_missing_percentage must be between 0 and 1")
        # Raw closes give the target's returns even on days it is not alive.
        super().__init__(inputs=[DailyReturns(), EquityPricing.close])
        self.target = target.symbol if isinstance(target, Asset) else str(target)
        self.regression_length = regression_length
        self.window_length = regression_length + 1
        self.allowed_missing_count = int(allowed_missing_percentage * regression_length)

    def compute_block(self, ws: Workspace) -> Array:
        symbols = [a.symbol for a in ws.assets]
        if self.target not in symbols:
            raise PipelineError(
                f"SimpleBeta target {self.target!r} is not in the data",
                hint="pass an asset of the data the pipeline runs on",
            )
        returns: FloatArray = ws.array(self.inputs[0])
        close = ws.array(self.inputs[1])[:, symbols.index(self.target)]
        with np.errstate(divide="ignore", invalid="ignore"):
            target = (close / lag(close, 1) - 1.0)[:, None]
        valid = ~np.isnan(returns) & ~np.isnan(target)
        x = np.where(valid, target, 0.0)
        y = np.where(valid, returns, 0.0)
        length = self.regression_length
        count = rolling_sum(valid.astype(np.float64), length)
        sum_x = rolling_sum(x, length)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean_x = sum_x / count
            covariance = rolling_sum(x * y, length) - mean_x * rolling_sum(y, length)
            variance = rolling_sum(x * x, length) - mean_x * sum_x
            beta = covariance / variance
        too_sparse = (length - count) > self.allowed_missing_count
        result: Array = np.where(too_sparse | ~ws.mask_of(self), np.nan, beta)
        return result

    def graph_repr(self) -> str:
        return f"SimpleBeta({self.target!r}, length={self.regression_length})"
