"""Shared fixtures of the live tests: a short window of the demo data."""

from __future__ import annotations

import pytest

from rustybt.data.bars import BarPanel
from rustybt.data.synthetic import demo_panel


@pytest.fixture(scope="session")
def demo_window() -> BarPanel:
    """About four months of the demo data (6 assets): fast, and long enough to trade."""
    panel = demo_panel()
    return panel.select(start="2016-01-01", end="2016-04-30", assets=panel.assets[:6])
