"""Versions recorded with every result and run event, for reproducibility."""

from __future__ import annotations

import platform

import numpy as np
import pandas as pd

from rustybt import __version__

__all__ = ["versions"]


def versions() -> dict[str, str]:
    return {
        "rustybt": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
    }
