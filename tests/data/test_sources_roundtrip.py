"""Property: any valid long frame written to CSV or Parquet reads back identical."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt.data.bars import BAR_COLUMNS
from rustybt.data.sources import ColumnMap, CSVSource, ParquetSource
from rustybt.security.sanitise import is_valid_symbol

prices = st.floats(min_value=1e-4, max_value=1e7, allow_nan=False, allow_infinity=False)
volumes = st.floats(min_value=0.0, max_value=1e12, allow_nan=False, allow_infinity=False)
# Valid tickers only: the sources refuse a symbol such as "." or "..x" (path tricks).
symbols = st.text(alphabet="ABCXYZ^.-_0123", min_size=1, max_size=6).filter(is_valid_symbol)


@st.composite
def long_frames(draw: st.DrawFn) -> pd.DataFrame:
    keys = draw(
        st.lists(
            st.tuples(st.integers(0, 60 * 24 * 400), symbols),
            min_size=1,
            max_size=40,
            unique=True,
        )
    )
    rows = [
        {
            "timestamp": pd.Timestamp("2020-01-01", tz="UTC") + pd.Timedelta(minutes=minute),
            "symbol": symbol,
            "open": draw(prices),
            "high": draw(prices),
            "low": draw(prices),
            "close": draw(prices),
            "volume": draw(volumes),
        }
        for minute, symbol in keys
    ]
    frame = pd.DataFrame(rows, columns=list(BAR_COLUMNS))
    frame["timestamp"] = frame["timestamp"].astype("datetime64[ns, UTC]")
    return frame


def expected(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["timestamp", "symbol"], ignore_index=True)


@settings(max_examples=40, deadline=None)
@given(long_frames())
def test_csv_round_trip(frame: pd.DataFrame) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bars.csv"
        out = frame.copy()
        out["timestamp"] = out["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S")
        # Shuffled on disk: the source must sort by (timestamp, symbol) itself.
        out.sample(frac=1.0, random_state=1).to_csv(path, index=False)
        columns = ColumnMap(timestamp_format="%Y-%m-%d %H:%M:%S")
        read = CSVSource(path, columns=columns, frequency="minute").read()
    pd.testing.assert_frame_equal(read, expected(frame))


@settings(max_examples=40, deadline=None)
@given(long_frames())
def test_parquet_round_trip(frame: pd.DataFrame) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bars.parquet"
        frame.sample(frac=1.0, random_state=2).to_parquet(path, index=False)
        read = ParquetSource(path, frequency="minute").read()
    pd.testing.assert_frame_equal(read, expected(frame))
