"""A small panel with the awkward cases: NaN bars, a late listing, a delisting,
an asset without a sector; and pandas helpers for reference computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rustybt.assets import Asset
from rustybt.data.bars import BarPanel

SECTORS = ("Tech", "Energy", "Tech", "Health", None, "Energy", "Health", "Tech")


def make_panel(n_days: int = 120, seed: int = 7) -> BarPanel:
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2020-01-01", periods=n_days, tz="UTC")
    n = len(SECTORS)
    assets = tuple(Asset(f"A{i}", sector=SECTORS[i]) for i in range(n))
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, (n_days, n)), axis=0))
    close[::17, 1] = np.nan  # missing bars
    close[30:33, 2] = np.nan
    close[:40, 3] = np.nan  # listed on day 40
    close[90:, 4] = np.nan  # delisted after day 89
    close[5, 6] = close[4, 6]  # a tie with itself across days (harmless)
    close[:, 7] = np.round(close[:, 7], 0)  # coarse prices make ties across assets likely
    volume = rng.integers(1_000, 50_000, (n_days, n)).astype(float)
    volume[np.isnan(close)] = np.nan
    spread = np.abs(rng.normal(0, 0.01, (n_days, n))) * close
    return BarPanel(
        index=index,
        assets=assets,
        open=close + spread / 2,
        high=close + spread,
        low=close - spread,
        close=close,
        volume=volume,
    )


@pytest.fixture(scope="session")
def panel() -> BarPanel:
    return make_panel()


def frame(panel: BarPanel, field: str) -> pd.DataFrame:
    return pd.DataFrame(panel.field(field), index=panel.index, columns=list(panel.assets))


def alive(panel: BarPanel) -> pd.DataFrame:
    """zipline's lifetimes: after the first bar, up to and including the last."""
    has = ~np.isnan(panel.close)
    rows = np.arange(len(panel.index))[:, None]
    first = has.argmax(axis=0)
    last = len(panel.index) - 1 - has[::-1].argmax(axis=0)
    return pd.DataFrame(
        (rows > first) & (rows <= last), index=panel.index, columns=list(panel.assets)
    )


def reference(panel: BarPanel, window: int, fields: tuple[str, ...], func) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Per session i: ``func(*[frame.iloc[i - window:i] for each field])`` -> Series by
    asset, i.e. the window of bars that closed before session i."""
    frames = [frame(panel, f) for f in fields]
    rows = {}
    for i in range(window, len(panel.index)):
        rows[panel.index[i]] = func(*[f.iloc[i - window : i] for f in frames])
    return pd.DataFrame(rows).T.reindex(panel.index)


def compare(result: pd.Series, expected: pd.DataFrame, panel: BarPanel, rtol: float = 1e-9) -> None:
    """``result`` (a run_pipeline column) equals ``expected`` on every alive cell
    of the output sessions, NaN where expected is NaN."""
    life = alive(panel)
    sessions = result.index.get_level_values(0).unique()
    wanted = expected.loc[sessions].where(life.loc[sessions]).stack(future_stack=True)
    wanted = wanted[life.loc[sessions].stack()]
    got = result.reindex(wanted.index)
    assert len(result) == len(wanted), "output rows differ from the alive cells"
    np.testing.assert_allclose(got.to_numpy(float), wanted.to_numpy(float), rtol=rtol, atol=1e-12)
