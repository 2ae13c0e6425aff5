"""The S&P 500 catalog (505 tickers, 2013-2018): a liquidity universe by average
dollar volume and sector-relative momentum, against pandas on the raw CSV."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rustybt.data.catalog import Catalog
from rustybt.pipeline import Pipeline, run_pipeline
from rustybt.pipeline.classifiers import Sector
from rustybt.pipeline.factors import AverageDollarVolume, Returns

pytestmark = pytest.mark.realdata

START, END = "2016-01-04", "2016-06-30"


@pytest.fixture(scope="module")
def raw(shared_data: Path) -> pd.DataFrame:
    frame = pd.read_csv(shared_data / "all_stocks_5yr.csv.gz", parse_dates=["date"])
    return frame[(frame["date"] >= "2015-09-01") & (frame["date"] <= END)]


def test_top_by_average_dollar_volume_and_sector_momentum(
    sp500_catalog: Path, raw: pd.DataFrame, shared_data: Path
) -> None:
    panel = Catalog(sp500_catalog).load("sp500", start="2015-09-01", end=END)
    adv = AverageDollarVolume(window_length=20)
    universe = adv.top(50)
    momentum = Returns(window_length=60)
    out = run_pipeline(
        Pipeline(
            {
                "adv": adv,
                "sector": Sector(),
                "rank": momentum.rank(mask=universe, groupby=Sector()),
            },
            screen=universe,
        ),
        START,
        END,
        data=panel,
    )

    # pandas on the CSV: sessions x tickers, windows of the 20 sessions before each day
    close = raw.pivot(index="date", columns="Name", values="close")
    volume = raw.pivot(index="date", columns="Name", values="volume")
    dollars = (close * volume).shift(1)
    expected_adv = dollars.rolling(20, min_periods=0).sum() / 20
    sessions = close.loc[START:END].index
    assert out.index.get_level_values(0).unique().tz_localize(None).equals(sessions)
    for session in sessions[::10]:
        today = out.xs(pd.Timestamp(session, tz="UTC"), level=0)
        listed = close.loc[:session].iloc[:-1].notna().any()  # traded before today
        wanted = expected_adv.loc[session][listed].nlargest(50)
        assert sorted(a.symbol for a in today.index) == sorted(wanted.index)
        got = today["adv"].rename(lambda a: a.symbol).sort_index()
        np.testing.assert_allclose(got.to_numpy(), wanted.sort_index().to_numpy(), rtol=1e-9)

    constituents = pd.read_csv(shared_data / "sp500_constituents_2018-04-02.csv")
    sectors = dict(zip(constituents["Symbol"], constituents["Sector"], strict=True))
    symbols = [a.symbol for a in out.index.get_level_values(1)]
    labels = out["sector"].astype(object).where(out["sector"].notna(), None)
    assert list(labels) == [sectors.get(s) for s in symbols]
    assert out.loc[out["sector"].isna(), "rank"].isna().all()  # no sector: not ranked
    # ranks are 1..k within each (day, sector) of the universe
    sizes = out.groupby([out.index.get_level_values(0), out["sector"]], observed=True)["rank"]
    assert (sizes.max() == sizes.count()).all()
    assert (sizes.min() == 1).all()
