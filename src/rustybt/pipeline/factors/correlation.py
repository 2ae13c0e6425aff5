"""Rolling correlations: ``factor.pearsonr(target, n)``, ``factor.spearmanr(target,
n)`` and zipline's ``RollingPearsonOfReturns`` / ``RollingSpearmanOfReturns``.

``target`` is another factor (correlated column by column) or one asset's column
of a factor, ``returns[asset]`` (a `Slice`, correlated with every column). As in
zipline, a window holding a NaN gives NaN; Spearman correlates the ranks of each
column within its window (ordinal ranks, ties by position).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rustybt.assets import Asset
from rustybt.data.bars import FloatArray
from rustybt.pipeline.custom import CustomFactor
from rustybt.pipeline.factors.basic import Returns
from rustybt.pipeline.kinds import Factor, Filter
from rustybt.pipeline.rolling import rolling_sum
from rustybt.pipeline.term import Array, PipelineError, Term, Workspace

__all__ = [
    "RollingPearson",
    "RollingPearsonOfReturns",
    "RollingSpearman",
    "RollingSpearmanOfReturns",
    "Slice",
]


class Slice(Term):
    """One asset's column of a factor (``factor[asset]``): an input for factors
    that compare every asset with it. Not a pipeline column on its own."""

    def __init__(self, factor: Term, asset: Asset | str) -> None:
        super().__init__(inputs=[factor])
        self.symbol = asset.symbol if isinstance(asset, Asset) else str(asset)
        self.window_safe = factor.window_safe

    def compute_block(self, ws: Workspace) -> Array:
        symbols = [a.symbol for a in ws.assets]
        if self.symbol not in symbols:
            raise PipelineError(
                f"{self.inputs[0].graph_repr()}[{self.symbol!r}]: the asset is not in the data"
            )
        column = symbols.index(self.symbol)
        values: Array = ws.array(self.inputs[0])[:, column : column + 1]
        return values.astype(np.float64)

    def graph_repr(self) -> str:
        return f"{self.inputs[0].graph_repr()}[{self.symbol!r}]"


def pearson(x: FloatArray, y: FloatArray) -> FloatArray:
    """Pearson's r down axis 0 (zipline's vectorized_pearson_r without missing data)."""
    x_res = x - x.mean(axis=0)
    y_res = y - y.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        result: FloatArray = (x_res * y_res).mean(axis=0) / np.sqrt(
            (x_res**2).mean(axis=0) * (y_res**2).mean(axis=0)
        )
    return result


class RollingPearson(CustomFactor):
    """Pearson correlation over ``window_length`` rows of a factor and a target."""

    window_safe = True

    def compute(self, today: Any, assets: Any, out: Any, base: Any, target: Any) -> None:
        out[:] = pearson(base, np.broadcast_to(target, base.shape))

    def _vectorised(self, ws: Workspace, inputs: list[Array]) -> Array:
        base = inputs[0]
        target = np.broadcast_to(inputs[1], base.shape)
        length = self.window_length
        invalid = (np.isnan(base) | np.isnan(target)).astype(np.float64)
        x = np.where(np.isnan(target), 0.0, target)
        y = np.where(np.isnan(base), 0.0, base)
        sx, sy = rolling_sum(x, length), rolling_sum(y, length)
        with np.errstate(divide="ignore", invalid="ignore"):
            cov = rolling_sum(x * y, length) - sx * sy / length
            var_x = rolling_sum(x * x, length) - sx * sx / length
            var_y = rolling_sum(y * y, length) - sy * sy / length
            r = cov / np.sqrt(var_x * var_y)
        result: Array = np.where(rolling_sum(invalid, length) > 0, np.nan, r)
        return result


def _ranks(window: FloatArray) -> FloatArray:
    """Ordinal ranks down each column, ties by position (zipline's argsort of argsort,
    made stable so equal values rank the same way on every platform)."""
    first = np.argsort(window, axis=0, kind="stable")
    ranked: FloatArray = np.argsort(first, axis=0, kind="stable").astype(np.float64)
    return ranked


class RollingSpearman(CustomFactor):
    """Spearman rank correlation over ``window_length`` rows (per-session compute)."""

    window_safe = True

    def compute(self, today: Any, assets: Any, out: Any, base: Any, target: Any) -> None:
        target = np.broadcast_to(target, base.shape)
        ranked = pearson(_ranks(base), _ranks(target))
        out[:] = np.where(np.isnan(base).any(axis=0) | np.isnan(target).any(axis=0), np.nan, ranked)


def _check_target(target: object) -> Term:
    if not isinstance(target, Factor | Slice):
        raise PipelineError(
            f"a correlation target must be a Factor or factor[asset], not {type(target).__name__}"
        )
    return target


def pearsonr(
    factor: Factor, target: Term, correlation_length: int, mask: Filter | None = None
) -> Factor:
    return RollingPearson(
        inputs=[factor, _check_target(target)], window_length=correlation_length, mask=mask
    )


def spearmanr(
    factor: Factor, target: Term, correlation_length: int, mask: Filter | None = None
) -> Factor:
    return RollingSpearman(
        inputs=[factor, _check_target(target)], window_length=correlation_length, mask=mask
    )


def RollingPearsonOfReturns(  # zipline's class-like name
    target: Asset | str, returns_length: int, correlation_length: int, mask: Filter | None = None
) -> Factor:
    """Correlation of every asset's returns with ``target``'s returns."""
    returns = Returns(window_length=returns_length)
    return pearsonr(returns, Slice(returns, target), correlation_length, mask)


def RollingSpearmanOfReturns(  # zipline's class-like name
    target: Asset | str, returns_length: int, correlation_length: int, mask: Filter | None = None
) -> Factor:
    """Rank correlation of every asset's returns with ``target``'s returns."""
    returns = Returns(window_length=returns_length)
    return spearmanr(returns, Slice(returns, target), correlation_length, mask)
