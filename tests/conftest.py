"""Shared fixtures. Real market data lives in ../shared/data (never copied here)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# CI clones the project with shared/ beside it; RUSTYBT_SHARED_DATA points elsewhere.
SHARED_DATA = Path(
    os.environ.get(
        "RUSTYBT_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"
    )
)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Directory of the real data files; tests using it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA}")
    return SHARED_DATA
