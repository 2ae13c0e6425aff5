"""The three kinds of terms and their methods: Factor (float), Filter (bool),
Classifier (int64 group labels).

The methods build new terms; the terms that implement them live in `ops` and
`rowwise` (imported inside the methods, since those modules subclass these).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from rustybt.pipeline.term import PipelineError, Term

if TYPE_CHECKING:
    from collections.abc import Sequence

    from rustybt.pipeline.term import Workspace

__all__ = ["Classifier", "Factor", "Filter"]

RANK_METHODS = ("ordinal", "min", "max", "dense", "average")


def _factor_operand(value: object, op: str) -> Factor | float:
    if isinstance(value, Factor):
        return value
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return float(value)
    raise PipelineError(
        f"cannot apply {op!r} to a Factor and {type(value).__name__}",
        hint="combine factors with factors or numbers",
    )


class Factor(Term):
    """A term producing a float per (session, asset)."""

    dtype = np.dtype(np.float64)
    missing_value: object = np.nan

    def downsample(self, frequency: str) -> Factor:
        """Computed on the first session of each ``year_start``, ``quarter_start``,
        ``month_start`` or ``week_start`` period and held until the next."""
        from rustybt.pipeline.downsample import DownsampledFactor

        return DownsampledFactor(self, frequency)

    # -- arithmetic ----------------------------------------------------------------
    def _binary(self, op: str, other: object, *, reflected: bool = False) -> Factor:
        from rustybt.pipeline.ops import BinaryFactor

        operand = _factor_operand(other, op)
        return BinaryFactor(op, operand, self) if reflected else BinaryFactor(op, self, operand)

    def __add__(self, other: object) -> Factor:
        return self._binary("+", other)

    def __radd__(self, other: object) -> Factor:
        return self._binary("+", other, reflected=True)

    def __sub__(self, other: object) -> Factor:
        return self._binary("-", other)

    def __rsub__(self, other: object) -> Factor:
        return self._binary("-", other, reflected=True)

    def __mul__(self, other: object) -> Factor:
        return self._binary("*", other)

    def __rmul__(self, other: object) -> Factor:
        return self._binary("*", other, reflected=True)

    def __truediv__(self, other: object) -> Factor:
        return self._binary("/", other)

    def __rtruediv__(self, other: object) -> Factor:
        return self._binary("/", other, reflected=True)

    def __pow__(self, other: object) -> Factor:
        return self._binary("**", other)

    def __rpow__(self, other: object) -> Factor:
        return self._binary("**", other, reflected=True)

    def __mod__(self, other: object) -> Factor:
        return self._binary("%", other)

    def __neg__(self) -> Factor:
        return self._unary("neg")

    def __abs__(self) -> Factor:
        return self._unary("abs")

    def _unary(self, name: str) -> Factor:
        from rustybt.pipeline.ops import UnaryFactor

        return UnaryFactor(name, self)

    def abs(self) -> Factor:
        return self._unary("abs")

    def log(self) -> Factor:
        return self._unary("log")

    def log1p(self) -> Factor:
        return self._unary("log1p")

    def exp(self) -> Factor:
        return self._unary("exp")

    def sqrt(self) -> Factor:
        return self._unary("sqrt")

    # -- comparisons (give filters; NaN compares False) ----------------------------
    def _compare(self, op: str, other: object) -> Filter:
        from rustybt.pipeline.ops import Comparison

        return Comparison(op, self, _factor_operand(other, op))

    def __lt__(self, other: object) -> Filter:
        return self._compare("<", other)

    def __le__(self, other: object) -> Filter:
        return self._compare("<=", other)

    def __gt__(self, other: object) -> Filter:
        return self._compare(">", other)

    def __ge__(self, other: object) -> Filter:
        return self._compare(">=", other)

    def __eq__(self, other: object) -> Filter:  # type: ignore[override]  # zipline: a Filter
        return self._compare("==", other)

    def __ne__(self, other: object) -> Filter:  # type: ignore[override]  # zipline: a Filter
        return self._compare("!=", other)

    __hash__ = Term.__hash__

    def isnan(self) -> Filter:
        from rustybt.pipeline.ops import NullTest

        return NullTest(self, "isnan")

    def notnan(self) -> Filter:
        from rustybt.pipeline.ops import NullTest

        return NullTest(self, "notnan")

    def isfinite(self) -> Filter:
        from rustybt.pipeline.ops import NullTest

        return NullTest(self, "isfinite")

    isnull = isnan
    notnull = notnan

    def fillna(self, fill_value: float) -> Factor:
        from rustybt.pipeline.ops import FillNa

        return FillNa(self, float(fill_value))

    # -- one asset's column and rolling correlations ---------------------------------
    def __getitem__(self, asset: object) -> Term:
        """This factor's column for one asset (an Asset or symbol), for correlations."""
        from rustybt.assets import Asset
        from rustybt.pipeline.factors.correlation import Slice

        if not isinstance(asset, Asset | str):
            raise PipelineError(f"factor[...] takes an Asset or symbol, not {asset!r}")
        return Slice(self, asset)

    def __iter__(self) -> Any:  # Any: always raises, so iter() never falls back to [0], [1]...
        raise PipelineError(f"{self.graph_repr()} is a single factor; it cannot be iterated")

    def pearsonr(self, target: Term, correlation_length: int, mask: Filter | None = None) -> Factor:
        """Rolling Pearson correlation with ``target`` (a factor or ``factor[asset]``)."""
        from rustybt.pipeline.factors.correlation import pearsonr

        return pearsonr(self, target, correlation_length, mask)

    def spearmanr(
        self, target: Term, correlation_length: int, mask: Filter | None = None
    ) -> Factor:
        """Rolling Spearman rank correlation with ``target``."""
        from rustybt.pipeline.factors.correlation import spearmanr

        return spearmanr(self, target, correlation_length, mask)

    # -- cross-sectional transforms --------------------------------------------------
    def rank(
        self,
        method: str = "ordinal",
        ascending: bool = True,
        mask: Filter | None = None,
        groupby: Classifier | None = None,
    ) -> Factor:
        """Rank per session (1 = smallest, or largest with ``ascending=False``); NaN and
        masked-out assets get NaN. ``method`` as scipy's rankdata (default ordinal:
        ties broken by asset order)."""
        from rustybt.pipeline.rowwise import Rank

        if method not in RANK_METHODS:
            raise PipelineError(
                f"unknown rank method {method!r}", hint=f"use one of {', '.join(RANK_METHODS)}"
            )
        return Rank(self, method=method, ascending=ascending, mask=mask, groupby=groupby)

    def demean(self, mask: Filter | None = None, groupby: Classifier | None = None) -> Factor:
        """Subtract the (group's) mean of the session, ignoring NaN and masked assets."""
        from rustybt.pipeline.rowwise import GroupedTransform

        return GroupedTransform(self, "demean", mask=mask, groupby=groupby)

    def zscore(self, mask: Filter | None = None, groupby: Classifier | None = None) -> Factor:
        """(value - mean) / std of the session (population std, ddof=0, as zipline)."""
        from rustybt.pipeline.rowwise import GroupedTransform

        return GroupedTransform(self, "zscore", mask=mask, groupby=groupby)

    def winsorize(
        self,
        min_percentile: float,
        max_percentile: float,
        mask: Filter | None = None,
        groupby: Classifier | None = None,
    ) -> Factor:
        """Clip each session's values to its ``min_percentile``..``max_percentile``
        (fractions, 0-1) as zipline does; NaN stays NaN."""
        from rustybt.pipeline.rowwise import Winsorized

        if not 0.0 <= min_percentile <= max_percentile <= 1.0:
            raise PipelineError(
                "winsorize needs 0 <= min_percentile <= max_percentile <= 1",
                context={"min_percentile": min_percentile, "max_percentile": max_percentile},
            )
        return Winsorized(self, min_percentile, max_percentile, mask=mask, groupby=groupby)

    def top(self, N: int, mask: Filter | None = None, groupby: Classifier | None = None) -> Filter:
        """The ``N`` largest per session (per group): ties by asset order."""
        return self.rank(ascending=False, mask=mask, groupby=groupby) <= N

    def bottom(
        self, N: int, mask: Filter | None = None, groupby: Classifier | None = None
    ) -> Filter:
        """The ``N`` smallest per session (per group)."""
        return self.rank(ascending=True, mask=mask, groupby=groupby) <= N

    def percentile_between(
        self, min_percentile: float, max_percentile: float, mask: Filter | None = None
    ) -> Filter:
        """True where the value lies between the session's two percentiles (0-100)."""
        from rustybt.pipeline.rowwise import PercentileFilter

        if not 0.0 <= min_percentile <= max_percentile <= 100.0:
            raise PipelineError(
                "percentile_between needs 0 <= min_percentile <= max_percentile <= 100",
                context={"min_percentile": min_percentile, "max_percentile": max_percentile},
            )
        return PercentileFilter(self, min_percentile, max_percentile, mask=mask)

    def quantiles(self, bins: int, mask: Filter | None = None) -> Classifier:
        """Label each asset 0..bins-1 by its session quantile (pandas.qcut); NaN -> -1."""
        from rustybt.pipeline.rowwise import Quantiles

        if bins < 1:
            raise PipelineError("quantiles needs bins >= 1", context={"bins": bins})
        return Quantiles(self, bins, mask=mask)

    def quartiles(self, mask: Filter | None = None) -> Classifier:
        return self.quantiles(4, mask)

    def quintiles(self, mask: Filter | None = None) -> Classifier:
        return self.quantiles(5, mask)

    def deciles(self, mask: Filter | None = None) -> Classifier:
        return self.quantiles(10, mask)


