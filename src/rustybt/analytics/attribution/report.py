"""`attribution_report`: every attribution view of one backtest (or returns) in one object."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from rustybt.analytics.attribution.brinson import BrinsonAttribution
from rustybt.analytics.attribution.factors import (
    FactorRegression,
    capm_data,
    capm_regression,
    factor_regression,
)
from rustybt.analytics.attribution.holdings import brinson_from_result
from rustybt.analytics.attribution.market_timing import (
    TimingRegression,
    merton_henriksson,
    treynor_mazuy,
)
from rustybt.analytics.attribution.significance import (
    AlphaBootstrap,
    SharpeLuck,
    bootstrap_alpha,
    bootstrap_alpha_aligned,
    sharpe_luck,
)
from rustybt.analytics.attribution.timing import TimingSelection, timing_selection_from_result
from rustybt.analytics.metrics.conventions import ReturnsInput
from rustybt.errors import ConfigError

if TYPE_CHECKING:
    from rustybt.engine.result import BacktestResult

__all__ = ["AttributionReport", "attribution_report"]


@dataclass(frozen=True)
class AttributionReport:
    """The attribution results that apply to the inputs given (None where not computed)."""

    capm: FactorRegression | None = None
    factor_model: FactorRegression | None = None
    brinson: BrinsonAttribution | None = None
    timing_selection: TimingSelection | None = None
    treynor_mazuy: TimingRegression | None = None
    merton_henriksson: TimingRegression | None = None
    alpha_bootstrap: AlphaBootstrap | None = None
    sharpe_luck: SharpeLuck | None = None

    def _parts(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def summaries(self) -> dict[str, str]:
        """Each computed part's plain-words sentence."""
        out: dict[str, str] = {}
        for name, part in self._parts().items():
            summary = getattr(part, "summary", None)
            if callable(summary):
                out[name] = str(summary())
        return out

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly nested dict (None for parts not computed)."""
        out: dict[str, object] = {}
        for name, part in self._parts().items():
            to_dict = getattr(part, "to_dict", None)
            out[name] = to_dict() if callable(to_dict) else None
        return out

    def __repr__(self) -> str:
        lines = [f"  {name}: {text}" for name, text in self.summaries().items()]
        return "AttributionReport(\n" + "\n".join(lines) + "\n)"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(name.replace('_', ' '))}</th>"
            f"<td style='text-align:left'>{html.escape(text)}</td></tr>"
            for name, text in self.summaries().items()
        )
        tables = []
        if self.factor_model is not None or self.capm is not None:
            model = self.factor_model if self.factor_model is not None else self.capm
            assert model is not None  # narrowed by the condition above
            tables.append(
                "<h4>Factor model (HAC)</h4>"
                + model.to_frame().to_html(float_format="{:.4g}".format)
            )
        if self.brinson is not None:
            tables.append(
                "<h4>Brinson-Fachler, linked</h4>"
                + self.brinson.linked().to_html(float_format="{:.4%}".format)
            )
        return "<div><h3>Attribution</h3><table>" + rows + "</table>" + "".join(tables) + "</div>"


def attribution_report(
    result: BacktestResult | ReturnsInput,
    *,
    benchmark: ReturnsInput | None = None,
    factors: pd.DataFrame | None = None,
    grouping: Mapping[str, str] | None = None,
    benchmark_weights: str | pd.DataFrame | pd.Series = "equal",
    risk_free: float = 0.0,
    n_bootstrap: int = 1000,
    seed: int = 0,
) -> AttributionReport:
    """Compute every attribution view the inputs allow.

    * CAPM, timing/selection and the Treynor-Mazuy / Merton-Henriksson tests need
      a benchmark (``benchmark`` or the result's ``benchmark_returns``).
    * The factor model and the alpha bootstrap need ``factors`` (e.g. from
      `factor_data.load_carhart_factors`); its ``RF`` column then overrides
      ``risk_free``. Without factors the bootstrap runs on the CAPM.
    * Brinson needs a `BacktestResult` (holdings and bars).
    * The Sharpe luck test always runs.
    """
    from rustybt.engine.result import BacktestResult

    is_result = isinstance(result, BacktestResult)
    returns: ReturnsInput = result.returns if isinstance(result, BacktestResult) else result
    bench = benchmark
    if bench is None and isinstance(result, BacktestResult):
        bench = result.benchmark_returns
    capm = tm = mh = None
    timing: TimingSelection | None = None
    if bench is not None:
        capm = capm_regression(returns, bench, risk_free=risk_free)
        tm = treynor_mazuy(returns, bench, risk_free=risk_free)
        mh = merton_henriksson(returns, bench, risk_free=risk_free)
        if isinstance(result, BacktestResult):
            timing = timing_selection_from_result(result, bench)
    model = factor_regression(returns, factors) if factors is not None else None
    if factors is not None:
        boot: AlphaBootstrap | None = bootstrap_alpha(
            returns, factors, n_samples=n_bootstrap, seed=seed
        )
    elif bench is not None:
        boot = bootstrap_alpha_aligned(
            capm_data(returns, bench, risk_free=risk_free), n_samples=n_bootstrap, seed=seed
        )
    else:
        boot = None
    brinson = (
        brinson_from_result(result, grouping=grouping, benchmark_weights=benchmark_weights)
        if isinstance(result, BacktestResult)
        else None
    )
    if not is_result and bench is None and factors is None:
        raise ConfigError(
            "pass a BacktestResult, a benchmark or factors: returns alone cannot be attributed",
            hint="attribution_report(returns, benchmark=index_returns)",
        )
    return AttributionReport(
        capm=capm,
        factor_model=model,
        brinson=brinson,
        timing_selection=timing,
        treynor_mazuy=tm,
        merton_henriksson=mh,
        alpha_bootstrap=boot,
        sharpe_luck=sharpe_luck(returns, risk_free=risk_free, seed=seed),
    )
