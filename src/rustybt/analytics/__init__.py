"""Analytics on a BacktestResult or on plain pandas series."""
