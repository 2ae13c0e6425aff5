"""Analytics on a BacktestResult or on plain pandas series.

* `rustybt.analytics.metrics`: performance metrics on return series.
* `rustybt.analytics.trades`: round-trip (trade) analyses.
* `rustybt.analytics.risk`: VaR/CVaR, VaR backtests, stress tests, scenarios, tail risk, decomposition.
* `rustybt.analytics.attribution`: factor regressions, Brinson-Fachler, timing vs selection.
* `rustybt.analytics.plots`: matplotlib figures and the tearsheet (plotly in `plots.interactive`).
"""