class Filter(Term):
    """A term producing a bool per (session, asset); missing is False."""

    dtype = np.dtype(np.bool_)
    missing_value: object = False
    window_safe = True

    def downsample(self, frequency: str) -> Filter:
        """See `Factor.downsample`."""
        from rustybt.pipeline.downsample import DownsampledFilter

        return DownsampledFilter(self, frequency)

    def if_else(self, if_true: Factor, if_false: Factor) -> Factor:
        """``if_true`` where this filter is True, else ``if_false`` (both factors)."""
        from rustybt.pipeline.ops import IfElse

        for name, term in (("if_true", if_true), ("if_false", if_false)):
            if not isinstance(term, Factor):
                raise PipelineError(f"if_else {name} must be a Factor, not {type(term).__name__}")
        return IfElse(self, if_true, if_false)

    def _logic(self, op: str, other: object) -> Filter:
        from rustybt.pipeline.ops import BooleanFilter

        if not isinstance(other, Filter):
            raise PipelineError(
                f"cannot apply {op!r} to a Filter and {type(other).__name__}",
                hint="combine filters with filters (& | ~)",
            )
        return BooleanFilter(op, (self, other))

    def __and__(self, other: object) -> Filter:
        return self._logic("&", other)

    def __or__(self, other: object) -> Filter:
        return self._logic("|", other)

    def __invert__(self) -> Filter:
        from rustybt.pipeline.ops import BooleanFilter

        return BooleanFilter("~", (self,))


