"""Backtest engine: orders, execution, ledger, strategy API, runner, result."""
