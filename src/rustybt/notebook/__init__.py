"""Working in Jupyter: rich displays, background runs and progress bars.

Most of it needs no call at all: results, metrics, strategies, portfolios,
orders, panels, datasets and reports display as compact tables by themselves,
matplotlib figures from `rustybt.analytics.plots` show inline without
``%matplotlib inline``, plotly figures use a renderer that also survives
``nbconvert --to html``, and `rustybt.run_backtest` draws a progress bar. This
module adds what must be asked for:

* `start_backtest` -> `BacktestHandle` (``progress``, ``result()``, ``cancel()``,
  ``done()``) and ``await run_backtest_async(...)``: runs in the background of a
  live kernel; `start_optimize` runs a parameter search the same way (progress
  counts trials, cancel keeps the finished ones).
* `prepare_display`: what the figures do on their own, for figures made before
  (or without) a rustybt plot call.

See docs/notebooks.md.
"""

from __future__ import annotations

from rustybt.analytics.inline import NOTEBOOK_PLOTLY_RENDERER
from rustybt.engine.limits import BacktestCancelled
from rustybt.notebook.background import (
    BacktestHandle,
    run_backtest_async,
    start_backtest,
    start_optimize,
)
from rustybt.notebook.display import prepare_display

__all__ = [
    "NOTEBOOK_PLOTLY_RENDERER",
    "BacktestCancelled",
    "BacktestHandle",
    "prepare_display",
    "run_backtest_async",
    "start_backtest",
    "start_optimize",
]
