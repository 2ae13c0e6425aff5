"""Display set-up for figures, callable by hand (the plots call it on their own)."""

from __future__ import annotations

import importlib.util

from rustybt.analytics.inline import prepare_matplotlib, prepare_plotly

__all__ = ["prepare_display"]


def prepare_display() -> None:
    """In IPython: show matplotlib ``Figure`` objects as PNG images, and in a Jupyter
    kernel choose the offline plotly renderer (``plotly_mimetype+notebook``).
    Does nothing outside IPython or for a library that is not installed."""
    if importlib.util.find_spec("matplotlib") is not None:
        prepare_matplotlib()
    if importlib.util.find_spec("plotly") is not None:
        prepare_plotly()