class Classifier(Term):
    """A term producing an int64 group label per (session, asset); -1 is missing.

    ``labels``, when set, names the codes (code i is ``labels[i]``); the output
    column is then a pandas Categorical.
    """

    dtype = np.dtype(np.int64)
    missing_value: object = -1
    window_safe = True
    labels: Sequence[str] | None = None

    def downsample(self, frequency: str) -> Classifier:
        """See `Factor.downsample`."""
        from rustybt.pipeline.downsample import DownsampledClassifier

        return DownsampledClassifier(self, frequency)

    def label_names(self, ws: Workspace) -> tuple[str, ...] | None:
        """Names of the codes for this computation (None: plain integer codes)."""
        return None if self.labels is None else tuple(self.labels)

    def eq(self, value: object) -> Filter:
        """Assets whose label (or integer code) is ``value``."""
        from rustybt.pipeline.ops import ClassifierMatch

        return ClassifierMatch(self, (value,))

    def element_of(self, choices: Sequence[Any]) -> Filter:  # Any: labels or codes
        """Assets whose label is one of ``choices``."""
        from rustybt.pipeline.ops import ClassifierMatch

        return ClassifierMatch(self, tuple(choices))

    def isnull(self) -> Filter:
        from rustybt.pipeline.ops import ClassifierMatch

        return ClassifierMatch(self, (), null=True)

    def notnull(self) -> Filter:
        return ~self.isnull()

    def __eq__(self, other: object) -> Filter:  # type: ignore[override]  # zipline: a Filter
        return self.eq(other)

    def __ne__(self, other: object) -> Filter:  # type: ignore[override]  # zipline: a Filter
        return ~self.eq(other)

    __hash__ = Term.__hash__
