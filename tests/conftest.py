"""Shared fixtures. Real market data lives in ../shared/data (never copied here)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# A loaded CI machine must not turn slow examples into failures: correctness is
# what the property tests check; speed is measured in benchmarks/.
settings.register_profile("rustybt", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("rustybt")

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


@pytest.fixture(scope="session")
def sp500_catalog(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 505-ticker S&P 500 file ingested (with sectors) into a temporary catalog."""
    import pandas as pd

    from rustybt.data.catalog import ingest
    from rustybt.data.sources import kaggle_all_stocks

    root = tmp_path_factory.mktemp("sp500_catalog")
    constituents = pd.read_csv(shared_data / "sp500_constituents_2018-04-02.csv")
    sectors = dict(zip(constituents["Symbol"], constituents["Sector"], strict=True))
    ingest(
        kaggle_all_stocks(shared_data / "all_stocks_5yr.csv.gz"),
        root,
        name="sp500",
        sectors=sectors,
    )
    return root


@pytest.fixture(autouse=True)
def _forget_loaded_secrets() -> object:
    """Values decrypted from a secrets store are masked process-wide from then on
    (`rustybt.security.register_secret`); one test's secrets must not mask another's output."""
    yield
    from rustybt.security.masking import forget_secrets

    forget_secrets()
