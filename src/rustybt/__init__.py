"""rustybt: event-driven backtesting with an exact ledger."""

__version__ = "0.1.0"
