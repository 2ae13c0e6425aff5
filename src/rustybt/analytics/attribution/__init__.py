"""Performance attribution: where a strategy's return came from, and whether it is luck.

* Returns-based (`factors`): CAPM, Fama-French 3, Carhart 4 or any factor frame,
  OLS with Newey-West errors, alpha significance in plain words, and an exact
  per-period / Carino-linked decomposition into risk-free, alpha, factor
  contributions and residual.
* Holdings-based (`brinson`, `holdings`): Brinson-Fachler allocation, selection
  and interaction by sector or any grouping, Carino-linked over many periods.
* Timing (`timing`, `market_timing`): timing vs selection decomposition, and the
  Treynor-Mazuy and Merton-Henriksson regressions.
* `rolling`, `significance` (bootstrap of alpha, Sharpe luck), `figures`,
  `report` (`attribution_report`), `factor_data` (Ken French file readers).

Methodology, formulas and pitfalls: docs/attribution.md.
"""

from __future__ import annotations

from rustybt.analytics.attribution.brinson import (
    CASH,
    EFFECTS,
    BrinsonAttribution,
    brinson_fachler,
    brinson_from_arrays,
)
from rustybt.analytics.attribution.factors import (
    CARHART4,
    FF3,
    FactorRegression,
    capm_regression,
    factor_regression,
    fama_french_regression,
    newey_west_maxlags,
)
from rustybt.analytics.attribution.figures import brinson_figure, factor_contribution_figure
from rustybt.analytics.attribution.holdings import (
    brinson_from_result,
    session_closes,
    universe_weights,
)
from rustybt.analytics.attribution.linking import (
    carino_coefficients,
    cumulative_carino,
    link_carino,
)
from rustybt.analytics.attribution.market_timing import (
    TimingRegression,
    merton_henriksson,
    treynor_mazuy,
)
from rustybt.analytics.attribution.report import AttributionReport, attribution_report
from rustybt.analytics.attribution.rolling import rolling_brinson, rolling_factor_regression
from rustybt.analytics.attribution.significance import (
    AlphaBootstrap,
    SharpeLuck,
    bootstrap_alpha,
    sharpe_luck,
    stationary_bootstrap_indices,
)
from rustybt.analytics.attribution.timing import (
    TIMING_COMPONENTS,
    TimingSelection,
    timing_selection,
    timing_selection_from_result,
)
from rustybt.data.factors import (
    load_carhart_factors,
    load_fama_french_factors,
    load_momentum_factor,
)

__all__ = [
    "CARHART4",
    "CASH",
    "EFFECTS",
    "FF3",
    "TIMING_COMPONENTS",
    "AlphaBootstrap",
    "AttributionReport",
    "BrinsonAttribution",
    "FactorRegression",
    "SharpeLuck",
    "TimingRegression",
    "TimingSelection",
    "attribution_report",
    "bootstrap_alpha",
    "brinson_fachler",
    "brinson_figure",
    "brinson_from_arrays",
    "brinson_from_result",
    "capm_regression",
    "carino_coefficients",
    "cumulative_carino",
    "factor_contribution_figure",
    "factor_regression",
    "fama_french_regression",
    "link_carino",
    "load_carhart_factors",
    "load_fama_french_factors",
    "load_momentum_factor",
    "merton_henriksson",
    "newey_west_maxlags",
    "rolling_brinson",
    "rolling_factor_regression",
    "session_closes",
    "sharpe_luck",
    "stationary_bootstrap_indices",
    "timing_selection",
    "timing_selection_from_result",
    "treynor_mazuy",
    "universe_weights",
]
