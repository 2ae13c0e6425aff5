"""The live tests' demo window, shared with the deployment tests."""

from __future__ import annotations

from tests.live.conftest import demo_window

__all__ = ["demo_window"]
