"""Analytics on a BacktestResult or on plain pandas series.

* `rustybt.analytics.metrics`: performance metrics on return series.
* `rustybt.analytics.trades`: round-trip (trade) analyses.
* `rustybt.analytics.plots`: matplotlib figures and the tearsheet (plotly in `plots.interactive`).
"""
